using System.Diagnostics;
using System.Diagnostics.Metrics;
using McpServer.Protocol;
using McpServer.Sessions;

namespace McpServer.Engine;

/// <summary>
/// The engine's instruments (<c>System.Diagnostics.Metrics</c>, meter <c>McpServer</c>). Anything that
/// listens to them (the host's periodic <c>METRICS</c> event and <c>mcp-server status</c>, or an
/// OpenTelemetry exporter) reads the same figures. docs/observability.md lists every one.
/// </summary>
/// <remarks>
/// Tags are bounded: a method name the server does not know is tagged <c>_OTHER</c>, and a tool is
/// tagged only once it was found in the catalogue, so a client cannot grow the number of series.
/// </remarks>
public static class McpMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "McpServer";

    /// <summary>The tag value of a method name the server does not know.</summary>
    public const string OtherMethod = "_OTHER";

    /// <summary>The meter.</summary>
    public static readonly Meter Meter = new(MeterName, typeof(McpMetrics).Assembly.GetName().Version?.ToString(3));

    // From 100 µs to a minute: a tools/call answered from memory takes tens of microseconds, a
    // tool that calls out takes seconds, and the tool timeout defaults to a minute.
    private static readonly IReadOnlyList<double> s_durationBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>How long each request took, in seconds, tagged <c>mcp.method.name</c>, <c>gen_ai.tool.name</c> (tools/call) and <c>outcome</c> (ok, error, cancelled).</summary>
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram(
        "mcp.server.request.duration", "s", "Duration of MCP requests, from dispatch to result.", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });

    /// <summary>Requests answered with an error, tagged <c>error.type</c> (the error's reason word) and <c>rpc.jsonrpc.error_code</c>.</summary>
    public static readonly Counter<long> Errors = Meter.CreateCounter<long>("mcp.server.request.errors", "{error}", "MCP requests answered with a JSON-RPC error, and requests refused before dispatch.");

    /// <summary>Tool calls, tagged <c>gen_ai.tool.name</c> and <c>outcome</c> (ok, tool_error, error, cancelled); counted on each tool, read when collected.</summary>
    public static readonly ObservableCounter<long> ToolCalls = Meter.CreateObservableCounter("mcp.server.tool.calls", ObserveToolCalls, "{call}", "tools/call requests of tools in the catalogue, by outcome.");

    /// <summary>Requests refused because a limit was reached, tagged <c>reason</c> (rate_limited, tool_rate_limited, tool_busy, too_many_in_flight, too_many_sessions, too_many_auth_failures, ...).</summary>
    public static readonly Counter<long> LimitRejections = Meter.CreateCounter<long>("mcp.server.limit.rejections", "{request}", "Requests and connections refused because a configured limit was reached.");

    /// <summary>Sessions opened (<c>initialize</c> on the session revisions).</summary>
    public static readonly Counter<long> SessionsOpened = Meter.CreateCounter<long>("mcp.server.sessions.opened", "{session}", "Sessions created by initialize.");

    /// <summary>Sessions held now, across every session table of the process.</summary>
    public static readonly ObservableUpDownCounter<int> ActiveSessions = Meter.CreateObservableUpDownCounter("mcp.server.sessions.active", ObserveSessions, "{session}", "Sessions held now.");

    private static readonly Lock s_tablesLock = new();
    private static readonly List<WeakReference<SessionManager>> s_tables = [];
    private static readonly List<WeakReference<McpServer.Catalog.McpCatalog>> s_catalogs = [];
    private static readonly string[] s_callOutcomes = ["ok", "tool_error", "error", "cancelled"];
    private static readonly object s_outcomeOk = "ok";
    private static readonly object s_outcomeError = "error";
    private static readonly object s_outcomeCancelled = "cancelled";

    /// <summary>Counts a request refused before dispatch (malformed, unauthenticated, over a limit) under its reason and code.</summary>
    public static void RecordRefusal(string reason, int code)
    {
        if (Errors.Enabled)
        {
            Errors.Add(1, new KeyValuePair<string, object?>("error.type", reason), new KeyValuePair<string, object?>("rpc.jsonrpc.error_code", ErrorCodeTag(code)));
        }
    }

    /// <summary>Counts a request or connection refused by a limit, under its reason (also an error of that reason and code).</summary>
    public static void RecordLimit(string reason, int code)
    {
        CountLimit(reason);
        RecordRefusal(reason, code);
    }

    /// <summary>Counts a limit reached whose error the request's own outcome counts.</summary>
    public static void CountLimit(string reason)
    {
        if (LimitRejections.Enabled)
        {
            LimitRejections.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>The tag value for a method: its name when the server knows it, else <see cref="OtherMethod"/>.</summary>
    public static string MethodTag(string method) => McpMethods.IsKnown(method) ? method : OtherMethod;

    internal static void Track(SessionManager sessions)
    {
        lock (s_tablesLock)
        {
            s_tables.RemoveAll(static w => !w.TryGetTarget(out _));
            s_tables.Add(new WeakReference<SessionManager>(sessions));
        }
    }

    internal static void Track(McpServer.Catalog.McpCatalog catalog)
    {
        lock (s_tablesLock)
        {
            s_catalogs.RemoveAll(static w => !w.TryGetTarget(out _));
            if (s_catalogs.Exists(w => w.TryGetTarget(out var known) && ReferenceEquals(known, catalog)))
            {
                return;
            }

            s_catalogs.Add(new WeakReference<McpServer.Catalog.McpCatalog>(catalog));
        }
    }

    private static List<Measurement<long>> ObserveToolCalls()
    {
        var measurements = new List<Measurement<long>>();
        lock (s_tablesLock)
        {
            foreach (var reference in s_catalogs)
            {
                if (!reference.TryGetTarget(out var catalog))
                {
                    continue;
                }

                foreach (var tool in catalog.Tools)
                {
                    for (var i = 0; i < s_callOutcomes.Length; i++)
                    {
                        if (Volatile.Read(ref tool.Calls[i]) is > 0 and var count)
                        {
                            measurements.Add(new Measurement<long>(count, new KeyValuePair<string, object?>("gen_ai.tool.name", tool.Name), new KeyValuePair<string, object?>("outcome", s_callOutcomes[i])));
                        }
                    }
                }
            }
        }

        return measurements;
    }

    private static int ObserveSessions()
    {
        var total = 0;
        lock (s_tablesLock)
        {
            foreach (var table in s_tables)
            {
                if (table.TryGetTarget(out var sessions))
                {
                    total += sessions.Count;
                }
            }
        }

        return total;
    }

    internal static void RecordRequest(string method, McpServer.Catalog.ToolDefinition? definition, TimeSpan elapsed, RpcError? error, bool cancelled, bool toolError)
    {
        var tool = definition?.Name;
        var outcome = cancelled ? s_outcomeCancelled : error is null ? s_outcomeOk : s_outcomeError;
        if (RequestDuration.Enabled)
        {
            var tags = new TagList
            {
                { "mcp.method.name", MethodTag(method) },
                { "outcome", outcome },
            };
            if (tool is not null)
            {
                tags.Add("gen_ai.tool.name", tool);
            }

            RequestDuration.Record(elapsed.TotalSeconds, tags);
        }

        if (definition is not null && ToolCalls.Enabled)
        {
            Interlocked.Increment(ref definition.Calls[cancelled ? 3 : error is not null ? 2 : toolError ? 1 : 0]);
        }

        if (error is not null && !cancelled && Errors.Enabled)
        {
            Errors.Add(1, new KeyValuePair<string, object?>("error.type", error.Reason ?? "error"), new KeyValuePair<string, object?>("rpc.jsonrpc.error_code", ErrorCodeTag(error.Code)));
        }
    }

    // The codes the server sends, boxed once; another code is boxed when it happens.
    private static readonly (int Code, object Boxed)[] s_codes = Array.ConvertAll(
        [McpErrorCode.ParseError, McpErrorCode.InvalidRequest, McpErrorCode.MethodNotFound, McpErrorCode.InvalidParams, McpErrorCode.InternalError, -32000, -32001, -32002, -32003, -32020, -32021, -32022, 1001, 1002],
        static c => (c, (object)c.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static object ErrorCodeTag(int code)
    {
        foreach (var (c, boxed) in s_codes)
        {
            if (c == code)
            {
                return boxed;
            }
        }

        return code.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
