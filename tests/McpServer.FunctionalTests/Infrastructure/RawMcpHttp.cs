using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>Raw HTTP against the Streamable HTTP endpoint: literal bodies and headers, exact answers.</summary>
public sealed class RawMcpHttp : IDisposable
{
    /// <summary>What a conforming client sends in Accept.</summary>
    public const string BothAccept = "application/json, text/event-stream";

    private readonly HttpClient _http;
    private int _nextId = 1000;

    public RawMcpHttp(Uri mcpUrl)
    {
        McpUrl = mcpUrl;
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public Uri McpUrl { get; }

    public HttpClient Client => _http;

    /// <summary>A POST to /mcp with the given body and the headers a conforming client sends.</summary>
    public HttpRequestMessage Post(string body, string? sessionId = null) => Post(Encoding.UTF8.GetBytes(body), sessionId);

    /// <summary>The <c>_meta</c> member every 2026-07-28 request needs (no client capabilities).</summary>
    public const string StatelessMeta = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}";

    /// <summary>A 2026-07-28 POST of <paramref name="body"/> with MCP-Protocol-Version, Mcp-Method and, when given, Mcp-Name.</summary>
    public HttpRequestMessage PostStateless(string body, string method, string? name = null)
    {
        var request = Post(Encoding.UTF8.GetBytes(body));
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2026-07-28");
        request.Headers.TryAddWithoutValidation("Mcp-Method", method);
        if (name is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Name", name);
        }

        return request;
    }

    /// <summary>A 2026-07-28 request: <paramref name="parameters"/> are the members of params, to which <see cref="StatelessMeta"/> is added.</summary>
    public HttpRequestMessage PostStateless(long id, string method, string parameters, string? name = null) =>
        PostStateless("{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"method\":\"" + method + "\",\"params\":{"
            + parameters + (parameters.Length > 0 ? "," : string.Empty) + StatelessMeta + "}}", method, name);

    /// <summary>A POST to /mcp with raw body bytes.</summary>
    public HttpRequestMessage Post(byte[] body, string? sessionId = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, McpUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.TryAddWithoutValidation("Accept", BothAccept);
        if (sessionId is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Session-Id", sessionId);
        }

        return request;
    }

    /// <summary>Sends and reads the whole response.</summary>
    public async Task<RawResponse> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        using (request)
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return new RawResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, response.Headers);
        }
    }

    /// <summary>Posts one JSON-RPC message and reads the answer.</summary>
    public Task<RawResponse> PostAsync(string body, string? sessionId = null, CancellationToken cancellationToken = default) =>
        SendAsync(Post(body, sessionId), cancellationToken);

    /// <summary>Runs initialize + notifications/initialized and returns the new session id.</summary>
    public async Task<string> InitializeAsync(string protocolVersion = "2025-11-25")
    {
        var response = await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":""" + JsonSerializer.Serialize(protocolVersion) + ""","capabilities":{},"clientInfo":{"name":"raw-functional-test","version":"1.0"}}}""");
        Assert.True(response.Status == HttpStatusCode.OK, $"initialize: HTTP {(int)response.Status}: {response.Body}");
        Assert.Equal(protocolVersion, response.Message().GetProperty("result").GetProperty("protocolVersion").GetString());
        var sessionId = Assert.Single(response.Headers.GetValues("Mcp-Session-Id"));
        var initialized = await PostAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", sessionId);
        Assert.Equal(HttpStatusCode.Accepted, initialized.Status);
        return sessionId;
    }

    /// <summary>Calls echo on <paramref name="sessionId"/> (or a new session) and asserts the text comes back.</summary>
    public async Task AssertEchoWorksAsync(string? sessionId = null)
    {
        sessionId ??= await InitializeAsync();
        var id = Interlocked.Increment(ref _nextId);
        var response = await PostAsync(
            """{"jsonrpc":"2.0","id":""" + id.ToString(CultureInfo.InvariantCulture) + ""","method":"tools/call","params":{"name":"echo","arguments":{"text":"still serving """ + id.ToString(CultureInfo.InvariantCulture) + "\"}}}",
            sessionId);
        Assert.True(response.Status == HttpStatusCode.OK, $"echo: HTTP {(int)response.Status}: {response.Body}");
        var message = response.Message();
        Assert.Equal(id, message.GetProperty("id").GetInt32());
        Assert.Equal($"still serving {id}", message.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>One HTTP answer, read whole.</summary>
public sealed record RawResponse(HttpStatusCode Status, string? MediaType, string Body, HttpResponseHeaders Headers)
{
    /// <summary>The JSON-RPC message: the body itself, or the last <c>data:</c> of an SSE body.</summary>
    public JsonElement Message()
    {
        if (MediaType == "text/event-stream")
        {
            var events = SseParser.Parse(Body);
            var last = events.LastOrDefault(e => e.Data.Length > 0) ?? throw new InvalidOperationException($"No SSE event with data in: {Body}");
            return JsonDocument.Parse(last.Data).RootElement.Clone();
        }

        try
        {
            return JsonDocument.Parse(Body).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"HTTP {(int)Status} body is not JSON ({ex.Message}): '{Body}'", ex);
        }
    }

    /// <summary>Asserts status, <c>error.code</c>, <c>error.data.reason</c> and, when given, <c>error.data.field</c>.</summary>
    public JsonElement AssertError(HttpStatusCode status, int code, string reason, string? field = null)
    {
        Assert.True(Status == status, $"expected HTTP {(int)status}, got {(int)Status}: {Body}");
        Assert.Equal("application/json", MediaType);
        var message = Message();
        Assert.Equal("2.0", message.GetProperty("jsonrpc").GetString());
        Assert.True(message.TryGetProperty("error", out var error), $"no error member: {Body}");
        Assert.False(message.TryGetProperty("result", out _), $"error response also has a result: {Body}");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), "error.message is empty");
        var data = error.GetProperty("data");
        Assert.Equal(reason, data.GetProperty("reason").GetString());
        if (field is not null)
        {
            Assert.Equal(field, data.GetProperty("field").GetString());
        }

        return message;
    }
}
