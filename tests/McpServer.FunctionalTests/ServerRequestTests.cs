using System.Collections.Concurrent;
using System.Text.Json;
using McpServer.FunctionalTests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpServer.FunctionalTests;

/// <summary>
/// Server→client traffic with the conformance catalogue: sampling, elicitation, log messages and
/// resource updates, through the official SDK client over each transport.
/// </summary>
public sealed class ServerRequestTests : IClassFixture<ConformanceServerFixture>
{
    private readonly ConformanceServerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public ServerRequestTests(ConformanceServerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        fixture.Server.AttachOutput(output);
    }

    public static TheoryData<McpTransport> Transports => SdkClients.AllTransports;

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_TestSampling_ReturnsTheClientsCompletion(McpTransport transport)
    {
        var requests = new ConcurrentQueue<CreateMessageRequestParams>();
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (request, _, _) =>
                {
                    requests.Enqueue(request!);
                    return ValueTask.FromResult(new CreateMessageResult
                    {
                        Content = [new TextContentBlock { Text = "Four, said the test model." }],
                        Model = "functional-test-model",
                        Role = Role.Assistant,
                        StopReason = "endTurn",
                    });
                },
            },
        };
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output, options);

        var result = await client.CallToolAsync("test_sampling", new Dictionary<string, object?> { ["prompt"] = "What is 2+2?" }, cancellationToken: Timeout());

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("LLM response: Four, said the test model.", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        var request = Assert.Single(requests);
        Assert.Equal(100, request.MaxTokens);
        var message = Assert.Single(request.Messages);
        Assert.Equal(Role.User, message.Role);
        Assert.Equal("What is 2+2?", Assert.IsType<TextContentBlock>(Assert.Single(message.Content)).Text);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_TestSamplingWithoutCapability_ReturnsToolError(McpTransport transport)
    {
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output);

        var result = await client.CallToolAsync("test_sampling", new Dictionary<string, object?> { ["prompt"] = "hi" }, cancellationToken: Timeout());

        Assert.True(result.IsError);
        Assert.Contains("sampling", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_ListRoots_ReturnsTheClientsRoots(McpTransport transport)
    {
        var calls = 0;
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                RootsHandler = (_, _) =>
                {
                    Interlocked.Increment(ref calls);
                    return ValueTask.FromResult(new ListRootsResult
                    {
                        Roots =
                        [
                            new Root { Uri = "file:///home/user/project", Name = "project" },
                            new Root { Uri = "file:///tmp" },
                        ],
                    });
                },
            },
        };
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output, options);

        var result = await client.CallToolAsync("list_roots", cancellationToken: Timeout());

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("file:///home/user/project (project)\nfile:///tmp", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(1, calls);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_ListRootsWithoutCapability_ReturnsToolError(McpTransport transport)
    {
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output);

        var result = await client.CallToolAsync("list_roots", cancellationToken: Timeout());

        Assert.True(result.IsError);
        Assert.Contains("roots", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_TestElicitation_ReturnsTheAcceptedAnswer(McpTransport transport)
    {
        var requests = new ConcurrentQueue<ElicitRequestParams>();
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (request, _) =>
                {
                    requests.Enqueue(request!);
                    return ValueTask.FromResult(new ElicitResult
                    {
                        Action = "accept",
                        Content = new Dictionary<string, JsonElement>
                        {
                            ["username"] = JsonSerializer.SerializeToElement("ada"),
                            ["email"] = JsonSerializer.SerializeToElement("ada@example.com"),
                        },
                    });
                },
            },
        };
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output, options);

        var result = await client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = "Who are you?" }, cancellationToken: Timeout());

        Assert.NotEqual(true, result.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.StartsWith("User response: action=accept, content=", text, StringComparison.Ordinal);
        using var content = JsonDocument.Parse(text["User response: action=accept, content=".Length..]);
        Assert.Equal("ada", content.RootElement.GetProperty("username").GetString());
        Assert.Equal("ada@example.com", content.RootElement.GetProperty("email").GetString());

        var request = Assert.Single(requests);
        Assert.Equal("Who are you?", request.Message);
        Assert.NotNull(request.RequestedSchema);
        Assert.Equal(["username", "email"], request.RequestedSchema.Required!);
        Assert.True(request.RequestedSchema.Properties.ContainsKey("username"));
        Assert.True(request.RequestedSchema.Properties.ContainsKey("email"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_TestElicitationDeclined_ReportsTheDecline(McpTransport transport)
    {
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (_, _) => ValueTask.FromResult(new ElicitResult { Action = "decline" }),
            },
        };
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output, options);

        var result = await client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = "Who are you?" }, cancellationToken: Timeout());

        Assert.StartsWith("User response: action=decline", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_TestToolWithLoggingAtDebug_SendsThreeLogMessages(McpTransport transport)
    {
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output);
        var messages = new ConcurrentQueue<LoggingMessageNotificationParams>();
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (n, _) =>
        {
            messages.Enqueue(JsonSerializer.Deserialize<LoggingMessageNotificationParams>(n.Params, McpJsonUtilities.DefaultOptions)!);
            return default;
        });
        await client.SetLoggingLevelAsync(LoggingLevel.Debug, cancellationToken: Timeout());

        var result = await client.CallToolAsync("test_tool_with_logging", cancellationToken: Timeout());

        Assert.Equal("Tool with logging executed successfully", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        await Poll.UntilAsync(() => messages.Count >= 3, TimeSpan.FromSeconds(5), "3 notifications/message");
        var texts = messages.Select(m => m.Data.GetString()).ToHashSet();
        Assert.Equal(["Tool execution completed", "Tool execution started", "Tool processing data"], texts.Order(StringComparer.Ordinal));
        Assert.All(messages, m => Assert.Equal(LoggingLevel.Info, m.Level));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_TestToolWithLoggingAtError_SendsNoLogMessages(McpTransport transport)
    {
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output);
        var messages = new ConcurrentQueue<JsonRpcNotification>();
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (n, _) =>
        {
            messages.Enqueue(n);
            return default;
        });
        await client.SetLoggingLevelAsync(LoggingLevel.Error, cancellationToken: Timeout());

        await client.CallToolAsync("test_tool_with_logging", cancellationToken: Timeout());

        // A later call on the same session completes after any notification the first one could have
        // sent has been handled, so "nothing arrived" is checked after a real round trip, not a sleep.
        await client.CallToolAsync("test_tool_with_progress", progress: new Progress<ProgressNotificationValue>(), cancellationToken: Timeout());
        Assert.Empty(messages);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_TestToolWithProgress_ReportsZeroFiftyHundred(McpTransport transport)
    {
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output);
        var notifications = new ConcurrentQueue<ProgressNotificationParams>();
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (n, _) =>
        {
            notifications.Enqueue(JsonSerializer.Deserialize<ProgressNotificationParams>(n.Params, McpJsonUtilities.DefaultOptions)!);
            return default;
        });

        await client.CallToolAsync("test_tool_with_progress", progress: new Progress<ProgressNotificationValue>(), cancellationToken: Timeout());

        await Poll.UntilAsync(() => notifications.Count >= 3, TimeSpan.FromSeconds(5), "3 notifications/progress");
        Assert.Equal([0f, 50f, 100f], notifications.Select(n => n.Progress.Progress).Order());
        Assert.All(notifications, n => Assert.Equal(100f, n.Progress.Total));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task SubscribeToResource_WatchedResource_ReceivesUpdatedWithinEightSeconds(McpTransport transport)
    {
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output);
        var updates = new ConcurrentQueue<ResourceUpdatedNotificationParams>();

        await using var subscription = await client.SubscribeToResourceAsync(
            "test://watched-resource",
            (p, _) =>
            {
                updates.Enqueue(p);
                return default;
            },
            cancellationToken: Timeout());

        await Poll.UntilAsync(() => !updates.IsEmpty, TimeSpan.FromSeconds(8), "notifications/resources/updated for test://watched-resource");
        Assert.All(updates, u => Assert.Equal("test://watched-resource", u.Uri));
        var read = await client.ReadResourceAsync("test://watched-resource", cancellationToken: Timeout());
        Assert.StartsWith("Watched resource content (update ", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task UnsubscribeFromResource_AfterUnsubscribe_NoMoreUpdates(McpTransport transport)
    {
        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output);
        var updates = new ConcurrentQueue<JsonRpcNotification>();
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updates.Enqueue(n);
            return default;
        });

        await client.SubscribeToResourceAsync("test://watched-resource", cancellationToken: Timeout());
        await Poll.UntilAsync(() => !updates.IsEmpty, TimeSpan.FromSeconds(8), "a first update");
        await client.UnsubscribeFromResourceAsync("test://watched-resource", cancellationToken: Timeout());
        await client.PingAsync(cancellationToken: Timeout());
        var seen = updates.Count;

        // The resource changes every 3 s: wait until a read shows a change made after the unsubscribe, then one
        // more round trip, and check that no update notification came for it.
        var before = await ReadWatchedAsync(client);
        await Poll.UntilAsync(async () => await ReadWatchedAsync(client) != before, TimeSpan.FromSeconds(8), "the watched resource to change");
        await client.PingAsync(cancellationToken: Timeout());
        Assert.Equal(seen, updates.Count);
    }

    private static async Task<string> ReadWatchedAsync(McpClient client)
    {
        var read = await client.ReadResourceAsync("test://watched-resource", cancellationToken: Timeout());
        return Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;
}
