using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace McpServer.AspNetCore.StreamableHttp;

/// <summary>
/// Writes Server-Sent Events to one HTTP response. Writes are serialized; a failed write marks
/// the writer dead instead of throwing at the caller.
/// </summary>
internal sealed class SseWriter
{
    private static readonly byte[] s_keepAlive = ": keep-alive\n\n"u8.ToArray();
    private readonly HttpResponse _response;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private long _lastWrite = Environment.TickCount64;
    private volatile bool _dead;

    public SseWriter(HttpContext http)
    {
        _response = http.Response;
        Aborted = http.RequestAborted;
    }

    public CancellationToken Aborted { get; }

    public bool IsDead => _dead || Aborted.IsCancellationRequested;

    public long LastWrite => Volatile.Read(ref _lastWrite);

    public bool HasStarted => _response.HasStarted;

    /// <summary>Sends the SSE headers and, when <paramref name="primingId"/> is given, the priming event with the retry hint.</summary>
    public Task StartAsync(string? primingId, TimeSpan retry, string? sessionIdHeader = null)
    {
        _response.StatusCode = StatusCodes.Status200OK;
        _response.ContentType = "text/event-stream";
        _response.Headers.CacheControl = "no-cache, no-transform";
        _response.Headers["X-Accel-Buffering"] = "no";
        if (sessionIdHeader is not null)
        {
            _response.Headers[HttpConstants.SessionIdHeader] = sessionIdHeader;
        }

        _response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        if (primingId is null)
        {
            return WriteRawAsync(ReadOnlyMemory<byte>.Empty, flushOnly: true);
        }

        var text = $"id: {primingId}\nretry: {((long)retry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}\ndata: \n\n";
        return WriteRawAsync(Encoding.ASCII.GetBytes(text));
    }

    /// <summary>Writes one <c>message</c> event.</summary>
    public Task WriteEventAsync(string? id, ReadOnlyMemory<byte> json, string eventName = "message")
    {
        var size = json.Length + eventName.Length + (id?.Length ?? 0) + 32;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        var n = 0;
        if (id is not null)
        {
            n += Encoding.ASCII.GetBytes("id: ", buffer.AsSpan(n));
            n += Encoding.ASCII.GetBytes(id, buffer.AsSpan(n));
            buffer[n++] = (byte)'\n';
        }

        n += Encoding.ASCII.GetBytes("event: ", buffer.AsSpan(n));
        n += Encoding.ASCII.GetBytes(eventName, buffer.AsSpan(n));
        n += Encoding.ASCII.GetBytes("\ndata: ", buffer.AsSpan(n));
        json.Span.CopyTo(buffer.AsSpan(n));
        n += json.Length;
        buffer[n++] = (byte)'\n';
        buffer[n++] = (byte)'\n';
        return WriteAndReturnAsync(buffer, n);
    }

    /// <summary>Writes a plain event with text data (the legacy transport's <c>endpoint</c> event).</summary>
    public Task WriteTextEventAsync(string eventName, string data) =>
        WriteRawAsync(Encoding.UTF8.GetBytes($"event: {eventName}\ndata: {data}\n\n"));

    public Task WriteKeepAliveAsync() => WriteRawAsync(s_keepAlive);

    private async Task WriteAndReturnAsync(byte[] buffer, int count)
    {
        try
        {
            await WriteRawAsync(buffer.AsMemory(0, count)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task WriteRawAsync(ReadOnlyMemory<byte> bytes, bool flushOnly = false)
    {
        if (IsDead)
        {
            return;
        }

        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!flushOnly)
            {
                McpServer.AspNetCore.Metrics.McpHttpMetrics.Sent(bytes.Length);
                await _response.Body.WriteAsync(bytes, Aborted).ConfigureAwait(false);
            }

            await _response.Body.FlushAsync(Aborted).ConfigureAwait(false);
            Volatile.Write(ref _lastWrite, Environment.TickCount64);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            _dead = true;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Ends the response body now (the request handler may still be running).</summary>
    public async Task CompleteAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_dead)
            {
                _dead = true;
                await _response.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            _lock.Release();
        }
    }
}
