using System.IO.Pipelines;
using System.Text;
using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;
using McpServer.Stdio;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Stdio;

public sealed class StdioTransportTests : IDisposable
{
    private static readonly TimeSpan s_drain = TimeSpan.FromSeconds(10);
    private readonly DispatcherHarness _harness = new();
    private readonly LineCollectingStream _output = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task RunAsync_RequestLines_AreAnsweredOneLineEach()
    {
        var input = Lines(
            Wire.Request("1", McpMethods.Initialize, DispatcherHarness.InitializeParams("2025-06-18")),
            Wire.Notification(McpMethods.NotificationInitialized),
            Wire.Request("2", McpMethods.Ping));

        await RunAsync(input);
        var init = await _output.Lines.WaitForResponseAsync(1);
        var ping = await _output.Lines.WaitForResponseAsync(2);

        Assert.Equal("2025-06-18", Wire.AssertResult(init).GetProperty("protocolVersion").GetString());
        Assert.Equal("""{"jsonrpc":"2.0","id":2,"result":{}}""", ping.GetRawText());
        Assert.Equal(2, _output.Lines.Messages.Count);
        Assert.EndsWith("}\n", _output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BlankLines_AreIgnored()
    {
        var input = new MemoryStream(Wire.Utf8("\n   \n\t\r\n\r\n" + Wire.Request("1", McpMethods.Ping) + "\n\n \n"));

        await RunAsync(input);
        await _output.Lines.WaitForResponseAsync(1);

        Assert.Single(_output.Lines.Messages);
    }

    [Fact]
    public async Task RunAsync_CrLfLines_AreRead()
    {
        var input = new MemoryStream(Wire.Utf8(Wire.Request("1", McpMethods.Ping) + "\r\n" + Wire.Request("2", McpMethods.Ping) + "\r\n"));

        await RunAsync(input);

        Wire.AssertResult(await _output.Lines.WaitForResponseAsync(1));
        Wire.AssertResult(await _output.Lines.WaitForResponseAsync(2));
    }

    [Fact]
    public async Task RunAsync_LastLineWithoutNewline_IsRead()
    {
        var input = new MemoryStream(Wire.Utf8(Wire.Request("1", McpMethods.Ping) + "\r"));

        await RunAsync(input);

        Wire.AssertResult(await _output.Lines.WaitForResponseAsync(1));
    }

    [Fact]
    public async Task RunAsync_InvalidLine_IsAnsweredAndReadingContinues()
    {
        var input = Lines("not json", """{"jsonrpc":"2.0","id":7}""", Wire.Request("2", McpMethods.Ping));

        await RunAsync(input);
        var ping = await _output.Lines.WaitForResponseAsync(2);
        var missingMethod = await _output.Lines.WaitForResponseAsync(7);
        var invalidJson = await _output.Lines.WaitForAsync(e => e.GetProperty("id").ValueKind == System.Text.Json.JsonValueKind.Null);

        Wire.AssertResult(ping);
        Wire.AssertError(missingMethod, McpErrorCode.InvalidMessage, "missing_field");
        Wire.AssertError(invalidJson, McpErrorCode.InvalidMessage, "invalid_json");
    }

    [Fact]
    public async Task RunAsync_OversizedLine_IsBodyTooLargeThenReadingContinues()
    {
        var input = new Pipe();
        var run = StdioTransport.RunAsync(_harness.Dispatcher, input.Reader.AsStream(), _output, s_drain, CancellationToken.None, maxMessageSize: 64);

        await input.Writer.WriteAsync(Wire.Utf8(new string('x', 100)));
        var tooLarge = await _output.Lines.WaitForAsync(_ => true);
        await input.Writer.WriteAsync(Wire.Utf8(new string('y', 200) + "\n" + Wire.Request("2", McpMethods.Ping) + "\n"));
        var ping = await _output.Lines.WaitForResponseAsync(2);
        await input.Writer.CompleteAsync();
        await run.WaitAsync(TestTimeouts.Default);

        var error = Wire.AssertError(tooLarge, McpErrorCode.InvalidMessage, "body_too_large");
        Assert.Contains("64 bytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("null", tooLarge.GetProperty("id").GetRawText());
        Wire.AssertResult(ping);
        Assert.Equal(2, _output.Lines.Messages.Count);
    }

    [Fact]
    public async Task RunAsync_CompleteOversizedLineInOneRead_IsBodyTooLarge()
    {
        var line = Wire.Request("1", McpMethods.Ping, $$"""{"pad":"{{new string('x', 60)}}"}""");
        Assert.True(line.Length > 64);

        await StdioTransport.RunAsync(_harness.Dispatcher, new MemoryStream(Wire.Utf8(line + "\n")), _output, s_drain, CancellationToken.None, maxMessageSize: 64);
        var first = await _output.Lines.WaitForAsync(_ => true);

        Wire.AssertError(first, McpErrorCode.InvalidMessage, "body_too_large");
    }

    [Fact]
    public async Task RunAsync_EndOfInput_WaitsForRequestsInFlight()
    {
        var (started, release) = AddBlockingTool();
        var input = new Pipe();
        var reader = new EndSignallingStream(input.Reader.AsStream());
        var run = StdioTransport.RunAsync(_harness.Dispatcher, reader, _output, s_drain, CancellationToken.None);

        await input.Writer.WriteAsync(Wire.Utf8(Wire.Request("1", McpMethods.Initialize, DispatcherHarness.InitializeParams("2025-11-25")) + "\n" + Wire.Request("2", McpMethods.ToolsCall, """{"name":"wait"}""") + "\n"));
        await started.Task.WaitAsync(TestTimeouts.Default);
        await input.Writer.CompleteAsync();
        await reader.EndReached.Task.WaitAsync(TestTimeouts.Default);
        var returnedEarly = run.IsCompleted;
        release.SetResult();
        await run.WaitAsync(TestTimeouts.Default);
        var response = await _output.Lines.WaitForResponseAsync(2);

        Assert.False(returnedEarly);
        Assert.Equal("released", Wire.AssertResult(response).GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(0, _harness.Sessions.Count);
    }

    [Fact]
    public async Task RunAsync_DrainTimeoutElapses_EndsSessionAndCancelsTheRequest()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _harness.AddTool("wait", async (ctx, _) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            }
            finally
            {
                cancelled.TrySetResult();
            }

            return CallToolResult.FromText("never");
        });
        var input = new Pipe();
        var run = StdioTransport.RunAsync(_harness.Dispatcher, input.Reader.AsStream(), _output, TimeSpan.Zero, CancellationToken.None);

        await input.Writer.WriteAsync(Wire.Utf8(Wire.Request("1", McpMethods.Initialize, DispatcherHarness.InitializeParams("2025-11-25")) + "\n" + Wire.Request("2", McpMethods.ToolsCall, """{"name":"wait"}""") + "\n"));
        await started.Task.WaitAsync(TestTimeouts.Default);
        await input.Writer.CompleteAsync();
        await run.WaitAsync(TestTimeouts.Default);
        await cancelled.Task.WaitAsync(TestTimeouts.Default);

        Assert.Equal(0, _harness.Sessions.Count);
    }

    [Fact]
    public async Task RunAsync_EndOfInput_ReturnsOnlyAfterTheLastResponseIsWritten()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _output.BeforeWrite = async data =>
        {
            if (Encoding.UTF8.GetString(data.Span).Contains("\"id\":2", StringComparison.Ordinal))
            {
                blocked.TrySetResult();
                await gate.Task;
            }
        };
        var input = Lines(Wire.Request("1", McpMethods.Ping), Wire.Request("2", McpMethods.Ping));

        var run = StdioTransport.RunAsync(_harness.Dispatcher, input, _output, s_drain, CancellationToken.None);
        await blocked.Task.WaitAsync(TestTimeouts.Default);
        using var fallback = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        using var registration = fallback.Token.Register(() => gate.TrySetResult());
        await run.WaitAsync(TestTimeouts.Default);
        var textWhenRunReturned = _output.Text;
        gate.TrySetResult();

        Assert.Contains("\"id\":2", textWhenRunReturned, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CatalogChanges_AreWrittenAsNotifications()
    {
        var input = new Pipe();
        var run = StdioTransport.RunAsync(_harness.Dispatcher, input.Reader.AsStream(), _output, s_drain, CancellationToken.None);

        await input.Writer.WriteAsync(Wire.Utf8(Wire.Request("1", McpMethods.Initialize, DispatcherHarness.InitializeParams("2025-11-25")) + "\n"));
        await _output.Lines.WaitForResponseAsync(1);
        _harness.AddTool("late", static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));
        var notification = await _output.Lines.WaitForMethodAsync(McpMethods.NotificationToolsListChanged);
        await input.Writer.CompleteAsync();
        await run.WaitAsync(TestTimeouts.Default);

        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}""", notification.GetRawText());
    }

    [Fact]
    public async Task RunAsync_Cancelled_StopsAndEndsTheStdioSession()
    {
        var ended = new List<McpSession>();
        _harness.Sessions.SessionEnded += ended.Add;
        var input = new Pipe();
        using var stop = new CancellationTokenSource();
        var run = StdioTransport.RunAsync(_harness.Dispatcher, input.Reader.AsStream(), _output, s_drain, stop.Token);

        await input.Writer.WriteAsync(Wire.Utf8(Wire.Request("1", McpMethods.Ping) + "\n"));
        await _output.Lines.WaitForResponseAsync(1);
        await stop.CancelAsync();
        await run.WaitAsync(TestTimeouts.Default);

        Assert.Equal("stdio", Assert.Single(ended).Transport);
        Assert.Equal(0, _harness.Sessions.Count);
    }

    [Fact]
    public async Task RunAsync_SessionTableFull_Throws()
    {
        using var harness = new DispatcherHarness(sessionOptions: new SessionOptions { MaxSessions = 0 });

        await Assert.ThrowsAsync<InvalidOperationException>(() => StdioTransport.RunAsync(harness.Dispatcher, new MemoryStream(), _output, s_drain, CancellationToken.None));
    }

    private Task RunAsync(Stream input) =>
        StdioTransport.RunAsync(_harness.Dispatcher, input, _output, s_drain, CancellationToken.None).WaitAsync(TestTimeouts.Default);

    private static MemoryStream Lines(params string[] lines) => new(Wire.Utf8(string.Join("\n", lines) + "\n"));

    private (TaskCompletionSource Started, TaskCompletionSource Release) AddBlockingTool()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _harness.AddTool("wait", async (ctx, _) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ctx.CancellationToken);
            return CallToolResult.FromText("released");
        });
        return (started, release);
    }
}
