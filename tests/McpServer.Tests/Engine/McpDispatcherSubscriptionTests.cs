using System.Text.Json;
using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Engine;

/// <summary><c>subscriptions/listen</c> (2026-07-28): acknowledgement first, tagged notifications, filters, graceful end.</summary>
public sealed class McpDispatcherSubscriptionTests : IDisposable
{
    private readonly DispatcherHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private (Task<RpcResult> Listen, CapturingSink Stream, CancellationTokenSource Abort) Listen(string filter, string id = "7")
    {
        var stream = new CapturingSink();
        var abort = new CancellationTokenSource();
        var listen = _harness.ExecuteAsync(_harness.NewStatelessSession(), McpMethods.SubscriptionsListen, $$"""{"notifications":{{filter}}}""", id, stream, abort.Token);
        return (listen, stream, abort);
    }

    private static JsonElement SubscriptionId(JsonElement message) =>
        message.GetProperty("params").GetProperty("_meta").GetProperty("io.modelcontextprotocol/subscriptionId");

    [Fact]
    public async Task Listen_SendsTheAcknowledgementFirst_WithTheAgreedFilterAndTheRequestId()
    {
        var (listen, stream, abort) = Listen("""{"toolsListChanged":true,"promptsListChanged":false,"resourceSubscriptions":["a://x","a://x"]}""");

        var ack = await stream.WaitForMethodAsync(McpMethods.NotificationSubscriptionsAcknowledged);

        Assert.Equal(7, SubscriptionId(ack).GetInt32());
        Assert.Equal("""{"toolsListChanged":true,"resourceSubscriptions":["a://x"]}""", ack.GetProperty("params").GetProperty("notifications").GetRawText());
        Assert.Equal(1, _harness.Dispatcher.SubscriptionCount);
        await abort.CancelAsync();
        Assert.True((await listen).IsCancelled);
        Assert.Equal(0, _harness.Dispatcher.SubscriptionCount);
    }

    [Fact]
    public async Task ToolChange_ReachesOnlyListenersThatAskedForIt_Tagged()
    {
        var (toolsListen, tools, abortTools) = Listen("""{"toolsListChanged":true}""", "\"t\"");
        var (promptsListen, prompts, abortPrompts) = Listen("""{"promptsListChanged":true}""", "\"p\"");
        await tools.WaitForMethodAsync(McpMethods.NotificationSubscriptionsAcknowledged);
        await prompts.WaitForMethodAsync(McpMethods.NotificationSubscriptionsAcknowledged);

        _harness.AddTool("new_tool", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("x")));
        _harness.Catalog.AddPrompt(new PromptDefinition(new Prompt { Name = "new_prompt" }, static (_, _) => ValueTask.FromResult(new GetPromptResult())));

        var toolChange = await tools.WaitForMethodAsync(McpMethods.NotificationToolsListChanged);
        Assert.Equal("t", SubscriptionId(toolChange).GetString());
        var promptChange = await prompts.WaitForMethodAsync(McpMethods.NotificationPromptsListChanged);
        Assert.Equal("p", SubscriptionId(promptChange).GetString());
        Assert.DoesNotContain(tools.Messages, m => m.Contains("prompts/list_changed", StringComparison.Ordinal));
        Assert.DoesNotContain(prompts.Messages, m => m.Contains("tools/list_changed", StringComparison.Ordinal));

        await abortTools.CancelAsync();
        await abortPrompts.CancelAsync();
        await Task.WhenAll(toolsListen, promptsListen);
    }

    [Fact]
    public async Task ResourceUpdate_ReachesOnlyListenersOfThatUri()
    {
        var (listen, stream, abort) = Listen("""{"resourceSubscriptions":["demo://a"]}""");
        await stream.WaitForMethodAsync(McpMethods.NotificationSubscriptionsAcknowledged);

        _harness.Catalog.NotifyResourceUpdated("demo://b");
        _harness.Catalog.NotifyResourceUpdated("demo://a");

        var updated = await stream.WaitForMethodAsync(McpMethods.NotificationResourceUpdated);
        Assert.Equal("demo://a", updated.GetProperty("params").GetProperty("uri").GetString());
        Assert.Equal(2, stream.Messages.Count);
        await abort.CancelAsync();
        await listen;
    }

    [Fact]
    public async Task CloseSubscriptions_EndsEachWithACompletionResult_AndRefusesNewOnes()
    {
        var (listen, stream, _) = Listen("""{"toolsListChanged":true}""");
        await stream.WaitForMethodAsync(McpMethods.NotificationSubscriptionsAcknowledged);

        _harness.Dispatcher.CloseSubscriptions();
        var ended = await listen;

        var response = Wire.AssertResult(Wire.Response(new JsonRpcId(7), ended));
        Assert.Equal(7, response.GetProperty("_meta").GetProperty("io.modelcontextprotocol/subscriptionId").GetInt32());
        var (late, _, _) = Listen("{}");
        Wire.AssertError(Wire.Response(new JsonRpcId(7), await late), McpErrorCode.InternalError, "shutting_down");
    }

    [Fact]
    public async Task Listen_OnASessionRevision_IsMethodNotFound()
    {
        var session = await _harness.NewInitializedSessionAsync();

        Wire.AssertError(await _harness.RequestAsync(session, McpMethods.SubscriptionsListen, "{}"), McpErrorCode.MethodNotFound, "method_not_found");
    }

    [Fact]
    public async Task Discover_AdvertisesWhatListenDelivers()
    {
        var result = Wire.AssertResult(await _harness.RequestAsync(_harness.NewStatelessSession(), McpMethods.ServerDiscover));
        var capabilities = result.GetProperty("capabilities");

        Assert.True(capabilities.GetProperty("tools").GetProperty("listChanged").GetBoolean());
        Assert.True(capabilities.GetProperty("prompts").GetProperty("listChanged").GetBoolean());
        Assert.True(capabilities.GetProperty("resources").GetProperty("subscribe").GetBoolean());
    }

    [Fact]
    public async Task UnknownResource_OnStatelessRevision_IsInvalidParamsWithTheUri()
    {
        var error = Wire.AssertError(await _harness.RequestAsync(_harness.NewStatelessSession(), McpMethods.ResourcesRead, """{"uri":"test://nope"}"""), McpErrorCode.InvalidParams, "resource_not_found");

        Assert.Equal("test://nope", error.GetProperty("data").GetProperty("uri").GetString());
    }
}
