using System.Net;
using System.Text;
using System.Text.Json;
using McpServer.FunctionalTests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpServer.FunctionalTests;

/// <summary>
/// Revision 2026-07-28 beyond single requests: multi-round-trip requests (InputRequiredResult and
/// sealed requestState, also across processes sharing a key ring), subscriptions/listen, Mcp-Param
/// headers and stdio without sessions; with the official C# SDK client and on the raw wire.
/// </summary>
public sealed class MultiRoundTripTests : IClassFixture<ConformanceServerFixture>, IDisposable
{
    private const string Meta = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{\"elicitation\":{},\"sampling\":{},\"roots\":{}}}";
    private readonly ConformanceServerFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly RawMcpHttp _raw;

    public MultiRoundTripTests(ConformanceServerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        fixture.Server.AttachOutput(output);
        _raw = new RawMcpHttp(fixture.McpUrl);
    }

    public void Dispose() => _raw.Dispose();

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task SdkClient_2026_AnswersElicitationRoundsAndGetsTheResult()
    {
        var asked = new List<string>();
        var options = new McpClientOptions
        {
            DiscoverProbeTimeout = TimeSpan.FromSeconds(30),
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (request, _) =>
                {
                    lock (asked)
                    {
                        asked.Add(request!.Message);
                    }

                    var answer = request!.Message.Contains("color", StringComparison.Ordinal) ? ("color", "blue") : ("name", "Ann");
                    return ValueTask.FromResult(new ElicitResult
                    {
                        Action = "accept",
                        Content = new Dictionary<string, JsonElement> { [answer.Item1] = JsonSerializer.SerializeToElement(answer.Item2) },
                    });
                },
            },
        };
        await using var client = await SdkClients.ConnectAsync(McpTransport.StreamableHttp, _fixture, _output, options, probe: true);
        Assert.Equal("2026-07-28", client.NegotiatedProtocolVersion);

        var single = await client.CallToolAsync("test_input_required_result_elicitation", cancellationToken: Timeout());
        var twoRounds = await client.CallToolAsync("test_input_required_result_multi_round", cancellationToken: Timeout());

        Assert.Equal("Hello, Ann!", Assert.IsType<TextContentBlock>(Assert.Single(single.Content)).Text);
        Assert.Equal("Hello, Ann! Your favorite color is blue.", Assert.IsType<TextContentBlock>(Assert.Single(twoRounds.Content)).Text);
        Assert.Equal(["What is your name?", "Step 1: What is your name?", "Step 2: What is your favorite color?"], asked);
        Assert.DoesNotContain(_fixture.Server.Lines, l => l.Contains(" WARN ", StringComparison.Ordinal) || l.Contains(" FAIL ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SdkClient_2026_SamplingAndRootsInOneRound()
    {
        var options = new McpClientOptions
        {
            DiscoverProbeTimeout = TimeSpan.FromSeconds(30),
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (_, _) => ValueTask.FromResult(new ElicitResult { Action = "accept", Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Bo") } }),
                SamplingHandler = (_, _, _) => ValueTask.FromResult(new CreateMessageResult { Content = [new TextContentBlock { Text = "Hi there" }], Model = "m", Role = Role.Assistant }),
                RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult { Roots = [new Root { Uri = "file:///work", Name = "work" }] }),
            },
        };
        await using var client = await SdkClients.ConnectAsync(McpTransport.StreamableHttp, _fixture, _output, options, probe: true);

        var result = await client.CallToolAsync("test_input_required_result_multiple_inputs", cancellationToken: Timeout());

        Assert.Equal("name=Bo, greeting=Hi there, roots: file:///work (work)", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task RawWire_RoundTrip_TamperedAndForeignStateAreRefusedWith32602()
    {
        var first = (await CallAsync(_raw, 1, "test_input_required_result_elicitation", "")).Message().GetProperty("result");
        Assert.Equal("input_required", first.GetProperty("resultType").GetString());
        var state = first.GetProperty("requestState").GetString()!;

        var done = await CallAsync(_raw, 2, "test_input_required_result_elicitation", Answer(state, "Ann"));
        var tampered = await CallAsync(_raw, 3, "test_input_required_result_elicitation", Answer(state + "-TAMPERED", "Ann"));
        var otherTool = await CallAsync(_raw, 4, "test_input_required_result_tampered_state", Answer(state, "Ann").Replace("user_name", "confirm", StringComparison.Ordinal));

        Assert.Equal("Hello, Ann!", done.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        tampered.AssertError(HttpStatusCode.OK, -32602, "invalid_request_state", "requestState");
        otherTool.AssertError(HttpStatusCode.OK, -32602, "request_state_mismatch", "requestState");
        await _raw.AssertEchoWorksAsync();
    }

    [Fact]
    public async Task TwoProcessesSharingAKeyRing_ContinueEachOthersRequests_AProcessWithOtherKeysRefuses()
    {
        var ring = Directory.CreateTempSubdirectory("mcp-key-ring-");
        try
        {
            await using var first = await ServerProcess.StartHttpAsync(_output, "--catalog", "conformance", "--key-ring", ring.FullName);
            using var toFirst = new RawMcpHttp(first.McpUrl!);
            var started = (await CallAsync(toFirst, 1, "test_input_required_result_multi_round", "")).Message().GetProperty("result");
            var state1 = started.GetProperty("requestState").GetString()!;

            await using var second = await ServerProcess.StartHttpAsync(_output, "--catalog", "conformance", "--key-ring", ring.FullName);
            await using var stranger = await ServerProcess.StartHttpAsync(_output, "--catalog", "conformance");
            using var toSecond = new RawMcpHttp(second.McpUrl!);
            using var toStranger = new RawMcpHttp(stranger.McpUrl!);

            // Round 2 on the second process, round 3 back on the first.
            var round2 = (await CallAsync(toSecond, 2, "test_input_required_result_multi_round", Answer(state1, "Ann", "step1"))).Message().GetProperty("result");
            Assert.Equal("input_required", round2.GetProperty("resultType").GetString());
            var state2 = round2.GetProperty("requestState").GetString()!;
            var round3 = await CallAsync(toFirst, 3, "test_input_required_result_multi_round", ",\"inputResponses\":{\"step2\":{\"action\":\"accept\",\"content\":{\"color\":\"green\"}}},\"requestState\":\"" + state2 + "\"");
            var refused = await CallAsync(toStranger, 4, "test_input_required_result_multi_round", Answer(state1, "Ann", "step1"));

            Assert.Equal("Hello, Ann! Your favorite color is green.", round3.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
            refused.AssertError(HttpStatusCode.OK, -32602, "invalid_request_state", "requestState");
            Assert.Contains(first.Lines, l => l.Contains("KEY_RING", StringComparison.Ordinal) && l.Contains(ring.FullName, StringComparison.Ordinal));
            Assert.NotEmpty(ring.GetFiles("key-*.xml"));
        }
        finally
        {
            ring.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task KeyRingThatIsAFile_IsRefusedAtStartWithExit2()
    {
        var file = Path.GetTempFileName();
        try
        {
            await using var server = ServerProcess.Launch(_output, "--catalog", "demo", "--port", "0", "--key-ring", file);

            Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(server.StderrLines, l => l.Contains("--key-ring", StringComparison.Ordinal) && l.Contains("it is a file, not a directory", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task SubscriptionsListen_AcknowledgesThenCarriesTaggedChanges_AndEndsOnDisconnect()
    {
        var request = Post(_raw, 70, "subscriptions/listen", "\"notifications\":{\"toolsListChanged\":true}," + Meta, null);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = await SseResponse.SendAsync(_raw.Client, request);
        Assert.Equal("text/event-stream", stream.MediaType);

        var ack = (await stream.NextAsync())!.Json();
        Assert.Equal("notifications/subscriptions/acknowledged", ack.GetProperty("method").GetString());
        Assert.Equal(70, ack.GetProperty("params").GetProperty("_meta").GetProperty("io.modelcontextprotocol/subscriptionId").GetInt32());

        await CallAsync(_raw, 71, "test_trigger_tool_change", "");
        var change = (await stream.NextAsync())!.Json();
        Assert.Equal("notifications/tools/list_changed", change.GetProperty("method").GetString());
        Assert.Equal(70, change.GetProperty("params").GetProperty("_meta").GetProperty("io.modelcontextprotocol/subscriptionId").GetInt32());
        await CallAsync(_raw, 72, "test_trigger_tool_change", "");
        stream.Dispose();

        await Poll.UntilAsync(() => _fixture.Server.Lines.Any(l => l.Contains("SUBSCRIPTION_CLOSED", StringComparison.Ordinal) && l.Contains("70", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "the subscription ends when its client disconnects");
    }

    [Fact]
    public async Task SubscriptionsListen_ServerShutdown_EndsTheStreamWithItsCompletionResult()
    {
        await using var server = await ServerProcess.StartHttpAsync(_output, "--catalog", "conformance");
        using var raw = new RawMcpHttp(server.McpUrl!);
        using var stream = await SseResponse.SendAsync(raw.Client, Post(raw, 80, "subscriptions/listen", "\"notifications\":{\"promptsListChanged\":true}," + Meta, null));
        Assert.Equal("notifications/subscriptions/acknowledged", (await stream.NextAsync())!.Json().GetProperty("method").GetString());

        await server.TerminateAsync();
        var rest = await stream.ReadToEndAsync();

        var end = Assert.Single(rest).Json();
        Assert.Equal(80, end.GetProperty("id").GetInt32());
        Assert.Equal("complete", end.GetProperty("result").GetProperty("resultType").GetString());
        Assert.Equal(80, end.GetProperty("result").GetProperty("_meta").GetProperty("io.modelcontextprotocol/subscriptionId").GetInt32());
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    [Theory]
    [InlineData("us-west1", "us-west1", HttpStatusCode.OK)]
    [InlineData("us-west1", "=?base64?dXMtd2VzdDE=?=", HttpStatusCode.OK)]
    [InlineData("us-west1", "eu-north1", HttpStatusCode.BadRequest)]
    [InlineData("us-west1", "=?base64?dXMtd2VzdDE?=", HttpStatusCode.BadRequest)]
    [InlineData("us-west1", null, HttpStatusCode.BadRequest)]
    [InlineData(null, "us-west1", HttpStatusCode.BadRequest)]
    public async Task McpParamHeader_MustRepeatTheAnnotatedArgument(string? argument, string? header, HttpStatusCode expected)
    {
        var arguments = argument is null ? "{}" : "{\"region\":\"" + argument + "\"}";
        var request = Post(_raw, 90, "tools/call", "\"name\":\"test_header_parameter\",\"arguments\":" + arguments + "," + Meta, "test_header_parameter");
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Mcp-Param-Region", header);
        }

        var response = await _raw.SendAsync(request);

        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.Equal("Region: us-west1", response.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        }
        else
        {
            response.AssertError(HttpStatusCode.BadRequest, -32020, "header_mismatch", "Mcp-Param-Region");
        }
    }

    [Fact]
    public async Task UnknownResource_2026_IsInvalidParamsNamingTheUri()
    {
        var response = await _raw.SendAsync(Post(_raw, 95, "resources/read", "\"uri\":\"test://nonexistent-resource-for-conformance-testing\"," + Meta, "test://nonexistent-resource-for-conformance-testing"));

        var error = response.AssertError(HttpStatusCode.OK, -32602, "resource_not_found", "uri");
        Assert.Equal("test://nonexistent-resource-for-conformance-testing", error.GetProperty("error").GetProperty("data").GetProperty("uri").GetString());
    }

    [Fact]
    public async Task Stdio_2026_DiscoverMultiRoundTripAndListenWithoutInitialize()
    {
        await using var server = await ServerProcess.StartStdioAsync(_output, "--catalog", "conformance");

        await server.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{" + Meta + "}}");
        var discover = JsonDocument.Parse((await server.ReadStdoutLineAsync(TimeSpan.FromSeconds(20)))!).RootElement;
        Assert.Equal(["2026-07-28"], discover.GetProperty("result").GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString()));

        await server.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"subscriptions/listen\",\"params\":{\"notifications\":{\"toolsListChanged\":true}," + Meta + "}}");
        Assert.Equal("notifications/subscriptions/acknowledged", JsonDocument.Parse((await server.ReadStdoutLineAsync(TimeSpan.FromSeconds(20)))!).RootElement.GetProperty("method").GetString());

        await server.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"test_input_required_result_elicitation\"," + Meta + "}}");
        var first = JsonDocument.Parse((await server.ReadStdoutLineAsync(TimeSpan.FromSeconds(20)))!).RootElement;
        var state = first.GetProperty("result").GetProperty("requestState").GetString()!;
        await server.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"test_input_required_result_elicitation\"" + Answer(state, "Cy") + "," + Meta + "}}");
        var done = JsonDocument.Parse((await server.ReadStdoutLineAsync(TimeSpan.FromSeconds(20)))!).RootElement;
        Assert.Equal("Hello, Cy!", done.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        // End of input ends the subscription with its completion result, and the process exits 0.
        server.CloseStandardInput();
        var end = JsonDocument.Parse((await server.ReadStdoutLineAsync(TimeSpan.FromSeconds(20)))!).RootElement;
        Assert.Equal(2, end.GetProperty("id").GetInt32());
        Assert.Equal("complete", end.GetProperty("result").GetProperty("resultType").GetString());
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Stdio_2026_UnsupportedVersionAndMissingMeta_GetTheSpecErrors()
    {
        await using var server = await ServerProcess.StartStdioAsync(_output, "--catalog", "conformance");

        await server.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2099-01-01\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
        var unsupported = JsonDocument.Parse((await server.ReadStdoutLineAsync(TimeSpan.FromSeconds(20)))!).RootElement.GetProperty("error");
        await server.WriteLineAsync("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server/discover\",\"params\":{}}");
        var missing = JsonDocument.Parse((await server.ReadStdoutLineAsync(TimeSpan.FromSeconds(20)))!).RootElement.GetProperty("error");

        Assert.Equal(-32022, unsupported.GetProperty("code").GetInt32());
        Assert.Equal("2099-01-01", unsupported.GetProperty("data").GetProperty("requested").GetString());
        Assert.Equal(-32602, missing.GetProperty("code").GetInt32());
        Assert.Equal("missing_meta", missing.GetProperty("data").GetProperty("reason").GetString());
    }

    private static string Answer(string state, string name, string key = "user_name") =>
        ",\"inputResponses\":{\"" + key + "\":{\"action\":\"accept\",\"content\":{\"name\":\"" + name + "\"}}},\"requestState\":\"" + state + "\"";

    private static Task<RawResponse> CallAsync(RawMcpHttp raw, int id, string tool, string extra) =>
        raw.SendAsync(Post(raw, id, "tools/call", "\"name\":\"" + tool + "\",\"arguments\":{}" + extra + "," + Meta, tool));

    private static HttpRequestMessage Post(RawMcpHttp raw, int id, string method, string parameters, string? name) =>
        raw.PostStateless("{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"method\":\"" + method + "\",\"params\":{" + parameters + "}}", method, name);
}
