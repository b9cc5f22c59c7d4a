using System.Text.Json;
using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Engine;

public sealed class McpDispatcherNotificationsTests : IDisposable
{
    private readonly DispatcherHarness _harness = new(new McpServerOptions { ClientRequestTimeout = TimeSpan.FromSeconds(30) });

    public McpDispatcherNotificationsTests()
    {
        _harness.AddTool("log", static async (ctx, _) =>
        {
            foreach (var level in Enum.GetValues<LoggingLevel>())
            {
                await ctx.LogAsync(level, level.ToString(), "unit");
            }

            return CallToolResult.FromText("logged");
        });
        _harness.AddTool("progress", static async (ctx, _) =>
        {
            await ctx.ReportProgressAsync(1, 2, "half");
            await ctx.ReportProgressAsync(2);
            return CallToolResult.FromText(ctx.HasProgressToken ? "token" : "no token");
        });
        _harness.AddTool("sample", static async (ctx, _) =>
        {
            var result = await ctx.SampleAsync(new CreateMessageRequestParams { Messages = [new SamplingMessage { Content = new TextContent("q") }], MaxTokens = 10 });
            return CallToolResult.FromText(result.Model + ":" + result.Content.GetProperty("text").GetString());
        });
        _harness.AddTool("elicit", static async (ctx, _) =>
        {
            var result = await ctx.ElicitAsync(new ElicitRequestParams { Message = "name?", RequestedSchema = Schemas.EmptyObject });
            return CallToolResult.FromText(result.Action + ":" + result.Content?.GetProperty("name").GetString());
        });
        _harness.AddTool("roots", static async (ctx, _) =>
        {
            var result = await ctx.ListRootsAsync();
            return CallToolResult.FromText(string.Join(",", result.Roots.Select(r => r.Uri)));
        });
    }

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task LogAsync_NoLevelSet_SendsEveryLevel()
    {
        var session = await _harness.NewInitializedSessionAsync();
        var sink = new CapturingSink();

        Wire.AssertResult(await _harness.CallToolAsync(session, "log", related: sink));

        Assert.Equal(8, sink.Messages.Count);
        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"debug","logger":"unit","data":"Debug"}}""", sink.Messages[0]);
    }

    [Fact]
    public async Task LoggingSetLevel_Warning_FiltersLowerLevels()
    {
        var session = await _harness.NewInitializedSessionAsync();
        var sink = new CapturingSink();

        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.LoggingSetLevel, """{"level":"warning"}"""));
        Wire.AssertResult(await _harness.CallToolAsync(session, "log", related: sink));

        Assert.Equal(LoggingLevel.Warning, session.LogLevel);
        Assert.Equal(
            ["warning", "error", "critical", "alert", "emergency"],
            sink.Messages.Select(m => Wire.Parse(m).GetProperty("params").GetProperty("level").GetString()));
    }

    [Fact]
    public async Task LoggingSetLevel_Emergency_SendsOnlyEmergency()
    {
        var session = await _harness.NewInitializedSessionAsync();
        var sink = new CapturingSink();

        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.LoggingSetLevel, """{"level":"emergency"}"""));
        Wire.AssertResult(await _harness.CallToolAsync(session, "log", related: sink));

        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"emergency","logger":"unit","data":"Emergency"}}""", Assert.Single(sink.Messages));
    }

    [Theory]
    [InlineData("""{"level":"loud"}""", "invalid_params")]
    [InlineData("""{"level":null}""", "invalid_params")]
    [InlineData("{}", "invalid_params")]
    [InlineData(null, "invalid_params")]
    public async Task LoggingSetLevel_BadLevel_IsInvalidParams(string? paramsJson, string reason)
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.LoggingSetLevel, paramsJson);

        Wire.AssertError(response, McpErrorCode.InvalidParams, reason);
        Assert.Null(session.LogLevel);
    }

    [Fact]
    public async Task LogAsync_NoRelatedSink_GoesToOutbound()
    {
        var outbound = new CapturingSink();
        var session = await _harness.NewInitializedSessionAsync(outbound: outbound);

        Wire.AssertResult(await _harness.CallToolAsync(session, "log"));

        Assert.Equal(8, outbound.Messages.Count);
    }

    [Theory]
    [InlineData("\"abc\"")]
    [InlineData("42")]
    [InlineData("-1.5e3")]
    public async Task ToolsCall_ProgressToken_IsEchoedRawInProgressNotifications(string token)
    {
        var session = await _harness.NewInitializedSessionAsync();
        var sink = new CapturingSink();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ToolsCall, $$"""{"_meta":{"progressToken":{{token}}},"name":"progress"}""", related: sink));

        Assert.Equal("token", result.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(
            [
                $$$"""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":{{{token}}},"progress":1,"total":2,"message":"half"}}""",
                $$$"""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":{{{token}}},"progress":2}}""",
            ],
            sink.Messages);
    }

    [Fact]
    public async Task ToolsCall_ProgressTokenIn20241105_LeavesOutTheMessage()
    {
        var session = await _harness.NewInitializedSessionAsync("2024-11-05");
        var sink = new CapturingSink();

        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ToolsCall, """{"name":"progress","_meta":{"progressToken":"t"}}""", related: sink));

        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t","progress":1,"total":2}}""", sink.Messages[0]);
    }

    [Theory]
    [InlineData("""{"name":"progress"}""")]
    [InlineData("""{"name":"progress","_meta":{}}""")]
    [InlineData("""{"name":"progress","_meta":{"progressToken":{"a":1}}}""")]
    [InlineData("""{"name":"progress","_meta":{"progressToken":null}}""")]
    [InlineData("""{"name":"progress","_meta":"token"}""")]
    public async Task ToolsCall_NoUsableProgressToken_SendsNoProgress(string paramsJson)
    {
        var session = await _harness.NewInitializedSessionAsync();
        var sink = new CapturingSink();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ToolsCall, paramsJson, related: sink));

        Assert.Equal("no token", result.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task SampleAsync_ClientAnswers_ReturnsTheClientsResult()
    {
        var session = await _harness.NewInitializedSessionAsync(capabilities: """{"sampling":{}}""");
        var sink = new CapturingSink();

        var call = _harness.CallToolAsync(session, "sample", related: sink);
        var request = await sink.WaitForMethodAsync(McpMethods.SamplingCreateMessage);
        var id = request.GetProperty("id").GetInt64();
        var routed = _harness.Dispatcher.OnResponse(session, Wire.Read($$$"""{"jsonrpc":"2.0","id":{{{id}}},"result":{"role":"assistant","content":{"type":"text","text":"hello"},"model":"m1"}}"""));
        var result = Wire.AssertResult(await call.WaitAsync(TestTimeouts.Default));

        Assert.True(routed);
        Assert.Equal("""{"messages":[{"role":"user","content":{"type":"text","text":"q"}}],"maxTokens":10}""", request.GetProperty("params").GetRawText());
        Assert.Equal("m1:hello", result.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task SampleAsync_ClientAnswersWithError_IsClientError()
    {
        var session = await _harness.NewInitializedSessionAsync(capabilities: """{"sampling":{}}""");
        var sink = new CapturingSink();

        var call = _harness.CallToolAsync(session, "sample", related: sink);
        var id = (await sink.WaitForMethodAsync(McpMethods.SamplingCreateMessage)).GetProperty("id").GetInt64();
        Assert.True(_harness.Dispatcher.OnResponse(session, Wire.Read($$$"""{"jsonrpc":"2.0","id":{{{id}}},"error":{"code":-1,"message":"user said no"}}""")));
        var response = await call.WaitAsync(TestTimeouts.Default);

        var error = Wire.AssertError(response, -1, "client_error");
        Assert.Contains("user said no", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SampleAsync_ClientNeverAnswers_IsClientTimeout()
    {
        using var harness = new DispatcherHarness(new McpServerOptions { ClientRequestTimeout = TimeSpan.FromMilliseconds(100) });
        harness.AddTool("sample", static async (ctx, _) =>
        {
            await ctx.SampleAsync(new CreateMessageRequestParams { MaxTokens = 1 });
            return CallToolResult.FromText("answered");
        });
        var session = await harness.NewInitializedSessionAsync(capabilities: """{"sampling":{}}""");

        var response = await harness.CallToolAsync(session, "sample", related: new CapturingSink()).WaitAsync(TestTimeouts.Default);

        Wire.AssertError(response, McpErrorCode.RequestTimeout, "client_timeout");
    }

    [Fact]
    public async Task ElicitAsync_ClientAnswers_ReturnsTheClientsResult()
    {
        var session = await _harness.NewInitializedSessionAsync(capabilities: """{"elicitation":{}}""");
        var sink = new CapturingSink();

        var call = _harness.CallToolAsync(session, "elicit", related: sink);
        var request = await sink.WaitForMethodAsync(McpMethods.ElicitationCreate);
        _harness.Dispatcher.OnResponse(session, Wire.Read($$$$"""{"jsonrpc":"2.0","id":{{{{request.GetProperty("id").GetInt64()}}}},"result":{"action":"accept","content":{"name":"Ada"}}}"""));
        var result = Wire.AssertResult(await call.WaitAsync(TestTimeouts.Default));

        Assert.Equal("name?", request.GetProperty("params").GetProperty("message").GetString());
        Assert.Equal("accept:Ada", result.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task ListRootsAsync_ClientAnswers_ReturnsTheRoots()
    {
        var session = await _harness.NewInitializedSessionAsync(capabilities: """{"roots":{}}""");
        var sink = new CapturingSink();

        var call = _harness.CallToolAsync(session, "roots", related: sink);
        var request = await sink.WaitForMethodAsync(McpMethods.RootsList);
        _harness.Dispatcher.OnResponse(session, Wire.Read($$$"""{"jsonrpc":"2.0","id":{{{request.GetProperty("id").GetInt64()}}},"result":{"roots":[{"uri":"file:///a"},{"uri":"file:///b","name":"b"}]}}"""));
        var result = Wire.AssertResult(await call.WaitAsync(TestTimeouts.Default));

        Assert.False(request.TryGetProperty("params", out _));
        Assert.Equal("file:///a,file:///b", result.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("sample")]
    [InlineData("elicit")]
    [InlineData("roots")]
    public async Task ClientRequest_CapabilityNotDeclared_IsCapabilityMissing(string tool)
    {
        var session = await _harness.NewInitializedSessionAsync();
        var sink = new CapturingSink();

        var response = await _harness.CallToolAsync(session, tool, related: sink);

        Wire.AssertError(response, McpErrorCode.InvalidRequest, "capability_missing");
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task ClientRequest_SessionEnds_IsCancelled()
    {
        var session = await _harness.NewInitializedSessionAsync(capabilities: """{"sampling":{}}""");
        var sink = new CapturingSink();

        var call = _harness.ExecuteAsync(session, McpMethods.ToolsCall, """{"name":"sample"}""", related: sink);
        await sink.WaitForMethodAsync(McpMethods.SamplingCreateMessage);
        _harness.Sessions.End(session, "test");
        var result = await call.WaitAsync(TestTimeouts.Default);

        Assert.True(result.IsCancelled);
    }

    [Fact]
    public async Task OnResponse_NoRequestWaiting_ReturnsFalse()
    {
        var session = await _harness.NewInitializedSessionAsync();

        Assert.False(_harness.Dispatcher.OnResponse(session, Wire.Read("""{"jsonrpc":"2.0","id":1,"result":{}}""")));
        Assert.False(_harness.Dispatcher.OnResponse(session, Wire.Read("""{"jsonrpc":"2.0","id":"1","result":{}}""")));
        Assert.False(_harness.Dispatcher.OnResponse(session, Wire.Read("""{"jsonrpc":"2.0","id":1,"error":"not an object"}""")));
    }

    [Fact]
    public async Task OnResponse_AnswerToAnotherSession_IsNotRouted()
    {
        var a = await _harness.NewInitializedSessionAsync(capabilities: """{"sampling":{}}""");
        var b = await _harness.NewInitializedSessionAsync();
        var sink = new CapturingSink();

        var call = _harness.ExecuteAsync(a, McpMethods.ToolsCall, """{"name":"sample"}""", related: sink);
        var id = (await sink.WaitForMethodAsync(McpMethods.SamplingCreateMessage)).GetProperty("id").GetInt64();
        var wrongSession = _harness.Dispatcher.OnResponse(b, Wire.Read($$$$"""{"jsonrpc":"2.0","id":{{{{id}}}},"result":{"model":"x","content":{"text":"t"}}}"""));
        var rightSession = _harness.Dispatcher.OnResponse(a, Wire.Read($$$$"""{"jsonrpc":"2.0","id":{{{{id}}}},"result":{"model":"x","content":{"text":"t"}}}"""));
        var result = await call.WaitAsync(TestTimeouts.Default);

        Assert.False(wrongSession);
        Assert.True(rightSession);
        Assert.Null(result.Error);
    }

    [Fact]
    public async Task OnNotification_RootsListChanged_RaisesRootsChanged()
    {
        var session = await _harness.NewInitializedSessionAsync();
        var raised = new List<McpSession>();
        _harness.Dispatcher.RootsChanged += raised.Add;

        _harness.Notify(session, McpMethods.NotificationRootsListChanged);
        _harness.Notify(session, McpMethods.NotificationInitialized);
        _harness.Notify(session, "vendor/unknown", """{"a":1}""");

        Assert.Same(session, Assert.Single(raised));
    }

    [Fact]
    public async Task CatalogChange_SessionsWithOutbound_GetListChanged()
    {
        var (a, b, notInitialized) = (new CapturingSink(), new CapturingSink(), new CapturingSink());
        await _harness.NewInitializedSessionAsync(outbound: a);
        await _harness.NewInitializedSessionAsync("2024-11-05", outbound: b);
        await _harness.NewInitializedSessionAsync();
        _harness.NewSession().Outbound = notInitialized;
        var before = a.Messages.Count;

        _harness.AddTool("new", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));
        _harness.Catalog.AddResource(new ResourceDefinition(new Resource { Uri = "mem://r", Name = "r" }, static (_, _, _) => ValueTask.FromResult(new ReadResourceResult())));
        _harness.Catalog.AddResourceTemplate(new ResourceTemplateDefinition(new ResourceTemplate { UriTemplate = "mem://{x}", Name = "t" }, static (_, _, _) => ValueTask.FromResult(new ReadResourceResult())));
        _harness.Catalog.AddPrompt(new PromptDefinition(new Prompt { Name = "p" }, static (_, _) => ValueTask.FromResult(new GetPromptResult())));
        Assert.False(_harness.Catalog.RemoveTool("missing"));
        Assert.True(_harness.Catalog.RemovePrompt("p"));

        string[] expected =
        [
            """{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}""",
            """{"jsonrpc":"2.0","method":"notifications/resources/list_changed"}""",
            """{"jsonrpc":"2.0","method":"notifications/resources/list_changed"}""",
            """{"jsonrpc":"2.0","method":"notifications/prompts/list_changed"}""",
            """{"jsonrpc":"2.0","method":"notifications/prompts/list_changed"}""",
        ];
        Assert.Equal(0, before);
        Assert.Equal(expected, a.Messages);
        Assert.Equal(expected, b.Messages);
        Assert.Empty(notInitialized.Messages);
    }

    [Fact]
    public async Task CatalogChange_EndedSession_GetsNothing()
    {
        var sink = new CapturingSink();
        var session = await _harness.NewInitializedSessionAsync(outbound: sink);
        _harness.Sessions.End(session, "test");

        _harness.AddTool("new", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));

        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task CatalogChange_SinkThrows_OtherSessionsStillNotified()
    {
        var good = new CapturingSink();
        await _harness.NewInitializedSessionAsync(outbound: new ThrowingSink());
        await _harness.NewInitializedSessionAsync(outbound: good);

        _harness.AddTool("new", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));

        Assert.Single(good.Messages);
    }

    [Fact]
    public async Task NotifyResourceUpdated_OnlySubscribedSessions_GetResourcesUpdated()
    {
        var (subscribed, other, unsubscribed) = (new CapturingSink(), new CapturingSink(), new CapturingSink());
        var a = await _harness.NewInitializedSessionAsync(outbound: subscribed);
        var b = await _harness.NewInitializedSessionAsync(outbound: other);
        var c = await _harness.NewInitializedSessionAsync(outbound: unsubscribed);
        Wire.AssertResult(await _harness.RequestAsync(a, McpMethods.ResourcesSubscribe, """{"uri":"file:///a"}"""));
        Wire.AssertResult(await _harness.RequestAsync(b, McpMethods.ResourcesSubscribe, """{"uri":"file:///b"}"""));
        Wire.AssertResult(await _harness.RequestAsync(c, McpMethods.ResourcesSubscribe, """{"uri":"file:///a"}"""));
        Wire.AssertResult(await _harness.RequestAsync(c, McpMethods.ResourcesUnsubscribe, """{"uri":"file:///a"}"""));

        _harness.Catalog.NotifyResourceUpdated("file:///a");

        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"file:///a"}}""", Assert.Single(subscribed.Messages));
        Assert.Empty(other.Messages);
        Assert.Empty(unsubscribed.Messages);
    }

    private sealed class ThrowingSink : IMcpMessageSink
    {
        public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) => ValueTask.FromException(new IOException("pipe closed"));
    }
}
