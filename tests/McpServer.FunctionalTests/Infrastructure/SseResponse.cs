using System.Net;
using System.Text;
using System.Text.Json;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>A live HTTP response read event by event.</summary>
public sealed class SseResponse : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseResponse(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public HttpStatusCode Status => _response.StatusCode;

    public string? MediaType => _response.Content.Headers.ContentType?.MediaType;

    public HttpResponseMessage Response => _response;

    /// <summary>Sends the request and returns as soon as the headers are in.</summary>
    public static async Task<SseResponse> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        return new SseResponse(response, reader);
    }

    /// <summary>The next event, or null at the end of the stream.</summary>
    public async Task<SseEvent?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await SseParser.ReadEventAsync(_reader, cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No SSE event within {(timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds} s.");
        }
    }

    /// <summary>Every remaining event until the server ends the stream.</summary>
    public async Task<List<SseEvent>> ReadToEndAsync(TimeSpan? timeout = null)
    {
        var events = new List<SseEvent>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (await NextAsync(deadline - DateTime.UtcNow) is { } e)
        {
            events.Add(e);
        }

        return events;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}

/// <summary>Helpers for SSE events that carry JSON-RPC messages.</summary>
public static class SseEventExtensions
{
    public static JsonElement Json(this SseEvent e) => JsonDocument.Parse(e.Data).RootElement.Clone();

    public static bool IsPriming(this SseEvent e) => e.Id is not null && e.HasData && e.Data.Length == 0;

    public static string? Method(this SseEvent e) =>
        e.Data.Length > 0 && e.Json().TryGetProperty("method", out var m) ? m.GetString() : null;

    public static bool IsResponseTo(this SseEvent e, int id) =>
        e.Data.Length > 0 && e.Json() is var j && j.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number && i.GetInt32() == id && !j.TryGetProperty("method", out _);
}
