using System.Text.Json;
using McpServer.Protocol;
using McpServer.Sessions;

namespace McpServer.Engine;

/// <summary>
/// The checks every transport makes on a 2026-07-28 request's <c>_meta</c>, and the request-scoped
/// session it is served on. HTTP adds its header checks around these, in the order the
/// specification's conformance cases require.
/// </summary>
internal static class StatelessRequests
{
    /// <summary>-32602 when <c>_meta</c> or one of its required members is missing.</summary>
    public static RpcError? CheckMeta(in StatelessRequestMeta meta)
    {
        var missing = !meta.HasMeta ? "params._meta"
            : meta.ProtocolVersion is null ? $"params._meta[\"{StatelessRequestMeta.ProtocolVersionKey}\"]"
            : meta.ClientCapabilities.IsEmpty ? $"params._meta[\"{StatelessRequestMeta.ClientCapabilitiesKey}\"]"
            : null;
        return missing is null ? null
            : new RpcError(McpErrorCode.InvalidParams, $"{missing} is required on every request without a session: the protocol version (a string) and the client capabilities (an object).", "missing_meta", missing);
    }

    /// <summary>-32022 with the supported list when the requested revision is not served statelessly.</summary>
    public static RpcError? CheckVersion(in StatelessRequestMeta meta, string field, out ProtocolRevision revision)
    {
        if (ProtocolRevisions.TryParseStateless(meta.ProtocolVersion, out revision))
        {
            return null;
        }

        var data = JsonSerializer.SerializeToElement(new Dictionary<string, JsonElement>
        {
            ["supported"] = JsonSerializer.SerializeToElement(ProtocolRevisions.SupportedStateless.ToArray(), McpJsonContext.Default.StringArray),
            ["requested"] = JsonSerializer.SerializeToElement(meta.ProtocolVersion!, McpJsonContext.Default.String),
        }, McpJsonContext.Default.DictionaryStringJsonElement);
        return new RpcError(McpErrorCode.UnsupportedProtocolVersion, $"Unsupported protocol version '{meta.ProtocolVersion}'. Supported without sessions: {string.Join(", ", ProtocolRevisions.SupportedStateless)}; with sessions (initialize): {string.Join(", ", ProtocolRevisions.Supported)}.", "unsupported_protocol_version", field)
        {
            Data = data,
        };
    }

    /// <summary>-32602 when the log level in <c>_meta</c> is not one of the eight.</summary>
    public static RpcError? CheckLogLevel(in StatelessRequestMeta meta, out LoggingLevel? level)
    {
        level = null;
        if (!meta.HasLogLevel)
        {
            return null;
        }

        if (meta.LogLevel is { } text && TryParseLevel(text, out var parsed))
        {
            level = parsed;
            return null;
        }

        return new RpcError(McpErrorCode.InvalidParams, $"params._meta[\"{StatelessRequestMeta.LogLevelKey}\"] must be one of debug, info, notice, warning, error, critical, alert, emergency.", "invalid_field", StatelessRequestMeta.LogLevelKey);
    }

    /// <summary>Whether a result of <paramref name="method"/> carries the caching fields <c>ttlMs</c> and <c>cacheScope</c>.</summary>
    public static bool IsCacheable(string method) => method is McpMethods.ServerDiscover or McpMethods.ToolsList or McpMethods.PromptsList
        or McpMethods.ResourcesList or McpMethods.ResourcesTemplatesList or McpMethods.ResourcesRead;

    /// <summary>A session object that lives for one request only: it is never put in the session table.</summary>
    public static McpSession CreateSession(in StatelessRequestMeta meta, ProtocolRevision revision, LoggingLevel? level, long now, string transport) =>
        new(string.Empty, transport, now)
        {
            Revision = revision,
            ClientCapabilities = s_capabilities.Parse(meta.ClientCapabilities.Span),
            ClientInfo = meta.ClientInfo.IsEmpty ? null : s_clientInfo.Parse(meta.ClientInfo.Span),
            LogLevel = level,
        };

    // A client sends the same capabilities and identity on every request: parsed once, shared read-only.
    private static readonly SharedJsonValues<ClientCapabilities> s_capabilities = new(McpJsonContext.Default.ClientCapabilities);
    private static readonly SharedJsonValues<Implementation> s_clientInfo = new(McpJsonContext.Default.Implementation);

    private static bool TryParseLevel(string value, out LoggingLevel level)
    {
        level = value switch
        {
            "debug" => LoggingLevel.Debug,
            "info" => LoggingLevel.Info,
            "notice" => LoggingLevel.Notice,
            "warning" => LoggingLevel.Warning,
            "error" => LoggingLevel.Error,
            "critical" => LoggingLevel.Critical,
            "alert" => LoggingLevel.Alert,
            "emergency" => LoggingLevel.Emergency,
            _ => (LoggingLevel)(-1),
        };
        return (int)level >= 0;
    }
}
