using System.Diagnostics.Metrics;
using McpServer.Engine;

namespace McpServer.AspNetCore.Metrics;

/// <summary>
/// The HTTP transports' instruments, on the engine's meter (<c>McpServer</c>): message bytes in and
/// out. Refusals before dispatch are counted with the engine's error counter, under their reason.
/// </summary>
public static class McpHttpMetrics
{
    /// <summary>Bytes of MCP messages, tagged <c>network.io.direction</c>: <c>receive</c> (request bodies) or <c>transmit</c> (JSON bodies and SSE events); summed as they pass, read when collected.</summary>
    public static readonly ObservableCounter<long> Io = McpMetrics.Meter.CreateObservableCounter("mcp.server.io", Observe, "By", "Bytes of MCP messages read from request bodies and written as JSON bodies and SSE events on /mcp, /sse and /messages.");

    private static readonly KeyValuePair<string, object?> s_receive = new("network.io.direction", "receive");
    private static readonly KeyValuePair<string, object?> s_transmit = new("network.io.direction", "transmit");
    private static long s_received;
    private static long s_sent;

    internal static void Received(long bytes)
    {
        if (Io.Enabled)
        {
            Interlocked.Add(ref s_received, bytes);
        }
    }

    internal static void Sent(long bytes)
    {
        if (Io.Enabled)
        {
            Interlocked.Add(ref s_sent, bytes);
        }
    }

    private static Measurement<long>[] Observe() =>
        [new(Volatile.Read(ref s_received), s_receive), new(Volatile.Read(ref s_sent), s_transmit)];
}
