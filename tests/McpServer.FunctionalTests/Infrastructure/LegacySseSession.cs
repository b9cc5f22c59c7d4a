using System.Net;
using System.Text;
using System.Text.Json;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>A raw 2024-11-05 HTTP+SSE session: GET /sse, the <c>endpoint</c> event, POSTs answered 202, replies on the stream.</summary>
public sealed class LegacySseSession : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly CancellationTokenSource _cts = new();

    private LegacySseSession(HttpClient http, HttpResponseMessage response, StreamReader reader, Uri endpoint)
    {
        _http = http;
        _response = response;
        _reader = reader;
        Endpoint = endpoint;
    }

    /// <summary>The POST endpoint the server announced.</summary>
    public Uri Endpoint { get; }

    /// <summary>Opens the stream, reads the endpoint event and, unless told not to, runs the initialize handshake.</summary>
    public static async Task<LegacySseSession> OpenAsync(HttpClient http, Uri sseUrl, bool initialize = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, sseUrl);
        request.Headers.Add("Accept", "text/event-stream");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var first = await SseParser.ReadEventAsync(reader, timeout.Token);
        Assert.NotNull(first);
        Assert.Equal("endpoint", first.Event);
        Assert.StartsWith("/messages?sessionId=", first.Data, StringComparison.Ordinal);
        var session = new LegacySseSession(http, response, reader, new Uri(sseUrl, first.Data));
        if (initialize)
        {
            Assert.Equal(HttpStatusCode.Accepted, await session.PostAsync("""{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"raw-sse","version":"1"}}}"""));
            var result = await session.ReadMessageAsync();
            Assert.Equal("2024-11-05", result.GetProperty("result").GetProperty("protocolVersion").GetString());
            Assert.Equal(HttpStatusCode.Accepted, await session.PostAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}"""));
        }

        return session;
    }

    /// <summary>POSTs one message to the announced endpoint and returns the HTTP status.</summary>
    public async Task<HttpStatusCode> PostAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(Endpoint, content);
        return response.StatusCode;
    }

    /// <summary>Reads the next <c>message</c> event from the stream as JSON.</summary>
    public async Task<JsonElement> ReadMessageAsync(TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var e = await SseParser.ReadEventAsync(_reader, cts.Token) ?? throw new InvalidOperationException("The SSE stream ended.");
            if (e.Event is null or "message" && e.Data.Length > 0)
            {
                return JsonDocument.Parse(e.Data).RootElement.Clone();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _reader.Dispose();
        _response.Dispose();
        _cts.Dispose();
    }
}
