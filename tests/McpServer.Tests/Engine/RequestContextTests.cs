using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Engine;

public sealed class RequestContextTests : IDisposable
{
    private readonly DispatcherHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task SampleAsync_NoSamplingCapability_ThrowsCapabilityMissing()
    {
        var context = NewContext(_harness.NewSession(), null);

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => context.SampleAsync(new CreateMessageRequestParams()));

        Assert.Equal(McpErrorCode.InvalidRequest, ex.Code);
        Assert.Equal("capability_missing", ex.Reason);
    }

    [Fact]
    public async Task ElicitAsync_NoElicitationCapability_ThrowsCapabilityMissing()
    {
        var session = await _harness.NewInitializedSessionAsync(capabilities: """{"sampling":{},"roots":{}}""");
        var context = NewContext(session, null);

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => context.ElicitAsync(new ElicitRequestParams()));

        Assert.Equal("capability_missing", ex.Reason);
    }

    [Fact]
    public async Task ListRootsAsync_NoRootsCapability_ThrowsCapabilityMissing()
    {
        var session = await _harness.NewInitializedSessionAsync(capabilities: """{"sampling":{},"elicitation":{}}""");
        var context = NewContext(session, null);

        var ex = await Assert.ThrowsAsync<McpProtocolException>(() => context.ListRootsAsync());

        Assert.Equal("capability_missing", ex.Reason);
    }

    [Fact]
    public async Task LogAsync_NoSinkAnywhere_CompletesWithoutSending()
    {
        var context = NewContext(_harness.NewSession(), null);

        await context.LogAsync(LoggingLevel.Error, "lost");

        Assert.False(context.HasProgressToken);
    }

    [Fact]
    public async Task LogAsync_RelatedAndOutbound_PrefersRelated()
    {
        var (related, outbound) = (new CapturingSink(), new CapturingSink());
        var session = _harness.NewSession();
        session.Outbound = outbound;
        var context = NewContext(session, related);

        await context.LogAsync(LoggingLevel.Info, "hello");

        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hello"}}""", Assert.Single(related.Messages));
        Assert.Empty(outbound.Messages);
    }

    [Fact]
    public async Task ReportProgressAsync_NoToken_SendsNothing()
    {
        var sink = new CapturingSink();
        var context = NewContext(_harness.NewSession(), sink);

        await context.ReportProgressAsync(1, 1, "done");

        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task SendRequestAsync_CallerCancels_ThrowsOperationCanceled()
    {
        var sink = new CapturingSink();
        var context = NewContext(_harness.NewSession(), sink);
        using var cts = new CancellationTokenSource();

        var pending = context.SendRequestAsync<EmptyResult>("vendor/ask", null, null, cts.Token);
        await sink.WaitForMethodAsync("vendor/ask");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TestTimeouts.Default));
    }

    [Fact]
    public void CloseStream_PlainSink_DoesNothing()
    {
        var sink = new CapturingSink();
        var context = NewContext(_harness.NewSession(), sink);

        context.CloseStream();

        Assert.Empty(sink.Messages);
    }

    private RequestContext NewContext(McpSession session, IMcpMessageSink? related) =>
        new(_harness.Dispatcher, session, new JsonRpcId(1), McpMethods.ToolsCall, default, related, null);
}
