using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;
using Microsoft.AspNetCore.Http;

namespace McpServer.AspNetCore.StreamableHttp;

/// <summary>
/// The response of one POSTed request. It stays a plain JSON response unless the handler sends
/// something before its result; then it becomes an SSE stream (priming event first, for
/// 2025-11-25 clients), and every event is buffered for resumption.
/// </summary>
internal sealed class PostResponseStream(HttpContext http, McpSession session, McpHttpOptions options, SseKeepAlive keepAlive) : IRequestStream
{
    private Task? _start;
    private SseWriter? _writer;
    private HttpSessionState? _state;
    private HttpSessionState.StreamState? _stream;
    private int _closed;

    public bool IsStreaming => _start is not null;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await EnsureStartedAsync().ConfigureAwait(false);
        var (id, live) = _state!.Append(_stream!, message);
        if (live is not null)
        {
            await live.WriteEventAsync(id, message).ConfigureAwait(false);
        }
    }

    public void RequestClose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _ = CloseAsync();
    }

    private async Task CloseAsync()
    {
        await EnsureStartedAsync().ConfigureAwait(false);
        _state!.Detach(_stream!, _writer!);
        keepAlive.Remove(_writer!);
        await _writer!.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Sends the final response on the stream (or to a resumed GET, or into the buffer) and ends the stream.</summary>
    public async Task CompleteAsync(ReadOnlyMemory<byte> response)
    {
        await SendAsync(response, CancellationToken.None).ConfigureAwait(false);
        _state!.Finish(_stream!);
        keepAlive.Remove(_writer!);
    }

    /// <summary>
    /// The client cancelled the request, so no response is due (receivers SHOULD NOT send one):
    /// an SSE stream ends without it; a plain response becomes <c>202 Accepted</c>.
    /// </summary>
    public async Task AbandonAsync()
    {
        if (!IsStreaming)
        {
            http.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        await EnsureStartedAsync().ConfigureAwait(false);
        _state!.Finish(_stream!);
        keepAlive.Remove(_writer!);
    }

    private Task EnsureStartedAsync()
    {
        if (_start is { } started)
        {
            return started;
        }

        // Locks on itself: a Lock field would be one more allocation on every request (measured).
        lock (this)
        {
            return _start ??= StartAsync();
        }
    }

    private Task StartAsync()
    {
        // A 2026-07-28 stream cannot be resumed: it gets a state of its own with no replay buffer.
        _state = ProtocolRevisions.IsStateless(session.Revision) ? new HttpSessionState(session, 0) : HttpSessionState.For(session, options);
        _stream = _state.OpenStream();
        _writer = new SseWriter(http);
        _stream.Live = new HttpSessionState.Attachment(_writer);
        keepAlive.Add(_writer, session);

        // Priming events (SEP-1699) are for clients that negotiated 2025-11-25 or later; older clients may not expect empty data.
        // 2026-07-28 streams are not resumable, so they are not primed either.
        var priming = session.Revision == ProtocolRevision.V2025_11_25 ? _state.PrimingId(_stream) : null;
        return _writer.StartAsync(priming, options.SseRetryInterval);
    }
}
