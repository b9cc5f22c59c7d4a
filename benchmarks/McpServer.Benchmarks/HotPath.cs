using System.Text;
using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Host.Catalogs;
using McpServer.Protocol;
using McpServer.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpServer.Benchmarks;

/// <summary>
/// The engine's hot-path operations, driven without sockets: an engine over the demo catalogue,
/// as the server runs it at its default log level (no DEBUG message events are formatted).
/// The micro benchmarks time these operations and the allocation-budget unit tests
/// (tests/McpServer.Tests/Engine/AllocationBudgetTests.cs, which compile this file too) hold
/// their bytes allocated per operation, so the reports and the budgets measure the same code.
/// </summary>
internal sealed class HotPath : IDisposable
{
    /// <summary>A session <c>tools/call echo</c>, byte for byte as the load harness sends it (benchmarks/lib/echo.lua, first request).</summary>
    public static readonly byte[] SessionCall = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1000000001,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}""");

    /// <summary>The same call on revision 2026-07-28: no session, <c>_meta</c> on the request.</summary>
    public static readonly byte[] StatelessCall = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1000000001,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""");

    /// <summary>The harness's <c>initialize</c> (lib/mcp.sh, sessions.mjs) on revision 2025-11-25.</summary>
    public static readonly byte[] InitializeRequest = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"peers-bench","version":"1.0.0"}}}""");

    /// <summary>The notification that completes the handshake.</summary>
    public static readonly byte[] InitializedNotification = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");

    private readonly McpCatalog _catalog = new();
    private readonly SessionManager _sessions;
    private readonly McpDispatcher _dispatcher;
    private readonly PooledBufferWriter _output = new(1024);
    private readonly McpSession _session;
    private readonly JsonRpcEnvelope _sessionCall;
    private readonly JsonRpcEnvelope _statelessCall;
    private readonly RpcResult _echoResult;

    public HotPath()
    {
        if (!BuiltInCatalogs.TryAdd("demo", _catalog, TimeProvider.System))
        {
            throw new InvalidOperationException("The demo catalogue is missing.");
        }

        _sessions = new SessionManager(null, TimeProvider.System, NullLogger<SessionManager>.Instance, sweep: false);
        _dispatcher = new McpDispatcher(_catalog, _sessions, null, NullLogger<McpDispatcher>.Instance);
        _session = Handshake(out _);
        _sessionCall = Read(SessionCall);
        _statelessCall = Read(StatelessCall);
        _echoResult = DispatchSessionCall();
    }

    /// <summary>Sessions held by the table (the handshake ends each session it opens).</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>What the last write produced.</summary>
    public ReadOnlySpan<byte> Written => _output.WrittenSpan;

    // ---- envelope reader

    /// <summary>Reads the session <c>tools/call</c> envelope.</summary>
    public JsonRpcId ReadSessionCall() => Read(SessionCall).Id;

    /// <summary>Reads the 2026-07-28 <c>tools/call</c> envelope (a larger <c>params</c>, skipped as raw bytes).</summary>
    public JsonRpcId ReadStatelessCall() => Read(StatelessCall).Id;

    // ---- dispatch (envelope already read, nothing written)

    /// <summary>Runs the read session call through the dispatcher to the echo tool's result.</summary>
    public RpcResult DispatchSessionCall() => Completed(_dispatcher.ExecuteAsync(_session, _sessionCall, null, null, CancellationToken.None));

    /// <summary>Checks the read stateless call's <c>_meta</c>, makes its request-scoped session and dispatches it.</summary>
    public RpcResult DispatchStatelessCall() => DispatchStateless(_statelessCall);

    // ---- result writing (a ready echo result)

    /// <summary>Writes the echo result as a JSON-RPC response.</summary>
    public int WriteToolCallResponse()
    {
        _output.Clear();
        JsonRpcWriter.WriteResponse(_output, _sessionCall.Id, _echoResult);
        return _output.WrittenCount;
    }

    /// <summary>Writes the echo result as a 2026-07-28 response (<c>resultType</c> first).</summary>
    public int WriteStatelessToolCallResponse()
    {
        _output.Clear();
        JsonRpcWriter.WriteStatelessResponse(_output, _statelessCall.Id, _echoResult, null, null);
        return _output.WrittenCount;
    }

    // ---- a whole request: envelope, dispatch, response

    /// <summary>A session <c>tools/call echo</c> from its bytes to its response.</summary>
    public int SessionToolCall()
    {
        var envelope = Read(SessionCall);
        var result = Completed(_dispatcher.ExecuteAsync(_session, envelope, null, null, CancellationToken.None));
        _output.Clear();
        JsonRpcWriter.WriteResponse(_output, envelope.Id, result);
        return _output.WrittenCount;
    }

    /// <summary>A 2026-07-28 <c>tools/call echo</c> from its bytes to its response.</summary>
    public int StatelessToolCall()
    {
        var envelope = Read(StatelessCall);
        var result = DispatchStateless(envelope);
        _output.Clear();
        JsonRpcWriter.WriteStatelessResponse(_output, envelope.Id, result, null, null);
        return _output.WrittenCount;
    }

    // ---- a session's handshake

    /// <summary>
    /// Opens a session, answers its <c>initialize</c>, takes <c>notifications/initialized</c> and
    /// ends the session again (so the table stays the same size from one round to the next).
    /// </summary>
    public int InitializeHandshake()
    {
        var session = Handshake(out var written);
        _sessions.End(session, "closed");
        return written;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _output.Dispose();
        _sessions.Dispose();
    }

    private McpSession Handshake(out int written)
    {
        var session = _sessions.TryCreate("streamable-http") ?? throw new InvalidOperationException("The session table is full.");
        var initialize = Read(InitializeRequest);
        var result = Completed(_dispatcher.ExecuteAsync(session, initialize, null, null, CancellationToken.None));
        _output.Clear();
        JsonRpcWriter.WriteResponse(_output, initialize.Id, result);
        written = _output.WrittenCount;
        _dispatcher.OnNotification(session, Read(InitializedNotification));
        if (!session.IsInitialized)
        {
            throw new InvalidOperationException("The handshake did not initialize the session.");
        }

        return session;
    }

    private RpcResult DispatchStateless(JsonRpcEnvelope envelope)
    {
        var meta = StatelessRequestMeta.Read(envelope.Params);
        if (StatelessRequests.CheckMeta(meta) is { } missing)
        {
            throw new InvalidOperationException($"The stateless call was refused: {missing.Message}");
        }

        if (StatelessRequests.CheckVersion(meta, "MCP-Protocol-Version", out var revision) is { } unsupported)
        {
            throw new InvalidOperationException($"The stateless call was refused: {unsupported.Message}");
        }

        var session = StatelessRequests.CreateSession(meta, revision, null, 0, "stateless");
        return Completed(_dispatcher.ExecuteAsync(session, envelope, null, null, CancellationToken.None));
    }

    private static JsonRpcEnvelope Read(byte[] json) =>
        JsonRpcEnvelopeReader.TryRead(json, out var envelope, out var invalid)
            ? envelope
            : throw new InvalidOperationException($"The message was refused: {invalid.Reason}: {invalid.Message}");

    // The echo tool answers at once: a call that does not complete synchronously is a change to look at.
    private static RpcResult Completed(ValueTask<RpcResult> pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The call did not complete synchronously.");
        }

        var result = pending.Result;
        return result.Error is { } error ? throw new InvalidOperationException($"The call failed: {error.Message}") : result;
    }
}
