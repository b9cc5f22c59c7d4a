using System.Collections.Concurrent;
using McpServer.FunctionalTests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpServer.FunctionalTests;

/// <summary>Tests that race a server-side timer; they run alone so a busy machine does not make them late.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitiveCollection
{
    public const string Name = "Timing-sensitive";
}

/// <summary>
/// The conformance catalogue adds <c>test_dynamic_tool</c>, <c>test://dynamic-resource</c> and
/// <c>test_dynamic_prompt</c> 2 s after it starts; a client connected before then is told with
/// list_changed notifications. Each test starts its own server so the 2 s are its own.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class ListChangedTests(ITestOutputHelper output)
{
    public static TheoryData<McpTransport> Transports => SdkClients.AllTransports;

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task DynamicFixtures_ClientConnectedAtStart_ReceivesListChangedNotifications(McpTransport transport)
    {
        var fixture = new FreshConformanceServer();
        if (transport != McpTransport.Stdio)
        {
            await fixture.InitializeAsync();
            fixture.Server.AttachOutput(output);
        }

        try
        {
            var received = new ConcurrentQueue<string>();
            var options = new McpClientOptions
            {
                Handlers = new McpClientHandlers
                {
                    NotificationHandlers =
                    [
                        new(NotificationMethods.ToolListChangedNotification, (n, _) => Record(received, n)),
                        new(NotificationMethods.ResourceListChangedNotification, (n, _) => Record(received, n)),
                        new(NotificationMethods.PromptListChangedNotification, (n, _) => Record(received, n)),
                    ],
                },
            };
            await using var client = await SdkClients.ConnectAsync(transport, fixture, output, options);

            var before = await client.ListToolsAsync();
            Assert.False(
                before.Any(t => t.Name == "test_dynamic_tool"),
                "test_dynamic_tool was already listed: the client connected more than 2 s after the server started, so this run cannot show list_changed.");

            await Poll.UntilAsync(() => received.Contains(NotificationMethods.ToolListChangedNotification), TimeSpan.FromSeconds(10), "notifications/tools/list_changed");
            await Poll.UntilAsync(
                () => received.Contains(NotificationMethods.ResourceListChangedNotification) && received.Contains(NotificationMethods.PromptListChangedNotification),
                TimeSpan.FromSeconds(5),
                "notifications/resources/list_changed and notifications/prompts/list_changed");

            var after = await client.ListToolsAsync();
            Assert.Contains(after, t => t.Name == "test_dynamic_tool");
            Assert.Contains(await client.ListResourcesAsync(), r => r.Uri == "test://dynamic-resource");
            Assert.Contains(await client.ListPromptsAsync(), p => p.Name == "test_dynamic_prompt");
            var result = await client.CallToolAsync("test_dynamic_tool");
            Assert.Equal("This tool was added dynamically.", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    private static ValueTask Record(ConcurrentQueue<string> received, JsonRpcNotification notification)
    {
        received.Enqueue(notification.Method);
        return default;
    }

    private sealed class FreshConformanceServer : ServerFixture
    {
        public override IReadOnlyList<string> CatalogArgs => ["--catalog", "conformance"];
    }
}
