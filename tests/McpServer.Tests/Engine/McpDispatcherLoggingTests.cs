using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;
using McpServer.Tests.TestUtilities;
using Microsoft.Extensions.Logging;

namespace McpServer.Tests.Engine;

// Event names are a public contract (docs/errors.md): these tests pin id, name and level.
public sealed class McpDispatcherLoggingTests : IDisposable
{
    private readonly DispatcherHarness _harness = new(new McpServerOptions { ToolTimeout = TimeSpan.FromMilliseconds(50) });

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Initialize_LogsSessionInitialized()
    {
        var session = await _harness.NewInitializedSessionAsync("2025-03-26");

        var record = Assert.Single(_harness.Logs.Named("SESSION_INITIALIZED"));
        Assert.Equal(103, record.EventId.Id);
        Assert.Equal(LogLevel.Information, record.Level);
        Assert.Equal($"Session {session.Id} initialized: revision 2025-03-26, client unit-test 1.2.3.", record.Message);
    }

    [Fact]
    public async Task Request_LogsMessageReceivedAndSent()
    {
        var session = _harness.NewSession();

        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.Ping, id: "4"));

        Assert.Equal(100, Assert.Single(_harness.Logs.Named("MESSAGE_RECEIVED")).EventId.Id);
        var sent = Assert.Single(_harness.Logs.Named("MESSAGE_SENT"));
        Assert.Equal(101, sent.EventId.Id);
        Assert.Equal(LogLevel.Debug, sent.Level);
    }

    [Fact]
    public async Task Request_MessageSentGivesTheResponseSizeAndOrigin_StatelessSessionIsNamedStateless()
    {
        var session = _harness.NewSession();
        // What a 2026-07-28 request runs in: a session of no id.
        var stateless = new McpSession(string.Empty, "stateless", 0) { Revision = ProtocolRevision.V2026_07_28 };

        RequestOrigin.Set("test-transport", 41);
        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.Ping, id: "4"));
        RequestOrigin.Set("test-transport", 41);
        _harness.Dispatcher.OnNotification(stateless, new JsonRpcEnvelope { Kind = JsonRpcMessageKind.Notification, Method = McpMethods.NotificationInitialized });

        // {"jsonrpc":"2.0","id":4,"result":{}}
        Assert.Matches($@"^Sent the response to ping \(id 4, 36 bytes\) in session {System.Text.RegularExpressions.Regex.Escape(session.Id)} on connection test-transport from -: result after \d+\.\d\d ms\.$", Assert.Single(_harness.Logs.Named("MESSAGE_SENT")).Message);
        Assert.Contains(_harness.Logs.Named("MESSAGE_RECEIVED"), r => r.Message.Contains("in session stateless on connection test-transport", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RequestAnsweredWithAnError_LogsMessageSentWithTheCode()
    {
        var session = await _harness.NewInitializedSessionAsync();

        await _harness.CallToolAsync(session, "no_such_tool");

        Assert.Contains(_harness.Logs.Named("MESSAGE_SENT"), r => r.Message.StartsWith("Sent the response to tools/call (id ", StringComparison.Ordinal) && r.Message.Contains(": error -32602 after ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ToolThrows_LogsErrorToolWithTheException()
    {
        _harness.AddTool("boom", static (_, _) => throw new InvalidOperationException("kaput"));
        var session = await _harness.NewInitializedSessionAsync();

        Wire.AssertResult(await _harness.CallToolAsync(session, "boom"));

        var record = Assert.Single(_harness.Logs.Named("ERROR_TOOL"));
        Assert.Equal(105, record.EventId.Id);
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Equal("kaput", record.Exception?.Message);
        Assert.Empty(_harness.Logs.Named("ERROR_INTERNAL"));
    }

    [Fact]
    public async Task ToolTimesOut_LogsErrorTimeout()
    {
        _harness.AddTool("slow", static async (ctx, _) =>
        {
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return CallToolResult.FromText("never");
        });
        var session = await _harness.NewInitializedSessionAsync();

        await _harness.CallToolAsync(session, "slow").WaitAsync(TestTimeouts.Default);

        var record = Assert.Single(_harness.Logs.Named("ERROR_TIMEOUT"));
        Assert.Equal(104, record.EventId.Id);
        Assert.Equal(LogLevel.Information, record.Level);
        Assert.Matches($@"^Tool slow \(tools/call id \S+\) in session {System.Text.RegularExpressions.Regex.Escape(session.Id)} on connection \S+ from \S+ timed out after 0\.05 s and was cancelled\.$", record.Message);
    }

    [Fact]
    public async Task HandlerFails_LogsErrorInternalWithTheException()
    {
        _harness.Catalog.AddPrompt(new PromptDefinition(new Prompt { Name = "broken" }, static (_, _) => throw new InvalidOperationException("secret")));
        var session = await _harness.NewInitializedSessionAsync();

        await _harness.RequestAsync(session, McpMethods.PromptsGet, """{"name":"broken"}""");

        var record = Assert.Single(_harness.Logs.Named("ERROR_INTERNAL"));
        Assert.Equal(102, record.EventId.Id);
        Assert.Equal(LogLevel.Error, record.Level);
        Assert.Equal("secret", record.Exception?.Message);
    }

    [Fact]
    public async Task InvalidMessage_LogsErrorParse()
    {
        var session = _harness.NewSession();

        await _harness.Dispatcher.ProcessAsync(session, Wire.Utf8("""{"jsonrpc":"1.0","id":1,"method":"ping"}"""), new CapturingSink(), null, CancellationToken.None);

        var record = Assert.Single(_harness.Logs.Named("ERROR_PARSE"));
        Assert.Equal(107, record.EventId.Id);
        Assert.Matches(@"^Refused a message \(40 bytes\) on connection \S+ from \S+: invalid_field: ", record.Message);
    }

    [Fact]
    public void SessionLimit_LogsErrorSessionLimit()
    {
        using var harness = new DispatcherHarness(sessionOptions: new SessionOptions { MaxSessions = 1 });

        harness.NewSession();
        Assert.Null(harness.Sessions.TryCreate("streamable-http"));

        var record = Assert.Single(harness.SessionLogs.Named("ERROR_SESSION_LIMIT"));
        Assert.Equal(202, record.EventId.Id);
        Assert.Equal(LogLevel.Warning, record.Level);
    }

    [Fact]
    public void SessionLifecycle_LogsCreatedAndEnded()
    {
        var session = _harness.NewSession("sse");
        _harness.Sessions.End(session, "deleted by client");

        Assert.Equal($"Session {session.Id} created on sse.", Assert.Single(_harness.SessionLogs.Named("SESSION_CREATED")).Message);
        Assert.Equal($"Session {session.Id} ended: deleted by client.", Assert.Single(_harness.SessionLogs.Named("SESSION_ENDED")).Message);
    }
}
