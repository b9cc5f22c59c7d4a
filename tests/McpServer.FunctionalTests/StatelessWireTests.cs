using System.Net;
using System.Text;
using System.Text.Json;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>
/// Revision 2026-07-28 on the raw wire: requests without sessions, validated in the order the
/// specification's conformance cases require, answered with <c>resultType</c> and caching fields.
/// </summary>
public sealed class StatelessWireTests : IClassFixture<ConformanceServerFixture>, IDisposable
{
    private const string Version = "2026-07-28";
    private const string ValidMeta = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}";
    private readonly ConformanceServerFixture _fixture;
    private readonly RawMcpHttp _raw;

    public StatelessWireTests(ConformanceServerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        fixture.Server.AttachOutput(output);
        _raw = new RawMcpHttp(fixture.McpUrl);
    }

    [Fact]
    public async Task Discover_ValidMeta_ListsVersionsCapabilitiesAndServerInfoWithoutSession()
    {
        var response = await SendAsync(Request(1, "server/discover", ValidMeta), "server/discover");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.False(response.Headers.Contains("Mcp-Session-Id"), "a 2026-07-28 answer must not issue a session");
        var result = response.Message().GetProperty("result");
        Assert.Equal("complete", result.GetProperty("resultType").GetString());
        Assert.Equal(new[] { "2026-07-28" }, result.GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString()!).ToArray());
        Assert.True(result.GetProperty("capabilities").TryGetProperty("tools", out _));
        Assert.Equal("mcp-server", result.GetProperty("_meta").GetProperty("io.modelcontextprotocol/serverInfo").GetProperty("name").GetString());
        Assert.Equal(0, result.GetProperty("ttlMs").GetInt32());
        Assert.Equal("private", result.GetProperty("cacheScope").GetString());
        Assert.False(result.TryGetProperty("protocolVersion", out _));
    }

    [Fact]
    public async Task ToolsCall_Stateless_AnswersCompleteResultAndListsCarryCachingFields()
    {
        var call = await SendAsync(Request(2, "tools/call", "\"name\":\"test_simple_text\",\"arguments\":{}," + ValidMeta), "tools/call", "test_simple_text");
        var list = await SendAsync(Request(3, "tools/list", ValidMeta), "tools/list");

        Assert.Equal(HttpStatusCode.OK, call.Status);
        var result = call.Message().GetProperty("result");
        Assert.Equal("complete", result.GetProperty("resultType").GetString());
        Assert.Equal("This is a simple text response for testing.", result.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.False(result.TryGetProperty("ttlMs", out _), "tools/call results are not cacheable");
        var tools = list.Message().GetProperty("result");
        Assert.Equal("complete", tools.GetProperty("resultType").GetString());
        Assert.Equal("private", tools.GetProperty("cacheScope").GetString());
        Assert.Contains(tools.GetProperty("tools").EnumerateArray(), t => t.GetProperty("name").GetString() == "test_missing_capability");
    }

    [Theory]
    [InlineData("{}", "params._meta")]
    [InlineData("{\"_meta\":{\"io.modelcontextprotocol/clientCapabilities\":{}}}", "params._meta[\"io.modelcontextprotocol/protocolVersion\"]")]
    [InlineData("{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}", "params._meta[\"io.modelcontextprotocol/clientCapabilities\"]")]
    public async Task Request_MetaMissing_Is400InvalidParamsEchoingTheId(string parameters, string field)
    {
        var response = await SendAsync("{\"jsonrpc\":\"2.0\",\"id\":101,\"method\":\"server/discover\",\"params\":" + parameters + "}", "server/discover");

        var message = response.AssertError(HttpStatusCode.BadRequest, -32602, "missing_meta", field);
        Assert.Equal(101, message.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Request_HeaderAndBodyVersionDiffer_Is400HeaderMismatch()
    {
        var body = Request(302, "server/discover", ValidMeta.Replace("\"2026-07-28\"", "\"v999.0.0\"", StringComparison.Ordinal));

        var response = await SendAsync(body, "server/discover");

        response.AssertError(HttpStatusCode.BadRequest, -32020, "header_mismatch", "MCP-Protocol-Version");
    }

    [Fact]
    public async Task Request_UnsupportedVersion_Is400WithSupportedAndRequested()
    {
        var body = Request(301, "server/discover", ValidMeta.Replace("\"2026-07-28\"", "\"v999.0.0\"", StringComparison.Ordinal));

        var response = await SendAsync(body, "server/discover", version: "v999.0.0");

        var error = response.AssertError(HttpStatusCode.BadRequest, -32022, "unsupported_protocol_version").GetProperty("error");
        Assert.Equal("v999.0.0", error.GetProperty("data").GetProperty("requested").GetString());
        Assert.Equal(new[] { "2026-07-28" }, error.GetProperty("data").GetProperty("supported").EnumerateArray().Select(v => v.GetString()!).ToArray());
        Assert.Equal(301, response.Message().GetProperty("id").GetInt32());
    }

    [Theory]
    [InlineData(null, "Mcp-Method")]
    [InlineData("tools/list", "Mcp-Method")]
    [InlineData("TOOLS/CALL", "Mcp-Method")]
    public async Task ToolsCall_MethodHeaderMissingOrDifferent_Is400HeaderMismatch(string? methodHeader, string field)
    {
        var response = await SendAsync(Request(5, "tools/call", "\"name\":\"test_simple_text\",\"arguments\":{}," + ValidMeta), methodHeader, "test_simple_text");

        response.AssertError(HttpStatusCode.BadRequest, -32020, "header_mismatch", field);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("test_error_handling", false)]
    [InlineData("=?base64?!!notbase64?=", false)]
    [InlineData("  test_simple_text  ", true)]
    [InlineData("=?base64?dGVzdF9zaW1wbGVfdGV4dA==?=", true)]
    public async Task ToolsCall_NameHeader_MustMatchTheToolAfterTrimAndBase64(string? nameHeader, bool accepted)
    {
        var response = await SendAsync(Request(6, "tools/call", "\"name\":\"test_simple_text\",\"arguments\":{}," + ValidMeta), "tools/call", nameHeader);

        if (accepted)
        {
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.Equal("complete", response.Message().GetProperty("result").GetProperty("resultType").GetString());
        }
        else
        {
            response.AssertError(HttpStatusCode.BadRequest, -32020, "header_mismatch", "Mcp-Name");
        }
    }

    [Theory]
    [InlineData("initialize")]
    [InlineData("ping")]
    [InlineData("logging/setLevel")]
    [InlineData("resources/subscribe")]
    [InlineData("resources/unsubscribe")]
    [InlineData("unknown/method")]
    public async Task RemovedOrUnknownMethod_Is404MethodNotFound(string method)
    {
        var parameters = method.StartsWith("resources/", StringComparison.Ordinal) ? "\"uri\":\"test://static-text\"," + ValidMeta : ValidMeta;

        var response = await SendAsync(Request(500, method, parameters), method);

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal(-32601, response.Message().GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(500, response.Message().GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task ToolNeedingSampling_ClientWithoutIt_Is400MissingCapabilityNamingIt()
    {
        var response = await SendAsync(Request(401, "tools/call", "\"name\":\"test_missing_capability\",\"arguments\":{}," + ValidMeta), "tools/call", "test_missing_capability");

        var error = response.AssertError(HttpStatusCode.BadRequest, -32021, "capability_missing").GetProperty("error");
        Assert.Equal(JsonValueKind.Object, error.GetProperty("data").GetProperty("requiredCapabilities").GetProperty("sampling").ValueKind);
    }

    [Fact]
    public async Task ProgressRequested_StreamsProgressWithoutPrimingThenCompleteResult()
    {
        var meta = ValidMeta.Replace("\"_meta\":{", "\"_meta\":{\"progressToken\":\"p-1\",", StringComparison.Ordinal);

        var response = await SendAsync(Request(7, "tools/call", "\"name\":\"test_tool_with_progress\",\"arguments\":{}," + meta), "tools/call", "test_tool_with_progress");

        Assert.Equal("text/event-stream", response.MediaType);
        var events = SseParser.Parse(response.Body);
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.Data), "a 2026-07-28 stream has no priming event"));
        Assert.True(events.Count(e => e.Data.Contains("notifications/progress", StringComparison.Ordinal)) >= 3);
        Assert.Equal("complete", response.Message().GetProperty("result").GetProperty("resultType").GetString());
    }

    [Fact]
    public async Task LoggingTool_NoLogLevelInMeta_SendsNoLogMessages()
    {
        var response = await SendAsync(Request(8, "tools/call", "\"name\":\"test_tool_with_logging\",\"arguments\":{}," + ValidMeta), "tools/call", "test_tool_with_logging");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.DoesNotContain("notifications/message", response.Body, StringComparison.Ordinal);
        Assert.Equal("complete", response.Message().GetProperty("result").GetProperty("resultType").GetString());
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    public async Task GetOrDelete_StatelessVersion_Is405(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), _fixture.McpUrl);
        request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", Version);

        var response = await _raw.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
    }

    [Fact]
    public async Task SessionRequests_StillServedBesideStatelessOnes()
    {
        await SendAsync(Request(9, "server/discover", ValidMeta), "server/discover");

        await _raw.AssertEchoWorksAsync();
    }

    [Fact]
    public async Task Request_2026WithASessionIdHeader_IgnoresItAndEchoesNone()
    {
        var request = _raw.Post(Encoding.UTF8.GetBytes(Request(11, "tools/call", "\"name\":\"test_simple_text\",\"arguments\":{}," + ValidMeta)));
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", Version);
        request.Headers.TryAddWithoutValidation("Mcp-Method", "tools/call");
        request.Headers.TryAddWithoutValidation("Mcp-Name", "test_simple_text");
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", "no-such-session");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", "0_7");

        var response = await _raw.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("complete", response.Message().GetProperty("result").GetProperty("resultType").GetString());
        Assert.False(response.Headers.Contains("Mcp-Session-Id"), "a 2026-07-28 answer must not echo or mint a session id");
    }

    [Fact]
    public async Task Request_OldRevisionWithoutSession_Is400MissingSessionId()
    {
        var request = _raw.Post(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tools/list\"}"));
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");

        var response = await _raw.SendAsync(request);

        response.AssertError(HttpStatusCode.BadRequest, 1001, "missing_session_id", "Mcp-Session-Id");
    }

    public void Dispose() => _raw.Dispose();

    private static string Request(int id, string method, string parameters) =>
        "{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"method\":\"" + method + "\",\"params\":{" + parameters + "}}";

    private Task<RawResponse> SendAsync(string body, string? method, string? name = null, string version = Version)
    {
        var request = _raw.Post(Encoding.UTF8.GetBytes(body));
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", version);
        if (method is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Method", method);
        }

        if (name is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Name", name);
        }

        return _raw.SendAsync(request);
    }
}
