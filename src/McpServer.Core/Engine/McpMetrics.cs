using System.Diagnostics.Metrics;

namespace McpServer.Engine;

/// <summary>
/// The engine's instruments (<c>System.Diagnostics.Metrics</c>, meter <c>McpServer</c>). Anything that
/// listens to them (the host's periodic <c>METRICS</c> event and <c>mcp-server status</c>, or an
/// OpenTelemetry exporter) reads the same figures.
/// </summary>
public static class McpMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "McpServer";

    /// <summary>The meter.</summary>
    public static readonly Meter Meter = new(MeterName, typeof(McpMetrics).Assembly.GetName().Version?.ToString(3));

    /// <summary>How long each request took, in seconds, tagged <c>mcp.method.name</c>.</summary>
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>("mcp.server.request.duration", "s", "Duration of MCP requests, from dispatch to result.");

    /// <summary>Requests answered with an error, tagged <c>error.type</c> (the error's reason word).</summary>
    public static readonly Counter<long> Errors = Meter.CreateCounter<long>("mcp.server.request.errors", "{error}", "MCP requests answered with a JSON-RPC error.");

    /// <summary>Counts a request refused before dispatch (authentication, rate limit) under its reason.</summary>
    public static void RecordRefusal(string reason)
    {
        if (Errors.Enabled)
        {
            Errors.Add(1, new KeyValuePair<string, object?>("error.type", reason));
        }
    }

    internal static void RecordRequest(string method, TimeSpan elapsed, RpcError? error)
    {
        if (RequestDuration.Enabled)
        {
            RequestDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("mcp.method.name", method));
        }

        if (error is not null && Errors.Enabled)
        {
            Errors.Add(1, new KeyValuePair<string, object?>("error.type", error.Reason ?? "error"));
        }
    }
}
