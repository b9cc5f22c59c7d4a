using System.Net;
using System.Text.Json;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>
/// Raw HTTP on /mcp: each client mistake gets its exact HTTP status, JSON-RPC error code and reason,
/// and the server keeps serving afterwards.
/// </summary>
public sealed class RawWireTests : IClassFixture<DemoServerFixture>, IDisposable
{
    private readonly DemoServerFixture _fixture;
    private readonly RawMcpHttp _raw;

    public RawWireTests(DemoServerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        fixture.Server.AttachOutput(output);
        _raw = new RawMcpHttp(fixture.McpUrl);
    }

    public static TheoryData<string> Malformed => MalformedInput.Names;

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Post_MalformedInput_RefusedWithExactErrorAndServerKeepsServing(string name)
    {
        var input = MalformedInput.Get(name);
        var session = await _raw.InitializeAsync();

        var response = await _raw.SendAsync(input.Build(_raw, session));

        response.AssertError(input.Status, input.Code, input.Reason, input.Field);
        await _raw.AssertEchoWorksAsync(session);
        await _raw.AssertEchoWorksAsync();
    }

    [Theory]
    [InlineData("jsonrpc_1_0")]
    [InlineData("missing_jsonrpc")]
    [InlineData("missing_method")]
    [InlineData("params_array")]
    public async Task Post_MalformedWithValidId_EchoesTheId(string name)
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.SendAsync(MalformedInput.Get(name).Build(_raw, session));

        var input = MalformedInput.Get(name);
        var message = response.AssertError(input.Status, input.Code, input.Reason, input.Field);
        Assert.Equal(1, message.GetProperty("id").GetInt32());
    }

    [Theory]
    [InlineData("not_json")]
    [InlineData("id_object")]
    [InlineData("id_string_257_bytes")]
    public async Task Post_MalformedWithoutUsableId_AnswersWithNullId(string name)
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.SendAsync(MalformedInput.Get(name).Build(_raw, session));

        Assert.Equal(JsonValueKind.Null, response.Message().GetProperty("id").ValueKind);
    }

    [Fact]
    public async Task Post_StringIdOfExactly256Bytes_IsAccepted()
    {
        var session = await _raw.InitializeAsync();
        var id = new string('x', 256);

        var response = await _raw.PostAsync($$"""{"jsonrpc":"2.0","id":"{{id}}","method":"ping"}""", session);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(id, response.Message().GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Object, response.Message().GetProperty("result").ValueKind);
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("-9223372036854775808")]
    [InlineData("0")]
    [InlineData("\"\"")]
    [InlineData("\"ünïcødé ✓\"")]
    public async Task Post_EdgeOfRangeIds_AreEchoedExactly(string id)
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":""" + id + ""","method":"ping"}""", session);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(System.Text.Json.Nodes.JsonNode.Parse(id)!.ToJsonString(), System.Text.Json.Nodes.JsonNode.Parse(response.Message().GetProperty("id").GetRawText())!.ToJsonString());
    }

    [Fact]
    public async Task Post_EscapedMethodName_IsTheSameMethod()
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools\/c\u0061ll","params":{"name":"echo","arguments":{"text":"esc"}}}""", session);

        Assert.Equal("esc", response.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Post_StringIdAndEqualNumberIdInFlight_AreDifferentRequests()
    {
        var session = await _raw.InitializeAsync();
        using var first = _raw.Post("""{"jsonrpc":"2.0","id":78,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":600},"_meta":{"progressToken":"n"}}}""", session);
        using var firstResponse = await _raw.Client.SendAsync(first, HttpCompletionOption.ResponseHeadersRead);

        var second = await _raw.PostAsync("""{"jsonrpc":"2.0","id":"78","method":"tools/call","params":{"name":"echo","arguments":{"text":"string id"}}}""", session);

        Assert.Equal("78", second.Message().GetProperty("id").GetString());
        Assert.Equal("string id", second.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        var events = SseParser.Parse(await firstResponse.Content.ReadAsStringAsync());
        Assert.True(events[^1].IsResponseTo(78), events[^1].Data);
    }

    [Fact]
    public async Task Post_NestingOfExactly64Levels_IsAccepted()
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync(MalformedInput.Nested(64), session);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal(JsonValueKind.Object, response.Message().GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task Post_BodyOfExactly4MiB_IsAccepted()
    {
        var session = await _raw.InitializeAsync();
        var prefix = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\""u8.ToArray();
        var suffix = "\"}}}"u8.ToArray();
        var body = new byte[MalformedInput.MaxBody];
        prefix.CopyTo(body);
        body.AsSpan(prefix.Length, body.Length - prefix.Length - suffix.Length).Fill((byte)'b');
        suffix.CopyTo(body.AsSpan(body.Length - suffix.Length));

        var response = await _raw.SendAsync(_raw.Post(body, session));

        Assert.True(response.Status == HttpStatusCode.OK, $"HTTP {(int)response.Status}: {response.Body[..Math.Min(300, response.Body.Length)]}");
        Assert.Equal(body.Length - prefix.Length - suffix.Length, response.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!.Length);
    }

    [Fact]
    public async Task Post_UnknownMethod_ReturnsMethodNotFound()
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/frobnicate"}""", session);

        var message = response.AssertError(HttpStatusCode.OK, -32601, "method_not_found");
        Assert.Equal(3, message.GetProperty("id").GetInt32());
        await _raw.AssertEchoWorksAsync(session);
    }

    [Fact]
    public async Task Post_UnknownTool_ReturnsInvalidParamsUnknownTool()
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":"t-1","method":"tools/call","params":{"name":"nope","arguments":{}}}""", session);

        var message = response.AssertError(HttpStatusCode.OK, -32602, "unknown_tool");
        Assert.Equal("t-1", message.GetProperty("id").GetString());
        await _raw.AssertEchoWorksAsync(session);
    }

    [Fact]
    public async Task Post_RequestBeforeInitialize_Returns400MissingSessionId()
    {
        // On Streamable HTTP a session exists only once initialize created it, so "before initialize" means "without a session".
        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/list"}""");

        var message = response.AssertError(HttpStatusCode.BadRequest, MalformedInput.InvalidMessage, "missing_session_id", "Mcp-Session-Id");
        Assert.Equal(9, message.GetProperty("id").GetInt32());
        await _raw.AssertEchoWorksAsync();
    }

    [Fact]
    public async Task Delete_Session_ThenReuse_Returns404SessionNotFound()
    {
        var session = await _raw.InitializeAsync();
        using var delete = new HttpRequestMessage(HttpMethod.Delete, _fixture.McpUrl);
        delete.Headers.Add("Mcp-Session-Id", session);

        var deleted = await _raw.SendAsync(delete);
        var reuse = await _raw.PostAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", session);

        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        reuse.AssertError(HttpStatusCode.NotFound, -32001, "session_not_found", "Mcp-Session-Id");
        await _raw.AssertEchoWorksAsync();
    }

    [Fact]
    public async Task Delete_UnknownSession_Returns404()
    {
        using var delete = new HttpRequestMessage(HttpMethod.Delete, _fixture.McpUrl);
        delete.Headers.Add("Mcp-Session-Id", "never-issued");

        var response = await _raw.SendAsync(delete);

        response.AssertError(HttpStatusCode.NotFound, -32001, "session_not_found");
    }

    [Fact]
    public async Task Post_DuplicateIdWhileFirstInFlight_SecondGetsDuplicateId()
    {
        var session = await _raw.InitializeAsync();

        // With a progress token, the sleep answers with an SSE stream as soon as its first progress step
        // (100 ms) is sent, so once the headers are here the request is certainly in flight.
        using var first = _raw.Post("""{"jsonrpc":"2.0","id":77,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":1000},"_meta":{"progressToken":"dup"}}}""", session);
        using var firstResponse = await _raw.Client.SendAsync(first, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", firstResponse.Content.Headers.ContentType?.MediaType);

        var second = await _raw.PostAsync("""{"jsonrpc":"2.0","id":77,"method":"tools/call","params":{"name":"echo","arguments":{"text":"dup"}}}""", session);

        var message = second.AssertError(HttpStatusCode.OK, -32600, "duplicate_id", "id");
        Assert.Equal(77, message.GetProperty("id").GetInt32());

        // The first request is untouched: its stream still ends with its own result.
        var events = SseParser.Parse(await firstResponse.Content.ReadAsStringAsync());
        using var last = JsonDocument.Parse(events.Last(e => e.Data.Length > 0).Data);
        Assert.Equal(77, last.RootElement.GetProperty("id").GetInt32());
        Assert.Equal("Slept 1000 ms.", last.RootElement.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        // Once the first finished, the id is free again.
        var reused = await _raw.PostAsync("""{"jsonrpc":"2.0","id":77,"method":"ping"}""", session);
        Assert.Equal(HttpStatusCode.OK, reused.Status);
        Assert.True(reused.Message().TryGetProperty("result", out _), reused.Body);
    }

    [Fact]
    public async Task Post_CancelledPlainJsonRequest_Answers202WithoutResponse()
    {
        var session = await _raw.InitializeAsync();
        var call = _raw.PostAsync("""{"jsonrpc":"2.0","id":88,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":30000}}}""", session);

        // Cancel until the server has seen the request (a cancel for an unknown id is ignored), then the call ends.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!call.IsCompleted && DateTime.UtcNow < deadline)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await _raw.PostAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":88,"reason":"test"}}""", session)).Status);
            await Task.WhenAny(call, Task.Delay(50));
        }

        var response = await call;
        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        Assert.Equal(string.Empty, response.Body);
        await _raw.AssertEchoWorksAsync(session);
    }

    [Fact]
    public async Task Post_CancelledStreamingRequest_StreamEndsWithoutResponse()
    {
        var session = await _raw.InitializeAsync();
        using var call = await SseResponse.SendAsync(_raw.Client, _raw.Post("""{"jsonrpc":"2.0","id":89,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":30000},"_meta":{"progressToken":"c"}}}""", session));
        Assert.Equal("text/event-stream", call.MediaType);
        Assert.True((await call.NextAsync())!.IsPriming());

        Assert.Equal(HttpStatusCode.Accepted, (await _raw.PostAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":89}}""", session)).Status);
        var rest = await call.ReadToEndAsync(TimeSpan.FromSeconds(10));

        Assert.All(rest, e => Assert.Equal("notifications/progress", e.Method()));
        await _raw.AssertEchoWorksAsync(session);
    }

    [Fact]
    public async Task Post_BatchOn2025_11_25Session_Returns400BatchNotSupported()
    {
        var session = await _raw.InitializeAsync("2025-11-25");

        var response = await _raw.PostAsync("""[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]""", session);

        response.AssertError(HttpStatusCode.BadRequest, MalformedInput.InvalidMessage, "batch_not_supported");
        await _raw.AssertEchoWorksAsync(session);
    }

    [Fact]
    public async Task Post_BatchOn2025_03_26Session_ReturnsArrayOfResponses()
    {
        var session = await _raw.InitializeAsync("2025-03-26");

        var response = await _raw.PostAsync(
            """
            [
              {"jsonrpc":"2.0","id":1,"method":"ping"},
              {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"x","progress":1}},
              {"jsonrpc":"2.0","id":"two","method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}},
              {"jsonrpc":"2.0","id":3,"method":"no/such/method"}
            ]
            """,
            session);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal("application/json", response.MediaType);
        var array = response.Message();
        Assert.Equal(JsonValueKind.Array, array.ValueKind);
        var byId = array.EnumerateArray().ToDictionary(e => e.GetProperty("id").ToString());
        Assert.Equal(["1", "3", "two"], byId.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(JsonValueKind.Object, byId["1"].GetProperty("result").ValueKind);
        Assert.Equal("3", byId["two"].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(-32601, byId["3"].GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Post_BatchOnlyNotifications_Returns202()
    {
        var session = await _raw.InitializeAsync("2025-03-26");

        var response = await _raw.PostAsync("""[{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"x","progress":1}}]""", session);

        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        Assert.Equal(string.Empty, response.Body);
    }

    [Fact]
    public async Task Post_Notification_Returns202WithEmptyBody()
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}""", session);

        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        Assert.Equal(string.Empty, response.Body);
        await _raw.AssertEchoWorksAsync(session);
    }

    [Fact]
    public async Task Post_CancelledNotificationForUnknownRequest_Returns202()
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12345,"reason":"test"}}""", session);

        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        await _raw.AssertEchoWorksAsync(session);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":99,"result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"s-1","error":{"code":-32601,"message":"no"}}""")]
    public async Task Post_ClientResponseNobodyWaitsFor_Returns202(string body)
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync(body, session);

        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        Assert.Equal(string.Empty, response.Body);
        await _raw.AssertEchoWorksAsync(session);
    }

    [Fact]
    public async Task Post_InitializeWithUnknownVersion_AnswersWithLatest()
    {
        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"old","version":"0"}}}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("2025-11-25", response.Message().GetProperty("result").GetProperty("protocolVersion").GetString());
        Assert.Equal("mcp-server", response.Message().GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        Assert.Single(response.Headers.GetValues("Mcp-Session-Id"));
    }

    [Fact]
    public async Task Post_InitializeTwiceOnOneSession_ReturnsAlreadyInitialized()
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"again","version":"0"}}}""", session);

        response.AssertError(HttpStatusCode.OK, -32600, "already_initialized");
        await _raw.AssertEchoWorksAsync(session);
    }

    [Theory]
    [InlineData("2025-11-25")]
    [InlineData("2025-06-18")]
    [InlineData("2025-03-26")]
    public async Task Post_SupportedProtocolVersionHeader_IsAccepted(string version)
    {
        var session = await _raw.InitializeAsync();
        using var request = _raw.Post("""{"jsonrpc":"2.0","id":4,"method":"ping"}""", session);
        request.Headers.Add("MCP-Protocol-Version", version);

        var response = await _raw.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8", "application/json, text/event-stream")]
    [InlineData("Application/JSON", "text/event-stream, application/json")]
    [InlineData("application/json", "*/*")]
    [InlineData("application/json", "application/json;q=0.9, text/event-stream;q=0.8")]
    public async Task Post_AcceptableHeaderVariants_AreAccepted(string contentType, string accept)
    {
        var session = await _raw.InitializeAsync();
        using var request = _raw.Post(MalformedInput.Ping, session, contentType);
        request.Headers.Remove("Accept");
        request.Headers.TryAddWithoutValidation("Accept", accept);

        var response = await _raw.SendAsync(request);

        Assert.True(response.Status == HttpStatusCode.OK, $"HTTP {(int)response.Status}: {response.Body}");
    }

    [Fact]
    public async Task Post_ConcurrentRequestsOnOneSession_AllAnswered()
    {
        var session = await _raw.InitializeAsync();

        var responses = await Task.WhenAll(Enumerable.Range(1000, 3).Select(id =>
        {
            var request = _raw.Post("""{"jsonrpc":"2.0","id":""" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ""","method":"tools/list"}""", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-03-26");
            return _raw.SendAsync(request);
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal([1000, 1001, 1002], responses.Select(r => r.Message().GetProperty("id").GetInt32()).Order());
    }

    [Fact]
    public async Task Delete_SessionWithOpenStandaloneStream_EndsTheStream()
    {
        var session = await _raw.InitializeAsync();
        using var get = new HttpRequestMessage(HttpMethod.Get, _fixture.McpUrl);
        get.Headers.Add("Accept", "text/event-stream");
        get.Headers.Add("Mcp-Session-Id", session);
        using var standalone = await SseResponse.SendAsync(_raw.Client, get);
        Assert.True((await standalone.NextAsync())!.IsPriming());

        using var delete = new HttpRequestMessage(HttpMethod.Delete, _fixture.McpUrl);
        delete.Headers.Add("Mcp-Session-Id", session);
        Assert.Equal(HttpStatusCode.OK, (await _raw.SendAsync(delete)).Status);

        Assert.Empty(await standalone.ReadToEndAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("evil.example.com:80")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("[::2]:3000")]
    [InlineData("localhost.evil.example.com:3000")]
    public async Task Post_NonLoopbackHostWithOrWithoutPort_Returns403(string host)
    {
        using var request = InitializeRequest();
        request.Headers.Host = host;

        var response = await _raw.SendAsync(request);

        response.AssertError(HttpStatusCode.Forbidden, -32000, "host_not_allowed", "Host");
    }

    [Fact]
    public async Task Post_EvilHostOnInitialize_Returns403HostNotAllowed()
    {
        using var request = InitializeRequest();
        request.Headers.Host = "evil.example.com";
        request.Headers.Add("Origin", "http://evil.example.com");

        var response = await _raw.SendAsync(request);

        response.AssertError(HttpStatusCode.Forbidden, -32000, "host_not_allowed", "Host");
        await _raw.AssertEchoWorksAsync();
    }

    [Fact]
    public async Task Post_EvilOriginOnInitialize_Returns403OriginNotAllowed()
    {
        using var request = InitializeRequest();
        request.Headers.Add("Origin", "http://evil.example.com");

        var response = await _raw.SendAsync(request);

        response.AssertError(HttpStatusCode.Forbidden, -32000, "origin_not_allowed", "Origin");
        await _raw.AssertEchoWorksAsync();
    }

    [Theory]
    [InlineData("http://localhost:{0}")]
    [InlineData("http://127.0.0.1:{0}")]
    public async Task Post_LoopbackOriginOnInitialize_Returns200(string origin)
    {
        using var request = InitializeRequest();
        request.Headers.Add("Origin", string.Format(System.Globalization.CultureInfo.InvariantCulture, origin, _fixture.Server.Port));

        var response = await _raw.SendAsync(request);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal("2025-11-25", response.Message().GetProperty("result").GetProperty("protocolVersion").GetString());
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("LOCALHOST")]
    public async Task Post_LoopbackHostHeader_Returns200(string host)
    {
        using var request = InitializeRequest();
        request.Headers.Host = $"{host}:{_fixture.Server.Port}";

        var response = await _raw.SendAsync(request);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
    }

    [Fact]
    public async Task Get_EvilHost_Returns403()
    {
        var session = await _raw.InitializeAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, _fixture.McpUrl);
        request.Headers.Host = "evil.example.com";
        request.Headers.Add("Accept", "text/event-stream");
        request.Headers.Add("Mcp-Session-Id", session);

        var response = await _raw.SendAsync(request);

        response.AssertError(HttpStatusCode.Forbidden, -32000, "host_not_allowed");
    }

    [Fact]
    public async Task Get_WithoutEventStreamAccept_Returns406()
    {
        var session = await _raw.InitializeAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, _fixture.McpUrl);
        request.Headers.Add("Accept", "application/json");
        request.Headers.Add("Mcp-Session-Id", session);

        var response = await _raw.SendAsync(request);

        response.AssertError(HttpStatusCode.NotAcceptable, MalformedInput.InvalidMessage, "not_acceptable", "Accept");
    }

    [Fact]
    public async Task Get_WithoutSession_Returns400MissingSessionId()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _fixture.McpUrl);
        request.Headers.Add("Accept", "text/event-stream");

        var response = await _raw.SendAsync(request);

        response.AssertError(HttpStatusCode.BadRequest, MalformedInput.InvalidMessage, "missing_session_id");
    }

    [Fact]
    public async Task Get_BadLastEventId_Returns400()
    {
        var session = await _raw.InitializeAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, _fixture.McpUrl);
        request.Headers.Add("Accept", "text/event-stream");
        request.Headers.Add("Mcp-Session-Id", session);
        request.Headers.Add("Last-Event-ID", "garbage");

        var response = await _raw.SendAsync(request);

        response.AssertError(HttpStatusCode.BadRequest, MalformedInput.InvalidMessage, "invalid_last_event_id", "Last-Event-ID");
    }

    [Fact]
    public async Task Healthz_Get_ReturnsOk()
    {
        var response = await _raw.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(_fixture.McpUrl, "/healthz")));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("ok\n", response.Body);
    }

    public void Dispose() => _raw.Dispose();

    private HttpRequestMessage InitializeRequest() =>
        _raw.Post("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"origin-test","version":"1"}}}""");
}
