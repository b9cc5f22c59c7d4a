using System.Net;
using System.Text;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>The 2024-11-05 HTTP+SSE transport (GET /sse, POST /messages) on the raw wire.</summary>
public sealed class LegacySseRawTests : IClassFixture<DemoServerFixture>, IDisposable
{
    private readonly DemoServerFixture _fixture;
    private readonly RawMcpHttp _raw;

    public LegacySseRawTests(DemoServerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        fixture.Server.AttachOutput(output);
        _raw = new RawMcpHttp(fixture.McpUrl);
    }

    [Fact]
    public async Task Session_Handshake_RepliesTravelOnTheStream()
    {
        await using var sse = await LegacySseSession.OpenAsync(_raw.Client, _fixture.SseUrl);

        Assert.Equal(HttpStatusCode.Accepted, await sse.PostAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}"""));
        var answer = await sse.ReadMessageAsync();

        Assert.Equal(2, answer.GetProperty("id").GetInt32());
        Assert.Equal("3", answer.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        // 2024-11-05 has no structured content: the server leaves it out for this revision.
        Assert.False(answer.GetProperty("result").TryGetProperty("structuredContent", out _));
    }

    [Fact]
    public async Task Post_MalformedMessage_ErrorOnTheStreamAndSessionKeepsServing()
    {
        await using var sse = await LegacySseSession.OpenAsync(_raw.Client, _fixture.SseUrl);

        Assert.Equal(HttpStatusCode.Accepted, await sse.PostAsync("""{"jsonrpc":"1.0","id":3,"method":"ping"}"""));
        var error = await sse.ReadMessageAsync();
        Assert.Equal(1001, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("invalid_field", error.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(3, error.GetProperty("id").GetInt32());

        Assert.Equal(HttpStatusCode.Accepted, await sse.PostAsync("""{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"text":"ok"}}}"""));
        Assert.Equal("ok", (await sse.ReadMessageAsync()).GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Post_BeforeInitialize_GetsNotInitializedOnTheStream()
    {
        await using var sse = await LegacySseSession.OpenAsync(_raw.Client, _fixture.SseUrl, initialize: false);

        Assert.Equal(HttpStatusCode.Accepted, await sse.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}"""));
        var answer = await sse.ReadMessageAsync();

        Assert.Equal(-32600, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("not_initialized", answer.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Post_WithoutSessionId_Returns400()
    {
        var response = await PostMessagesAsync(new Uri(_fixture.Server.BaseUrl!, "/messages"), """{"jsonrpc":"2.0","id":1,"method":"ping"}""");

        response.AssertError(HttpStatusCode.BadRequest, 1001, "missing_session_id", "sessionId");
    }

    [Fact]
    public async Task Post_UnknownSessionId_Returns404()
    {
        var response = await PostMessagesAsync(new Uri(_fixture.Server.BaseUrl!, "/messages?sessionId=nope"), """{"jsonrpc":"2.0","id":1,"method":"ping"}""");

        response.AssertError(HttpStatusCode.NotFound, -32001, "session_not_found", "sessionId");
    }

    [Fact]
    public async Task Post_AfterStreamClosed_Returns404()
    {
        Uri endpoint;
        await using (var sse = await LegacySseSession.OpenAsync(_raw.Client, _fixture.SseUrl))
        {
            endpoint = sse.Endpoint;
        }

        // The server notices the closed stream on its own schedule: poll until the session is gone.
        await Poll.UntilAsync(
            async () => (await PostMessagesAsync(endpoint, """{"jsonrpc":"2.0","id":1,"method":"ping"}""")).Status == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(10),
            "POST /messages on a closed stream's session to get 404");
    }

    [Fact]
    public async Task Post_BodyOver4MiB_Returns413()
    {
        await using var sse = await LegacySseSession.OpenAsync(_raw.Client, _fixture.SseUrl);
        using var content = new ByteArrayContent(new byte[MalformedInput.MaxBody + 1]);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");

        using var response = await _raw.Client.PostAsync(sse.Endpoint, content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, await sse.PostAsync("""{"jsonrpc":"2.0","id":9,"method":"ping"}"""));
        Assert.Equal(9, (await sse.ReadMessageAsync()).GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Get_EvilHost_Returns403()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _fixture.SseUrl);
        request.Headers.Host = "evil.example.com";
        request.Headers.Add("Accept", "text/event-stream");

        var response = await _raw.SendAsync(request);

        response.AssertError(HttpStatusCode.Forbidden, -32000, "host_not_allowed", "Host");
    }

    [Fact]
    public async Task Get_EvilOrigin_Returns403()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _fixture.SseUrl);
        request.Headers.Add("Origin", "http://evil.example.com");
        request.Headers.Add("Accept", "text/event-stream");

        var response = await _raw.SendAsync(request);

        response.AssertError(HttpStatusCode.Forbidden, -32000, "origin_not_allowed", "Origin");
    }

    [Fact]
    public async Task Post_LegacySessionIdOnStreamableEndpoint_Returns404()
    {
        await using var sse = await LegacySseSession.OpenAsync(_raw.Client, _fixture.SseUrl);
        var legacyId = sse.Endpoint.Query["?sessionId=".Length..];

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", legacyId);

        response.AssertError(HttpStatusCode.NotFound, -32001, "session_not_found");
    }

    public void Dispose() => _raw.Dispose();

    private async Task<RawResponse> PostMessagesAsync(Uri uri, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        return await _raw.SendAsync(request);
    }
}
