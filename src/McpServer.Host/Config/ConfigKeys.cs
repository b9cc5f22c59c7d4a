namespace McpServer.Host.Config;

/// <summary>The JSON type of a configuration value.</summary>
internal enum ConfigType
{
    String,
    Integer,
    StringArray,
    Boolean,
}

/// <summary>
/// One key of <c>mcp-server.json</c>: its path, type, default, range and the environment variable
/// and flag that override it. The table below is the single source of the validator, the published
/// JSON Schema and the table in docs/configuration.md (a test keeps the three in step).
/// </summary>
internal sealed record ConfigKey(string Path, ConfigType Type, object? Default, string Description)
{
    public string? Env { get; init; }

    public string? Flag { get; init; }

    public long? Min { get; init; }

    public long? Max { get; init; }

    public IReadOnlyList<string>? Allowed { get; init; }

    public string Section => Path[..Path.IndexOf('.', StringComparison.Ordinal)];

    public string Name => Path[(Path.IndexOf('.', StringComparison.Ordinal) + 1)..];
}

/// <summary>Every key <c>mcp-server.json</c> accepts.</summary>
internal static class ConfigKeys
{
    public const string FileName = "mcp-server.json";
    public const string ConfigEnv = "MCP_SERVER_CONFIG";

    public static readonly IReadOnlyList<ConfigKey> All =
    [
        new("server.host", ConfigType.String, HostConstants.DefaultHost, "Address to bind: 127.0.0.1 (this machine only), 0.0.0.0 (every IPv4 interface) or :: (every interface).") { Env = "MCP_SERVER_HOST", Flag = "--host" },
        new("server.port", ConfigType.Integer, (long)HostConstants.DefaultPort, "TCP port; 0 picks a free one.") { Env = "MCP_SERVER_PORT", Flag = "--port", Min = 0, Max = 65535 },
        new("server.catalogs", ConfigType.StringArray, new[] { "demo" }, "Built-in catalogues to serve.") { Flag = "--catalog", Allowed = ["demo", "conformance"] },
        new("server.keyRing", ConfigType.String, null, "Directory of the key ring that seals multi-round-trip request state (2026-07-28); the same for every replica.") { Env = "MCP_SERVER_KEY_RING", Flag = "--key-ring" },
        new("server.pidFile", ConfigType.String, null, "File to write the process id to once the server listens; removed when it stops.") { Env = "MCP_SERVER_PID_FILE", Flag = "--pid-file" },
        new("server.tlsCertificateFile", ConfigType.String, null, "PEM certificate (with its chain) for HTTPS; with server.tlsKeyFile the server speaks HTTPS only. Both files are watched: a renewed pair applies to new connections without restart.") { Env = "MCP_SERVER_TLS_CERT", Flag = "--tls-cert" },
        new("server.tlsKeyFile", ConfigType.String, null, "PEM private key of server.tlsCertificateFile (keep it mode 0600).") { Env = "MCP_SERVER_TLS_KEY", Flag = "--tls-key" },
        new("server.allowedHosts", ConfigType.StringArray, null, "Host names accepted in the Host header (DNS rebinding protection), e.g. [\"mcp.example.com\"]; others get 403 host_not_allowed. Default: the loopback names when bound to loopback, any host when bound beyond it."),
        new("server.allowedOrigins", ConfigType.StringArray, null, "Origins (scheme://host[:port]) accepted in the Origin header besides loopback origins; \"*\" accepts any. Others get 403 origin_not_allowed. Requests without Origin (non-browser clients) are not affected."),
        new("server.drainTimeoutSeconds", ConfigType.Integer, 30L, "On SIGTERM, how long in-flight requests may run on before the process exits.") { Min = 0, Max = 3600 },
        new("server.shutdownDelaySeconds", ConfigType.Integer, 0L, "On SIGTERM, how long /readyz answers 503 draining while new requests are still served, before the listener closes and the drain begins (like a Kubernetes preStop delay: load balancers stop sending first). 0: the listener closes at once.") { Min = 0, Max = 3600 },
        new("server.configHistory", ConfigType.Integer, (long)ConfigHistory.DefaultKeep, "How many applied versions of the configuration file are kept beside it (NAME.history/) for mcp-server config rollback; older ones are deleted.") { Min = 1, Max = 1000 },
        new("logging.level", ConfigType.String, "info", "Lowest level logged.") { Env = "MCP_LOG_LEVEL", Flag = "--log-level", Allowed = ["trace", "debug", "info", "warn", "error"] },
        new("logging.format", ConfigType.String, "text", "Log line format: text, or json (one object per line).") { Flag = "--log-format", Allowed = ["text", "json"] },
        new("logging.metricsIntervalSeconds", ConfigType.Integer, 60L, "How often the METRICS event logs request rate, p50/p99 latency, errors by reason, connections, sessions, memory, GC and CPU; 0 turns it off.") { Min = 0, Max = 86_400 },
        new("limits.maxConnections", ConfigType.Integer, 1000L, "Client connections open at once; one more is answered 503 with a JSON-RPC error (reason too_many_connections) and a CONNECTION_REJECTED event.") { Min = 1, Max = 1_000_000 },
        new("limits.maxRequestBodyBytes", ConfigType.Integer, 4L * 1024 * 1024, "Largest POST body (and stdio line); larger gets 413 and error 1001 body_too_large.") { Min = 1024, Max = 1L << 30 },
        new("limits.maxSessions", ConfigType.Integer, 10_000L, "Sessions held at once; more gets 503 too_many_sessions.") { Min = 1, Max = 10_000_000 },
        new("limits.sessionIdleTimeoutSeconds", ConfigType.Integer, 1800L, "A session unused this long (no request, no open stream) is ended.") { Min = 1, Max = 7 * 86400 },
        new("limits.maxInFlightPerSession", ConfigType.Integer, 64L, "Requests in flight per session; more gets HTTP 429 with -32600 too_many_in_flight and a LIMIT_REACHED event.") { Min = 1, Max = 100_000 },
        new("limits.sseReplayBufferEvents", ConfigType.Integer, 128L, "Events kept per session for resumption with Last-Event-ID; a client that resumes after older events gets what is kept, and SSE_REPLAY_INCOMPLETE is logged.") { Min = 0, Max = 100_000 },
        new("limits.sseKeepAliveSeconds", ConfigType.Integer, 15L, "An idle SSE stream gets a keep-alive comment this often.") { Min = 1, Max = 3600 },
        new("limits.maxConcurrentCallsPerTool", ConfigType.Integer, 0L, "Calls of one tool running at once; one more is answered HTTP 429 with -32000 tool_busy and a LIMIT_REACHED event. 0: no limit.") { Min = 0, Max = 100_000 },
        new("limits.requestsPerMinutePerClient", ConfigType.Integer, 0L, "Requests (POSTs) each client may send per minute: per API key, or per client address without one; a client may use its minute's allowance in a burst. More get HTTP 429 with -32000 rate_limited, Retry-After and a LIMIT_REACHED event. 0: no limit.") { Min = 0, Max = 10_000_000 },
        new("limits.toolCallsPerMinute", ConfigType.Integer, 0L, "Calls each tool may take per minute, across clients. More get HTTP 429 with -32000 tool_rate_limited, Retry-After and a LIMIT_REACHED event. 0: no limit.") { Min = 0, Max = 10_000_000 },
        new("limits.toolTimeoutSeconds", ConfigType.Integer, 60L, "A tool running longer is cancelled and the client gets -32003 tool_timeout.") { Min = 1, Max = 86_400 },
        new("limits.clientRequestTimeoutSeconds", ConfigType.Integer, 300L, "How long to wait for a client's answer to sampling, elicitation or roots (session revisions).") { Min = 1, Max = 86_400 },
        new("limits.requestStateLifetimeSeconds", ConfigType.Integer, 600L, "How long a multi-round-trip requestState stays valid (2026-07-28).") { Min = 10, Max = 86_400 },
        new("limits.slowRequestMilliseconds", ConfigType.Integer, 1000L, "A request that takes longer is logged as SLOW_REQUEST with its method, tool and duration; 0 turns the event off.") { Min = 0, Max = 3_600_000 },
        new("limits.pageSize", ConfigType.Integer, 100L, "Items per page of tools/list, resources/list, resources/templates/list and prompts/list.") { Min = 1, Max = 10_000 },
        new("auth.keysFile", ConfigType.String, null, "API keys file (created by 'mcp-server keys create'). As soon as it holds a key, every HTTP request must present one. Default: mcp-server.keys.json beside the configuration file, or in the working directory without one.") { Env = "MCP_SERVER_KEYS_FILE", Flag = "--keys-file" },
        new("auth.allowAnonymous", ConfigType.Boolean, false, "Serve on an address other machines can reach without API keys (when a proxy in front authenticates). Without it, such a start is refused with exit code 2; with it, every start logs SERVER_EXPOSED.") { Env = "MCP_SERVER_ALLOW_ANONYMOUS", Flag = "--allow-anonymous" },
        new("auth.oauthIssuer", ConfigType.String, null, "OAuth 2.1 authorization server whose JWT access tokens are accepted (with auth.oauthAudience): signature from its JWKS, found through its metadata; the token's scope claim maps to the key scopes. Serves /.well-known/oauth-protected-resource.") { Env = "MCP_SERVER_OAUTH_ISSUER" },
        new("auth.oauthAudience", ConfigType.String, null, "This server's resource URL as clients reach it (e.g. https://mcp.example.com/mcp): the audience tokens must carry.") { Env = "MCP_SERVER_OAUTH_AUDIENCE" },
        new("auth.oauthMetadataAddress", ConfigType.String, null, "The authorization server's metadata URL. Default: the issuer's /.well-known/openid-configuration.") { Env = "MCP_SERVER_OAUTH_METADATA" },
        new("auth.oauthRequireHttpsMetadata", ConfigType.Boolean, true, "Fetch the authorization server's metadata and keys over HTTPS only; false only for a test issuer on this machine."),
        new("auth.failureLimitPerMinute", ConfigType.Integer, 10L, "Failed authentications one client address may make per minute; more are answered 429 too_many_auth_failures until the minute passes. 0 turns this off.") { Min = 0, Max = 1_000_000 },
        new("telemetry.metrics", ConfigType.Boolean, true, "Record metrics: served at /metrics in the Prometheus text format (with authentication on, to a key or token with the admin scope), exported over OTLP when telemetry.otlpEndpoint is set, and read by the METRICS event and 'mcp-server status'. false records none (and turns the METRICS event off).") { Env = "MCP_SERVER_METRICS", Flag = "--no-metrics" },
        new("telemetry.otlpEndpoint", ConfigType.String, null, "OpenTelemetry collector to export metrics and traces to (one span per request), e.g. http://collector:4317 (grpc) or http://collector:4318 (http/protobuf). Unset: no export. The standard OTEL_* variables (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS) apply.") { Env = "OTEL_EXPORTER_OTLP_ENDPOINT", Flag = "--otlp-endpoint" },
        new("telemetry.otlpProtocol", ConfigType.String, "grpc", "OTLP transport: grpc, or http/protobuf.") { Env = "OTEL_EXPORTER_OTLP_PROTOCOL", Allowed = ["grpc", "http/protobuf"] },
        new("telemetry.otlpExportIntervalSeconds", ConfigType.Integer, 15L, "How often metrics are pushed to the OTLP endpoint.") { Min = 1, Max = 3600 },
        new("telemetry.traceSamplePercent", ConfigType.Integer, 100L, "Share of requests traced when the client sent no trace context (a client's sampled trace context is always followed). 0 traces only those.") { Min = 0, Max = 100 },
    ];

    public static ConfigKey? Find(string path) => All.FirstOrDefault(k => k.Path == path);

    public static IEnumerable<string> Sections => All.Select(k => k.Section).Distinct(StringComparer.Ordinal);
}
