using System.Diagnostics.Metrics;
using McpServer.Engine;

namespace McpServer.AspNetCore.Metrics;

/// <summary>
/// The HTTP transports' instruments, on the engine's meter (<c>McpServer</c>): message bytes in and
/// out. Refusals before dispatch are counted with the engine's error counter, under their reason.
/// </summary>
public static class McpHttpMetrics
{
    /// <summary>Bytes of MCP messages, tagged <c>network.io.direction</c>: <c>receive</c> (request bodies) or <c>transmit</c> (JSON bodies and SSE events).</summary>
    public static readonly Counter<long> Io = McpMetrics.Meter.CreateCounter<long>("mcp.server.io", "By", "Bytes of MCP messages read from request bodies and written as JSON bodies and SSE events on /mcp, /sse and /messages.");

    private static readonly KeyValuePair<string, object?> s_receive = new("network.io.direction", "receive");
    private static readonly KeyValuePair<string, object?> s_transmit = new("network.io.direction", "transmit");

    internal static void Received(long bytes)
    {
        if (Io.Enabled)
        {
            Io.Add(bytes, s_receive);
        }
    }

    internal static void Sent(long bytes)
    {
        if (Io.Enabled)
        {
            Io.Add(bytes, s_transmit);
        }
    }
}
