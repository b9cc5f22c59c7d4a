using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using McpServer.FunctionalTests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpServer.FunctionalTests;

/// <summary>The official MCP C# SDK client against the demo catalogue, over each of the three transports.</summary>
public sealed class SdkClientTests : IClassFixture<DemoServerFixture>
{
    private readonly DemoServerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public SdkClientTests(DemoServerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        fixture.Server.AttachOutput(output);
    }

    public static TheoryData<McpTransport> Transports => SdkClients.AllTransports;

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Initialize_AnyTransport_ReportsServerInfoAndNegotiatedVersion(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        Assert.NotNull(client.ServerInfo);
        Assert.Equal("mcp-server", client.ServerInfo.Name);
        Assert.Equal("0.1.0", client.ServerInfo.Version);
        Assert.Equal("2025-11-25", client.NegotiatedProtocolVersion);
        Assert.NotNull(client.ServerCapabilities.Tools);
        Assert.NotNull(client.ServerCapabilities.Resources);
        Assert.NotNull(client.ServerCapabilities.Prompts);
        Assert.NotNull(client.ServerCapabilities.Logging);
        Assert.NotNull(client.ServerCapabilities.Completions);
        if (transport == McpTransport.StreamableHttp)
        {
            // The Mcp-Session-Id the server issued (the legacy SSE and stdio clients expose none).
            Assert.False(string.IsNullOrEmpty(client.SessionId));
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Connect_DefaultOptions_StreamableHttpAndStdioUseStatelessRevisionLegacySseFallsBackQuickly(McpTransport transport)
    {
        // SDK 2.4 first probes with server/discover (2026-07-28) unless a version is pinned. Streamable HTTP
        // and stdio answer it, so the client speaks 2026-07-28 there; legacy SSE refuses it at once (silence
        // would stall the connect for the whole 30 s probe timeout) and the client falls back to initialize.
        var options = new McpClientOptions { DiscoverProbeTimeout = TimeSpan.FromSeconds(30), InitializationTimeout = TimeSpan.FromSeconds(60) };
        var watch = Stopwatch.StartNew();

        await using var client = await SdkClients.ConnectAsync(transport, _fixture, _output, options, probe: true);

        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"connect took {watch.Elapsed}");
        Assert.Equal("mcp-server", client.ServerInfo?.Name);
        if (transport != McpTransport.LegacySse)
        {
            Assert.Equal("2026-07-28", client.NegotiatedProtocolVersion);
        }
        else
        {
            Assert.Equal("2025-11-25", client.NegotiatedProtocolVersion);
            await client.PingAsync(cancellationToken: Timeout());
        }

        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "stateless?" }, cancellationToken: Timeout());
        Assert.Equal("stateless?", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
        var tools = await client.ListToolsAsync(cancellationToken: Timeout());
        Assert.Contains(tools, t => t.Name == "add");
        var readme = await client.ReadResourceAsync("demo://readme", cancellationToken: Timeout());
        Assert.Contains("mcp-server demo", Assert.IsType<TextResourceContents>(Assert.Single(readme.Contents)).Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Initialize_PinnedOlderVersion_NegotiatesThatVersion(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport, new McpClientOptions { ProtocolVersion = "2025-06-18" });

        Assert.Equal("2025-06-18", client.NegotiatedProtocolVersion);
        Assert.Equal("mcp-server", client.ServerInfo?.Name);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Ping_AnyTransport_Succeeds(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        await client.PingAsync(cancellationToken: Timeout());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ListTools_AnyTransport_ListsDemoToolsWithInputSchemas(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        var tools = await client.ListToolsAsync(cancellationToken: Timeout());

        var byName = tools.ToDictionary(t => t.Name);
        foreach (var name in new[] { "echo", "add", "sleep", "time" })
        {
            Assert.True(byName.ContainsKey(name), $"tool '{name}' missing; got {string.Join(", ", byName.Keys)}");
            var schema = byName[name].ProtocolTool.InputSchema;
            Assert.Equal(JsonValueKind.Object, schema.ValueKind);
            Assert.Equal("object", schema.GetProperty("type").GetString());
        }

        Assert.Equal("string", byName["echo"].ProtocolTool.InputSchema.GetProperty("properties").GetProperty("text").GetProperty("type").GetString());
        Assert.Equal(["a", "b"], byName["add"].ProtocolTool.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.NotNull(byName["add"].ProtocolTool.OutputSchema);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_Echo_ReturnsTheText(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "héllo, wörld ✓" }, cancellationToken: Timeout());

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("héllo, wörld ✓", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_Add_ReturnsTextAndStructuredSum(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        var result = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = 2.5, ["b"] = 40 }, cancellationToken: Timeout());

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("42.5", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.NotNull(result.StructuredContent);
        Assert.Equal(42.5, result.StructuredContent.Value.GetProperty("sum").GetDouble());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_UnknownTool_ThrowsInvalidParams(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("no_such_tool", cancellationToken: Timeout()).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, ex.ErrorCode);
        Assert.Contains("no_such_tool", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Resources_ListAndRead_ReturnsTheReadme(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        var resources = await client.ListResourcesAsync(cancellationToken: Timeout());
        var readme = Assert.Single(resources, r => r.Uri == "demo://readme");
        Assert.Equal("text/markdown", readme.MimeType);

        var read = await client.ReadResourceAsync("demo://readme", cancellationToken: Timeout());

        var contents = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents));
        Assert.Equal("demo://readme", contents.Uri);
        Assert.Equal("text/markdown", contents.MimeType);
        Assert.StartsWith("# mcp-server demo", contents.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ResourceTemplates_ListAndRead_ReturnsTheGreeting(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        var templates = await client.ListResourceTemplatesAsync(cancellationToken: Timeout());
        Assert.Contains(templates, t => t.UriTemplate == "demo://greeting/{name}");

        var read = await client.ReadResourceAsync("demo://greeting/Ada", cancellationToken: Timeout());

        var contents = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents));
        Assert.Equal("demo://greeting/Ada", contents.Uri);
        Assert.Equal("Hello, Ada!", contents.Text);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ReadResource_Unknown_ThrowsResourceNotFound(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("demo://nope", cancellationToken: Timeout()).AsTask());

        Assert.Equal(McpErrorCode.ResourceNotFound, ex.ErrorCode);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Prompts_ListAndGet_ReturnsTheGreetPrompt(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        var prompts = await client.ListPromptsAsync(cancellationToken: Timeout());
        var greet = Assert.Single(prompts, p => p.Name == "greet");
        Assert.Equal(["name", "style"], greet.ProtocolPrompt.Arguments!.Select(a => a.Name));

        var result = await client.GetPromptAsync("greet", new Dictionary<string, object?> { ["name"] = "Ada", ["style"] = "pirate" }, cancellationToken: Timeout());

        var message = Assert.Single(result.Messages);
        Assert.Equal(Role.User, message.Role);
        Assert.Equal("Greet Ada in a pirate style.", Assert.IsType<TextContentBlock>(message.Content).Text);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Complete_PromptStylePrefixP_ReturnsPirate(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        var result = await client.CompleteAsync(new PromptReference { Name = "greet" }, "style", "p", cancellationToken: Timeout());

        Assert.Equal(["pirate"], result.Completion.Values);
        Assert.Equal(1, result.Completion.Total);
        Assert.NotEqual(true, result.Completion.HasMore);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Complete_TemplateNamePrefix_ReturnsMatchingNames(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        var result = await client.CompleteAsync(new ResourceTemplateReference { Uri = "demo://greeting/{name}" }, "name", "a", cancellationToken: Timeout());

        Assert.Equal(["Ada", "Alan"], result.Completion.Values);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task SetLoggingLevel_Debug_Succeeds(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        await client.SetLoggingLevelAsync(LoggingLevel.Debug, cancellationToken: Timeout());

        // The session still answers afterwards.
        await client.PingAsync(cancellationToken: Timeout());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_SleepWithProgress_ReportsTenSteps(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);

        // The SDK runs notification handlers concurrently with the response and drops the IProgress
        // registration once the call returns, so a late handler can miss the last steps. A session-wide
        // handler sees every notification the server sent, however late the client gets to it.
        var notifications = new ConcurrentQueue<ProgressNotificationParams>();
        await using var registration = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (n, _) =>
        {
            notifications.Enqueue(JsonSerializer.Deserialize<ProgressNotificationParams>(n.Params, McpJsonUtilities.DefaultOptions)!);
            return default;
        });
        var progress = new CollectingProgress();

        var result = await client.CallToolAsync("sleep", new Dictionary<string, object?> { ["ms"] = 500 }, progress, cancellationToken: Timeout());

        Assert.Equal("Slept 500 ms.", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        await Poll.UntilAsync(() => notifications.Count >= 10, TimeSpan.FromSeconds(5), "10 notifications/progress");
        var values = notifications.ToArray();
        Assert.Equal(10, values.Length);
        Assert.Single(values.Select(v => v.ProgressToken).Distinct());
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 50f), values.Select(v => v.Progress.Progress).Order());
        Assert.All(values, v => Assert.Equal(500f, v.Progress.Total));
        Assert.Contains(values, v => v.Progress.Message == "slept 100 %");

        // The SDK's own progress plumbing saw the same token: whatever it reported came from these notifications.
        Assert.All(progress.Values, p => Assert.Contains(values, v => v.Progress.Progress == p.Progress));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallTool_SleepCancelled_ThrowsQuicklyAndSessionKeepsServing(McpTransport transport)
    {
        await using var client = await ConnectAsync(transport);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CallToolAsync("sleep", new Dictionary<string, object?> { ["ms"] = 30000 }, cancellationToken: cts.Token).AsTask());

        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"cancellation took {watch.Elapsed}");
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Timeout());
        Assert.Equal("still here", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);

        // A short sleep on the same session completes: the cancelled one no longer holds anything up.
        var sleep = await client.CallToolAsync("sleep", new Dictionary<string, object?> { ["ms"] = 10 }, cancellationToken: Timeout());
        Assert.Equal("Slept 10 ms.", Assert.IsType<TextContentBlock>(Assert.Single(sleep.Content)).Text);
    }

    private Task<McpClient> ConnectAsync(McpTransport transport, McpClientOptions? options = null) =>
        SdkClients.ConnectAsync(transport, _fixture, _output, options);

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    /// <summary>Records progress synchronously (unlike <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
    private sealed class CollectingProgress : IProgress<ProgressNotificationValue>
    {
        public ConcurrentQueue<ProgressNotificationValue> Values { get; } = new();

        public void Report(ProgressNotificationValue value) => Values.Enqueue(value);
    }
}
