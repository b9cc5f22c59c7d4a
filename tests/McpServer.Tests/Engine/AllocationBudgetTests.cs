using System.Text;
using McpServer.Engine;
using McpServer.Host.Catalogs;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Engine;

/// <summary>
/// Allocation budgets of the hot path (envelope, dispatch of the demo echo tool, response writing).
/// Allocated bytes are deterministic where times are not: a change that makes a step allocate more
/// than its budget fails here, and benchmarks/README.md records why each budget is what it is.
/// </summary>
public sealed class AllocationBudgetTests : IDisposable
{
    private const int Rounds = 2_000;

    private static readonly byte[] s_sessionCall = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":12345,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}""");
    private static readonly byte[] s_statelessCall = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":12345,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""");

    private readonly McpServer.Catalog.McpCatalog _catalog = new();
    private readonly McpServer.Sessions.SessionManager _sessions;
    private readonly McpDispatcher _dispatcher;

    public AllocationBudgetTests()
    {
        // As the server runs at its default level (INFO): no DEBUG message events are formatted.
        BuiltInCatalogs.TryAdd("demo", _catalog, TimeProvider.System);
        _sessions = new McpServer.Sessions.SessionManager(null, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<McpServer.Sessions.SessionManager>.Instance, sweep: false);
        _dispatcher = new McpDispatcher(_catalog, _sessions, null, Microsoft.Extensions.Logging.Abstractions.NullLogger<McpDispatcher>.Instance);
    }

    public void Dispose() => _sessions.Dispose();

    // Bytes allocated on this thread per run of `step`, after a warm-up (first-call caches, tiering).
    private static double BytesPerRound(Action step)
    {
        for (var i = 0; i < 200; i++)
        {
            step();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Rounds; i++)
        {
            step();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Rounds;
    }

    [Fact]
    public void EnvelopeReader_AllocatesNothing()
    {
        var json = s_statelessCall.AsMemory();

        var bytes = BytesPerRound(() => Assert.True(JsonRpcEnvelopeReader.TryRead(json, out _, out _)));

        Assert.True(bytes <= 0, $"reading an envelope allocated {bytes:F0} bytes; budget 0");
    }

    [Fact]
    public async Task SessionToolCall_DispatchAndResponse_StayWithinBudget()
    {
        var session = _sessions.TryCreate("streamable-http")!;
        Assert.True(JsonRpcEnvelopeReader.TryRead(Encoding.UTF8.GetBytes(Wire.Request("\"init\"", McpMethods.Initialize, DispatcherHarness.InitializeParams("2025-11-25"))), out var initialize, out _));
        Assert.Null((await _dispatcher.ExecuteAsync(session, initialize, null, null, CancellationToken.None)).Error);
        using var output = new PooledBufferWriter(1024);

        var bytes = BytesPerRound(() =>
        {
            Assert.True(JsonRpcEnvelopeReader.TryRead(s_sessionCall, out var envelope, out _));
            var result = _dispatcher.ExecuteAsync(session, envelope, null, null, CancellationToken.None);
            Assert.True(result.IsCompletedSuccessfully);
            output.Clear();
            JsonRpcWriter.WriteResponse(output, envelope.Id, result.Result);
        });

        // Measured: 352 bytes (the request context, the tool's result and its text block); budget with ~15 % room.
        Assert.True(bytes <= 400, $"a session tools/call (dispatch and response) allocated {bytes:F0} bytes; budget 400");
    }

    [Fact]
    public void StatelessToolCall_DispatchAndResponse_StayWithinBudget()
    {
        using var output = new PooledBufferWriter(1024);

        var bytes = BytesPerRound(() =>
        {
            Assert.True(JsonRpcEnvelopeReader.TryRead(s_statelessCall, out var envelope, out _));
            var meta = StatelessRequestMeta.Read(envelope.Params);
            Assert.Null(StatelessRequests.CheckMeta(meta));
            Assert.Null(StatelessRequests.CheckVersion(meta, "MCP-Protocol-Version", out var revision));
            var session = StatelessRequests.CreateSession(meta, revision, null, 0, "stateless");
            var result = _dispatcher.ExecuteAsync(session, envelope, null, null, CancellationToken.None);
            Assert.True(result.IsCompletedSuccessfully);
            output.Clear();
            JsonRpcWriter.WriteStatelessResponse(output, envelope.Id, result.Result, null, null);
        });

        // Measured: 504 bytes, the request-scoped session besides the session call's objects; budget with ~15 % room.
        Assert.True(bytes <= 580, $"a stateless tools/call (meta, dispatch and response) allocated {bytes:F0} bytes; budget 580");
    }
}
