using System.Text.Json;
using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Engine;

public sealed class McpDispatcherToolsTests : IDisposable
{
    private readonly DispatcherHarness _harness = new(new McpServerOptions { PageSize = 2, MaxInFlightPerSession = 3 });

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task ToolsList_PageSize2_PagesThroughAllTools()
    {
        for (var i = 0; i < 5; i++)
        {
            _harness.AddTool("t" + i, static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));
        }

        var session = await _harness.NewInitializedSessionAsync();
        var names = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var paramsJson = cursor is null ? null : $$"""{"cursor":"{{cursor}}"}""";
            var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ToolsList, paramsJson));
            var tools = result.GetProperty("tools");
            Assert.InRange(tools.GetArrayLength(), 1, 2);
            names.AddRange(tools.EnumerateArray().Select(t => t.GetProperty("name").GetString()!));
            cursor = result.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["t0", "t1", "t2", "t3", "t4"], names);
    }

    [Fact]
    public async Task ToolsList_ExactlyOnePage_HasNoNextCursor()
    {
        _harness.AddTool("a", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));
        _harness.AddTool("b", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ToolsList));

        Assert.Equal(2, result.GetProperty("tools").GetArrayLength());
        Assert.False(result.TryGetProperty("nextCursor", out _));
    }

    [Fact]
    public async Task ToolsList_EmptyCatalog_ReturnsEmptyList()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ToolsList, "{}"));

        Assert.Equal("""{"tools":[]}""", result.GetRawText());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("eDox")]
    [InlineData("bzotMQ==")]
    public async Task ToolsList_InvalidCursor_IsInvalidParams(string cursor)
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.ToolsList, $$"""{"cursor":"{{cursor}}"}""");

        Wire.AssertError(response, McpErrorCode.InvalidParams, "invalid_cursor");
    }

    [Fact]
    public async Task ToolsList_CursorNotAString_IsInvalidParamsNamingTheMember()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.ToolsList, """{"cursor":5}""");

        var error = Wire.AssertError(response, McpErrorCode.InvalidParams, "invalid_params");
        Assert.Equal("params.cursor", error.GetProperty("data").GetProperty("field").GetString());
    }

    [Fact]
    public async Task ToolsList_CursorPastTheEnd_ReturnsEmptyPageWithoutCursor()
    {
        _harness.AddTool("a", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ToolsList, $$"""{"cursor":"{{McpDispatcher.EncodeCursor(50)}}"}"""));

        Assert.Equal("""{"tools":[]}""", result.GetRawText());
    }

    [Fact]
    public async Task ToolsList_PageSizeZero_ServesOneItemPerPage()
    {
        using var harness = new DispatcherHarness(new McpServerOptions { PageSize = 0 });
        harness.AddTool("a", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));
        harness.AddTool("b", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));
        var session = await harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await harness.RequestAsync(session, McpMethods.ToolsList));

        Assert.Equal(1, result.GetProperty("tools").GetArrayLength());
        Assert.Equal(McpDispatcher.EncodeCursor(1), result.GetProperty("nextCursor").GetString());
    }

    [Theory]
    [InlineData("2024-11-05", false, false, false)]
    [InlineData("2025-03-26", false, true, false)]
    [InlineData("2025-06-18", true, true, false)]
    [InlineData("2025-11-25", true, true, true)]
    public async Task ToolsList_Revision_ListsOnlyTheFieldsItKnows(string version, bool titleOutputSchemaAndMeta, bool annotations, bool icons)
    {
        _harness.Catalog.AddTool(new ToolDefinition(
            new Tool
            {
                Name = "rich",
                Title = "Rich tool",
                Description = "Does things.",
                InputSchema = Schemas.Parse("""{"type":"object","properties":{"a":{"type":"string"}}}"""),
                OutputSchema = Schemas.Parse("""{"type":"object"}"""),
                Annotations = new ToolAnnotations { ReadOnlyHint = true },
                Icons = [new Icon { Src = "https://example.org/i.png" }],
                Meta = Schemas.Parse("""{"k":1}"""),
            },
            static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok"))));
        var session = await _harness.NewInitializedSessionAsync(version);

        var tool = Assert.Single(Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ToolsList)).GetProperty("tools").EnumerateArray());

        Assert.Equal("rich", tool.GetProperty("name").GetString());
        Assert.Equal("Does things.", tool.GetProperty("description").GetString());
        Assert.Equal("""{"type":"object","properties":{"a":{"type":"string"}}}""", tool.GetProperty("inputSchema").GetRawText());
        Assert.Equal(titleOutputSchemaAndMeta, tool.TryGetProperty("title", out _));
        Assert.Equal(titleOutputSchemaAndMeta, tool.TryGetProperty("outputSchema", out _));
        Assert.Equal(titleOutputSchemaAndMeta, tool.TryGetProperty("_meta", out _));
        Assert.Equal(annotations, tool.TryGetProperty("annotations", out _));
        Assert.Equal(icons, tool.TryGetProperty("icons", out _));
    }

    [Fact]
    public async Task ToolsCall_Arguments_ReachTheTool()
    {
        _harness.AddTool("echo", static (_, args) => ValueTask.FromResult(CallToolResult.FromText(args.GetRequiredString("text"))));
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.CallToolAsync(session, "echo", """{"text":"hi \u00e9"}"""));

        Assert.Equal("""{"content":[{"type":"text","text":"hi é"}]}""", result.GetRawText());
    }

    [Fact]
    public async Task ToolsCall_NoArguments_ToolSeesEmptyArguments()
    {
        var seen = new List<string>();
        _harness.AddTool("peek", (_, args) =>
        {
            seen.Add(args.IsEmpty + " " + args);
            return ValueTask.FromResult(CallToolResult.FromText("ok"));
        });
        var session = await _harness.NewInitializedSessionAsync();

        Wire.AssertResult(await _harness.CallToolAsync(session, "peek"));
        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ToolsCall, """{"name":"peek","arguments":null}"""));

        Assert.Equal(["True {}", "True {}"], seen);
    }

    [Fact]
    public async Task ToolsCall_ArgumentsWithMetaAndUnknownMembers_AreTheExactSlice()
    {
        string? raw = null;
        _harness.AddTool("peek", (_, args) =>
        {
            raw = args.ToString();
            return ValueTask.FromResult(CallToolResult.FromText("ok"));
        });
        var session = await _harness.NewInitializedSessionAsync();

        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ToolsCall, """{"x":[1,{"y":2}],"_meta":{"other":{"z":[]}},"arguments": { "a" : [1, 2] } ,"name":"peek"}"""));

        Assert.Equal("""{ "a" : [1, 2] }""", raw);
    }

    [Fact]
    public async Task ToolsCall_UnknownTool_IsInvalidParams()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.CallToolAsync(session, "nope");

        var error = Wire.AssertError(response, McpErrorCode.InvalidParams, "unknown_tool");
        Assert.Contains("'nope'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("{}")]
    [InlineData("""{"arguments":{}}""")]
    public async Task ToolsCall_NoName_IsMissingField(string? paramsJson)
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.ToolsCall, paramsJson);

        Wire.AssertError(response, McpErrorCode.InvalidParams, "missing_field");
    }

    [Theory]
    [InlineData("""{"name":5}""")]
    [InlineData("""{"name":null}""")]
    [InlineData("""{"name":"echo","arguments":[1]}""")]
    [InlineData("""{"name":"echo","arguments":"a=1"}""")]
    public async Task ToolsCall_NameOrArgumentsOfWrongType_IsInvalidField(string paramsJson)
    {
        _harness.AddTool("echo", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.ToolsCall, paramsJson);

        Wire.AssertError(response, McpErrorCode.InvalidParams, "invalid_field");
    }

    [Fact]
    public async Task ToolsCall_NoArgumentsForARequiredArgument_IsInvalidArguments()
    {
        _harness.AddTool("echo", static (_, args) => ValueTask.FromResult(CallToolResult.FromText(args.GetRequiredString("text"))));
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.CallToolAsync(session, "echo");

        Wire.AssertError(response, McpErrorCode.InvalidParams, "invalid_arguments");
    }

    [Fact]
    public async Task ToolsCall_MissingRequiredArgument_IsInvalidArguments()
    {
        _harness.AddTool("echo", static (_, args) => ValueTask.FromResult(CallToolResult.FromText(args.GetRequiredString("text"))));
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.CallToolAsync(session, "echo", """{"text":5}""");

        Wire.AssertError(response, McpErrorCode.InvalidParams, "invalid_arguments");
    }

    [Fact]
    public async Task ToolsCall_ToolThrowsAsync_ReturnsIsErrorResult()
    {
        _harness.AddTool("boom", static async (_, _) =>
        {
            await Task.Yield();
            throw new InvalidOperationException("kaput");
        });
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.CallToolAsync(session, "boom"));

        Assert.Equal("""{"content":[{"type":"text","text":"Tool 'boom' failed: kaput"}],"isError":true}""", result.GetRawText());
    }

    [Fact]
    public async Task ToolsCall_ToolThrowsSynchronously_ReturnsIsErrorResult()
    {
        _harness.AddTool("boom", static (_, _) => throw new FormatException("bad format"));
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.CallToolAsync(session, "boom"));

        Assert.True(result.GetProperty("isError").GetBoolean());
        Assert.Equal("Tool 'boom' failed: bad format", result.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task ToolsCall_ToolThrowsProtocolException_ReturnsThatError()
    {
        _harness.AddTool("strict", static (_, _) => throw new McpProtocolException(McpErrorCode.ResourceNotFound, "gone", "gone_reason"));
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.CallToolAsync(session, "strict");

        var error = Wire.AssertError(response, McpErrorCode.ResourceNotFound, "gone_reason");
        Assert.Equal("gone", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ToolsCall_ToolRunsPastTimeout_IsToolTimeout()
    {
        using var harness = new DispatcherHarness(new McpServerOptions { ToolTimeout = TimeSpan.FromMilliseconds(100) });
        harness.AddTool("slow", static async (ctx, _) =>
        {
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return CallToolResult.FromText("never");
        });
        var session = await harness.NewInitializedSessionAsync();

        var response = await harness.CallToolAsync(session, "slow").WaitAsync(TestTimeouts.Default);

        var error = Wire.AssertError(response, McpErrorCode.RequestTimeout, "tool_timeout");
        Assert.Contains("within 0.1 s", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, session.InFlightCount);
    }

    [Fact]
    public async Task ToolsCall_ToolThrowsItsOwnCancellation_ReturnsIsErrorResult()
    {
        _harness.AddTool("http", static (_, _) => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."));
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.CallToolAsync(session, "http"));

        Assert.True(result.GetProperty("isError").GetBoolean());
    }

    [Theory]
    [InlineData("5", "5")]
    [InlineData("\"req-5\"", "\"req-5\"")]
    public async Task ToolsCall_CancelledNotification_ReturnsCancelled(string idJson, string requestIdJson)
    {
        var (started, _) = AddBlockingTool("wait");
        var session = await _harness.NewInitializedSessionAsync();
        var call = _harness.ExecuteAsync(session, McpMethods.ToolsCall, """{"name":"wait"}""", idJson);
        await started.Task.WaitAsync(TestTimeouts.Default);

        _harness.Notify(session, McpMethods.NotificationCancelled, $$"""{"requestId":{{requestIdJson}},"reason":"user"}""");
        var result = await call.WaitAsync(TestTimeouts.Default);

        Assert.True(result.IsCancelled);
        Assert.Same(RpcError.Cancelled, result.Error);
        Assert.Equal(0, session.InFlightCount);
    }

    [Fact]
    public async Task ToolsCall_CancelledNotificationForAnotherId_KeepsRunning()
    {
        var (started, release) = AddBlockingTool("wait");
        var session = await _harness.NewInitializedSessionAsync();
        var call = _harness.ExecuteAsync(session, McpMethods.ToolsCall, """{"name":"wait"}""", "5");
        await started.Task.WaitAsync(TestTimeouts.Default);

        _harness.Notify(session, McpMethods.NotificationCancelled, """{"requestId":"5"}""");
        _harness.Notify(session, McpMethods.NotificationCancelled, """{"requestId":6}""");
        _harness.Notify(session, McpMethods.NotificationCancelled, """{"reason":"no id"}""");
        _harness.Notify(session, McpMethods.NotificationCancelled);
        release.SetResult();
        var result = await call.WaitAsync(TestTimeouts.Default);

        Assert.Null(result.Error);
    }

    [Fact]
    public async Task ToolsCall_AbortedToken_ReturnsCancelled()
    {
        var (started, _) = AddBlockingTool("wait");
        var session = await _harness.NewInitializedSessionAsync();
        using var aborted = new CancellationTokenSource();
        var call = _harness.ExecuteAsync(session, McpMethods.ToolsCall, """{"name":"wait"}""", aborted: aborted.Token);
        await started.Task.WaitAsync(TestTimeouts.Default);

        await aborted.CancelAsync();
        var result = await call.WaitAsync(TestTimeouts.Default);

        Assert.True(result.IsCancelled, $"Got {result.Error}");
    }

    [Fact]
    public async Task ToolsCall_SessionEnded_ReturnsCancelled()
    {
        var (started, _) = AddBlockingTool("wait");
        var session = await _harness.NewInitializedSessionAsync();
        var call = _harness.ExecuteAsync(session, McpMethods.ToolsCall, """{"name":"wait"}""");
        await started.Task.WaitAsync(TestTimeouts.Default);

        Assert.True(_harness.Sessions.End(session, "test"));
        var result = await call.WaitAsync(TestTimeouts.Default);

        Assert.True(result.IsCancelled);
    }

    [Fact]
    public async Task ExecuteAsync_DuplicateInFlightId_IsDuplicateIdUntilTheFirstFinishes()
    {
        var (started, release) = AddBlockingTool("wait");
        var session = await _harness.NewInitializedSessionAsync();
        var first = _harness.ExecuteAsync(session, McpMethods.ToolsCall, """{"name":"wait"}""", "7");
        await started.Task.WaitAsync(TestTimeouts.Default);

        var duplicate = Wire.Response(new JsonRpcId(7), await _harness.ExecuteAsync(session, McpMethods.Ping, id: "7"));
        var otherId = Wire.Response(new JsonRpcId(8), await _harness.ExecuteAsync(session, McpMethods.Ping, id: "8"));
        var sameTextAsString = Wire.Response(new JsonRpcId("7"), await _harness.ExecuteAsync(session, McpMethods.Ping, id: "\"7\""));
        release.SetResult();
        Assert.Null((await first.WaitAsync(TestTimeouts.Default)).Error);
        var reused = Wire.Response(new JsonRpcId(7), await _harness.ExecuteAsync(session, McpMethods.Ping, id: "7"));

        var error = Wire.AssertError(duplicate, McpErrorCode.InvalidRequest, "duplicate_id");
        Assert.Equal("id", error.GetProperty("data").GetProperty("field").GetString());
        Wire.AssertResult(otherId);
        Wire.AssertResult(sameTextAsString);
        Wire.AssertResult(reused);
    }

    [Fact]
    public async Task ExecuteAsync_SameIdInAnotherSession_IsAllowed()
    {
        var (started, release) = AddBlockingTool("wait");
        var a = await _harness.NewInitializedSessionAsync();
        var b = await _harness.NewInitializedSessionAsync();
        var first = _harness.ExecuteAsync(a, McpMethods.ToolsCall, """{"name":"wait"}""", "1");
        await started.Task.WaitAsync(TestTimeouts.Default);

        var other = await _harness.RequestAsync(b, McpMethods.Ping, id: "1");
        release.SetResult();
        await first.WaitAsync(TestTimeouts.Default);

        Wire.AssertResult(other);
    }

    [Fact]
    public async Task ExecuteAsync_MaxInFlightReached_IsTooManyInFlight()
    {
        var (_, release) = AddBlockingTool("wait");
        var session = await _harness.NewInitializedSessionAsync();
        var calls = new List<Task<RpcResult>>();
        for (var i = 0; i < 3; i++)
        {
            calls.Add(_harness.ExecuteAsync(session, McpMethods.ToolsCall, """{"name":"wait"}""", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.Equal(3, session.InFlightCount);
        var refused = await _harness.RequestAsync(session, McpMethods.Ping, id: "99");
        release.SetResult();
        var results = await Task.WhenAll(calls).WaitAsync(TestTimeouts.Default);
        var afterwards = await _harness.RequestAsync(session, McpMethods.Ping, id: "100");

        Wire.AssertError(refused, McpErrorCode.InvalidRequest, "too_many_in_flight");
        Assert.All(results, r => Assert.Null(r.Error));
        Wire.AssertResult(afterwards);
    }

    [Theory]
    [InlineData("2025-03-26", false)]
    [InlineData("2025-06-18", true)]
    [InlineData("2025-11-25", true)]
    public async Task ToolsCall_StructuredContent_IsDroppedBefore20250618(string version, bool kept)
    {
        _harness.AddTool("structured", static (_, _) => ValueTask.FromResult(new CallToolResult
        {
            Content = [new TextContent("{\"n\":1}")],
            StructuredContent = Schemas.Parse("""{"n":1}"""),
            IsError = false,
        }));
        var session = await _harness.NewInitializedSessionAsync(version);

        var result = Wire.AssertResult(await _harness.CallToolAsync(session, "structured"));

        Assert.Equal(kept, result.TryGetProperty("structuredContent", out _));
        Assert.Equal("{\"n\":1}", result.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.False(result.GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task ToolsCall_ToolNameAndId_AreOnTheContext()
    {
        RequestContext? seen = null;
        _harness.AddTool("ctx", (ctx, _) =>
        {
            seen = ctx;
            return ValueTask.FromResult(CallToolResult.FromText("ok"));
        });
        var session = await _harness.NewInitializedSessionAsync();

        Wire.AssertResult(await _harness.CallToolAsync(session, "ctx", id: "\"abc\""));

        Assert.NotNull(seen);
        Assert.Equal("ctx", seen.ToolName);
        Assert.Equal(new JsonRpcId("abc"), seen.Id);
        Assert.Equal(McpMethods.ToolsCall, seen.Method);
        Assert.Same(session, seen.Session);
        Assert.False(seen.HasProgressToken);
    }

    [Fact]
    public async Task ToolsCall_ReplacedTool_RunsTheNewHandler()
    {
        _harness.AddTool("v", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("1")));
        _harness.AddTool("v", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("2")));
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.CallToolAsync(session, "v"));

        Assert.Equal("2", result.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task ToolsCall_RemovedTool_IsUnknownTool()
    {
        _harness.AddTool("gone", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("1")));
        var session = await _harness.NewInitializedSessionAsync();
        Assert.True(_harness.Catalog.RemoveTool("gone"));

        var response = await _harness.CallToolAsync(session, "gone");

        Wire.AssertError(response, McpErrorCode.InvalidParams, "unknown_tool");
    }

    // A tool that signals when it runs and then waits for release or cancellation.
    private (TaskCompletionSource Started, TaskCompletionSource Release) AddBlockingTool(string name)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _harness.Catalog.AddTool(new ToolDefinition(new Tool { Name = name }, async (ctx, _) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ctx.CancellationToken);
            return CallToolResult.FromText("released");
        }));
        return (started, release);
    }
}
