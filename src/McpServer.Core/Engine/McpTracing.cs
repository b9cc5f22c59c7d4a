using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using McpServer.Protocol;
using McpServer.Sessions;

namespace McpServer.Engine;

/// <summary>
/// The engine's traces: one <see cref="Activity"/> per request (source <c>McpServer</c>, kind
/// server), named <c>{method}</c> or <c>tools/call {tool}</c>. Its parent is the W3C trace context
/// the client sent in <c>params._meta</c> (<c>traceparent</c>, <c>tracestate</c>), else in the
/// HTTP request's <c>traceparent</c>/<c>tracestate</c> headers. Without a listener (no tracing
/// configured) nothing is created and nothing is parsed.
/// </summary>
public static class McpTracing
{
    /// <summary>The activity source's name.</summary>
    public const string SourceName = "McpServer";

    /// <summary>The activity source.</summary>
    public static readonly ActivitySource Source = new(SourceName, typeof(McpTracing).Assembly.GetName().Version?.ToString(3));

    private static ReadOnlySpan<byte> MetaKey => "_meta"u8;

    private static ReadOnlySpan<byte> TraceParentKey => "traceparent"u8;

    private static ReadOnlySpan<byte> TraceStateKey => "tracestate"u8;

    /// <summary>Creates (does not start) the request's activity, or returns <see langword="null"/> when nobody listens or it is not sampled.</summary>
    internal static Activity? Create(McpSession session, string method, JsonRpcId id, ReadOnlyMemory<byte> parameters)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var (parent, state) = FromMeta(parameters.Span);
        if (parent is null)
        {
            (parent, state) = RequestOrigin.CurrentTraceContext();
        }

        ActivityContext.TryParse(parent, state, isRemote: true, out var parentContext);
        var methodTag = McpMetrics.MethodTag(method);
        var activity = Source.CreateActivity(methodTag, ActivityKind.Server, parentContext);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("mcp.method.name", methodTag);
        activity.SetTag("jsonrpc.request.id", id.ToString().Trim('"'));
        if (session.IsInitialized && !ProtocolRevisions.IsStateless(session.Revision))
        {
            activity.SetTag("mcp.session.id", session.Id);
        }

        if (session.Revision != ProtocolRevision.None)
        {
            activity.SetTag("mcp.protocol.version", ProtocolRevisions.ToWire(session.Revision));
        }

        return activity;
    }

    /// <summary>Ends the request's activity with its tool, outcome and error.</summary>
    internal static void Complete(Activity activity, string? tool, RpcError? error, bool cancelled, bool toolError)
    {
        if (tool is not null)
        {
            activity.DisplayName = McpMethods.ToolsCall + " " + tool;
            activity.SetTag("gen_ai.tool.name", tool);
            activity.SetTag("gen_ai.operation.name", "execute_tool");
        }

        if (cancelled)
        {
            activity.SetTag("error.type", "cancelled");
            activity.SetStatus(ActivityStatusCode.Error, "cancelled");
        }
        else if (error is not null)
        {
            activity.SetTag("error.type", error.Reason ?? "error");
            activity.SetTag("rpc.jsonrpc.error_code", error.Code.ToString(CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
        }
        else if (toolError)
        {
            activity.SetTag("error.type", "tool_error");
            activity.SetStatus(ActivityStatusCode.Error, "the tool returned isError");
        }

        activity.Stop();
    }

    // params._meta.traceparent / tracestate, read only when a listener wants the activity.
    private static (string? Parent, string? State) FromMeta(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty)
        {
            return (null, null);
        }

        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMeta = reader.ValueTextEquals(MetaKey);
                reader.Read();
                if (!isMeta || reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                string? parent = null, state = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isParent = reader.ValueTextEquals(TraceParentKey);
                    var isState = !isParent && reader.ValueTextEquals(TraceStateKey);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && (isParent || isState))
                    {
                        if (isParent)
                        {
                            parent = reader.GetString();
                        }
                        else
                        {
                            state = reader.GetString();
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                return (parent, state);
            }
        }
        catch (JsonException)
        {
            // The envelope reader accepted these params; a handler reports what is wrong with them.
        }

        return (null, null);
    }
}
