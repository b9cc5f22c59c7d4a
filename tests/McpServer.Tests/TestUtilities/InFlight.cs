using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;

namespace McpServer.Tests.TestUtilities;

/// <summary>Registers a request as in flight in a session the way the engine does, with a source the test owns.</summary>
internal static class InFlight
{
    private static readonly McpDispatcher s_dispatcher = new(new McpCatalog(), new SessionManager(sweep: false));

    public static bool TryAdd(McpSession session, JsonRpcId id, CancellationTokenSource source)
    {
        var context = new RequestContext(s_dispatcher, session, id, McpMethods.ToolsCall, default, null, null);
        if (!session.TryAddInFlight(id, context))
        {
            return false;
        }

        context.Attach(source);
        return true;
    }
}
