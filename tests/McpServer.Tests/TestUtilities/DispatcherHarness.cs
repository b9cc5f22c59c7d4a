using System.Text.Json;
using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;

namespace McpServer.Tests.TestUtilities;

/// <summary>A catalogue, a session table without a sweeper and an engine over them, driven with raw messages.</summary>
internal sealed class DispatcherHarness : IDisposable
{
    public DispatcherHarness(McpServerOptions? options = null, SessionOptions? sessionOptions = null, TimeProvider? time = null)
    {
        Sessions = new SessionManager(sessionOptions, time, SessionLogs, sweep: false);
        Dispatcher = new McpDispatcher(Catalog, Sessions, options, Logs);
    }

    /// <summary>What the engine logged.</summary>
    public CapturingLogger<McpDispatcher> Logs { get; } = new();

    /// <summary>What the session table logged.</summary>
    public CapturingLogger<SessionManager> SessionLogs { get; } = new();

    public McpCatalog Catalog { get; } = new();

    public SessionManager Sessions { get; }

    public McpDispatcher Dispatcher { get; }

    public McpSession NewSession(string transport = "streamable-http") =>
        Sessions.TryCreate(transport) ?? throw new InvalidOperationException("The session table is full.");

    /// <summary>A session that answered <c>initialize</c> with <paramref name="protocolVersion"/>.</summary>
    public async Task<McpSession> NewInitializedSessionAsync(string protocolVersion = "2025-11-25", string capabilities = "{}", IMcpMessageSink? outbound = null)
    {
        var session = NewSession();
        session.Outbound = outbound;
        var response = await RequestAsync(session, McpMethods.Initialize, InitializeParams(protocolVersion, capabilities), id: "\"init\"");
        Wire.AssertResult(response);
        return session;
    }

    /// <summary>A request-scoped 2026-07-28 session, as the HTTP and stdio transports make for each request.</summary>
    public McpSession NewStatelessSession(string capabilities = """{"elicitation":{},"sampling":{},"roots":{}}""") =>
        new(string.Empty, "stateless", Sessions.Now)
        {
            Revision = ProtocolRevision.V2026_07_28,
            ClientCapabilities = JsonSerializer.Deserialize(capabilities, McpJsonContext.Default.ClientCapabilities),
        };

    public static string InitializeParams(string protocolVersion, string capabilities = "{}") =>
        $$$"""{"protocolVersion":"{{{protocolVersion}}}","capabilities":{{{capabilities}}},"clientInfo":{"name":"unit-test","version":"1.2.3"}}""";

    /// <summary>Runs one request and returns what the engine produced.</summary>
    public Task<RpcResult> ExecuteAsync(McpSession session, string method, string? paramsJson = null, string id = "1", IMcpMessageSink? related = null, CancellationToken aborted = default)
    {
        var envelope = Wire.Read(Wire.Request(id, method, paramsJson));
        return Dispatcher.ExecuteAsync(session, envelope, related, null, aborted).AsTask();
    }

    /// <summary>Runs one request and returns the response as it would go on the wire.</summary>
    public async Task<JsonElement> RequestAsync(McpSession session, string method, string? paramsJson = null, string id = "1", IMcpMessageSink? related = null)
    {
        var envelope = Wire.Read(Wire.Request(id, method, paramsJson));
        var result = await Dispatcher.ExecuteAsync(session, envelope, related, null, CancellationToken.None);
        return Wire.Response(envelope.Id, result);
    }

    /// <summary>Calls a tool and returns the response.</summary>
    public Task<JsonElement> CallToolAsync(McpSession session, string name, string? argumentsJson = null, string id = "1", IMcpMessageSink? related = null) =>
        RequestAsync(session, McpMethods.ToolsCall, argumentsJson is null ? $$"""{"name":"{{name}}"}""" : $$"""{"name":"{{name}}","arguments":{{argumentsJson}}}""", id, related);

    public void AddTool(string name, ToolHandler handler) => Catalog.AddTool(new ToolDefinition(new Tool { Name = name }, handler));

    public void Notify(McpSession session, string method, string? paramsJson = null) =>
        Dispatcher.OnNotification(session, Wire.Read(Wire.Notification(method, paramsJson)));

    public void Dispose() => Sessions.Dispose();
}
