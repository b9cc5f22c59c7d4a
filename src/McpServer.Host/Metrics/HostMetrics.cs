using System.Diagnostics.Metrics;
using McpServer.Engine;

namespace McpServer.Host.Metrics;

/// <summary>
/// The host's instruments, on the engine's meter (<c>McpServer</c>): open connections and
/// configuration reloads. docs/observability.md lists them with the engine's and the transports'.
/// </summary>
internal static class HostMetrics
{
    private static Func<int>? s_connections;

    /// <summary>Client connections open now.</summary>
    public static readonly ObservableUpDownCounter<int> ActiveConnections = McpMetrics.Meter.CreateObservableUpDownCounter(
        "mcp.server.connections.active", static () => s_connections?.Invoke() ?? 0, "{connection}", "Client connections open now (HTTP).");

    /// <summary>Configuration reloads, tagged <c>outcome</c>: applied, invalid (did not validate) or apply_failed (validated, could not be applied).</summary>
    public static readonly Counter<long> ConfigReloads = McpMetrics.Meter.CreateCounter<long>(
        "mcp.server.config.reloads", "{reload}", "Configuration file changes (and SIGHUPs) that changed something, by outcome.");

    /// <summary>Where <see cref="ActiveConnections"/> reads from.</summary>
    public static void ObserveConnections(Func<int> connections) => s_connections = connections;

    public static void Reload(string outcome)
    {
        if (ConfigReloads.Enabled)
        {
            ConfigReloads.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }
}
