using Microsoft.Extensions.Logging;

namespace McpServer.Host;

/// <summary>What <c>mcp-server serve</c> was asked to do, after flags and environment are read.</summary>
public sealed record ServeSettings
{
    /// <summary>Address to bind. The default is 127.0.0.1 (loopback only).</summary>
    public string Host { get; init; } = HostConstants.DefaultHost;

    /// <summary>Port to bind; 0 picks a free one. The default is 3000.</summary>
    public int Port { get; init; } = HostConstants.DefaultPort;

    /// <summary>Built-in catalogues to serve. The default is <c>demo</c>.</summary>
    public IReadOnlyList<string> Catalogs { get; init; } = ["demo"];

    /// <summary>Speak MCP on stdin/stdout instead of HTTP.</summary>
    public bool Stdio { get; init; }

    /// <summary>The lowest level logged. The default is Information.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>"text" or "json".</summary>
    public string LogFormat { get; init; } = "text";

    /// <summary>
    /// Directory of the Data Protection key ring that seals multi-round-trip request state
    /// (2026-07-28); replicas given the same directory continue each other's exchanges. The
    /// default is <see langword="null"/>: a key that lives as long as the process.
    /// </summary>
    public string? KeyRing { get; init; }

    /// <summary>How long in-flight requests may run on after SIGTERM. The default is 30 seconds.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long, after SIGTERM, <c>/readyz</c> answers 503 while new requests are still served, before the
    /// listener closes and the drain begins. The default is zero: the listener closes at once.
    /// </summary>
    public TimeSpan ShutdownDelay { get; init; }

    /// <summary>How often the <c>METRICS</c> event is logged; zero turns it off. The default is 60 seconds.</summary>
    public TimeSpan MetricsInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether metrics are recorded (<c>telemetry.metrics</c>): /metrics, OTLP metrics, the METRICS event.</summary>
    public bool Metrics { get; init; } = true;

    /// <summary>The OTLP endpoint metrics and traces are exported to; <see langword="null"/>: none.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>The OTLP transport: <c>grpc</c> or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; init; } = "grpc";

    /// <summary>How often metrics are pushed over OTLP.</summary>
    public TimeSpan OtlpExportInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Share of requests without a client trace context that are traced, 0 to 100.</summary>
    public int TraceSamplePercent { get; init; } = 100;

    /// <summary>Where to write the process id once listening (removed at exit); <see langword="null"/>: nowhere.</summary>
    public string? PidFile { get; init; }

    /// <summary>How many applied versions of the configuration file are kept for rollback. The default is 10.</summary>
    public int ConfigHistory { get; init; } = Config.ConfigHistory.DefaultKeep;

    /// <summary>The configuration file read, or <see langword="null"/> for the built-in defaults.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The API keys file, watched while serving HTTP; <see langword="null"/>: no API keys (stdio, tests).</summary>
    public string? KeysFile { get; init; }

    /// <summary>The PEM certificate (chain) file for HTTPS; with <see cref="TlsKeyFile"/>, the server speaks HTTPS only.</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>The PEM private key file of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary>The OAuth authorization server whose access tokens are accepted; <see langword="null"/>: none.</summary>
    public string? OAuthIssuer { get; init; }

    /// <summary>This server's resource URL, the audience of accepted tokens.</summary>
    public string? OAuthAudience { get; init; }

    /// <summary>The authorization server's metadata URL, when not the issuer's OpenID configuration.</summary>
    public string? OAuthMetadataAddress { get; init; }

    /// <summary>Whether the issuer's metadata must come over HTTPS.</summary>
    public bool OAuthRequireHttpsMetadata { get; init; } = true;

    /// <summary>Whether to serve beyond loopback without API keys.</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Host names accepted in the Host header; <see langword="null"/>: by the bind address.</summary>
    public IReadOnlyList<string>? AllowedHosts { get; init; }

    /// <summary>Origins accepted besides loopback ones; <see langword="null"/>: none.</summary>
    public IReadOnlyList<string>? AllowedOrigins { get; init; }

    /// <summary>Failed authentications per client address and minute before 429; 0: no limit.</summary>
    public int AuthFailureLimit { get; init; } = 10;

    /// <summary>Resource limits and timeouts (the <c>limits</c> section of the configuration file).</summary>
    public ServeLimits Limits { get; init; } = new();

    /// <summary>
    /// Makes the settings again from a changed configuration file, with the same flags and environment
    /// on top (hot reload); <see langword="null"/> when they cannot be made.
    /// </summary>
    internal Func<Config.ConfigFile, ServeSettings?>? Rebuild { get; init; }

    /// <summary>The configuration file as it was read at start.</summary>
    internal Config.ConfigFile? ConfigFile { get; init; }
}

/// <summary>The <c>limits</c> section: every bound the server puts on a client.</summary>
public sealed record ServeLimits
{
    /// <summary>Connections open at once; more are answered 503 (<c>limits.maxConnections</c>).</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Largest POST body and stdio line (<c>limits.maxRequestBodyBytes</c>).</summary>
    public long MaxRequestBodyBytes { get; init; } = 4L * 1024 * 1024;
    /// <summary>Sessions held at once (<c>limits.maxSessions</c>).</summary>
    public int MaxSessions { get; init; } = 10_000;
    /// <summary>How long an unused session lives (<c>limits.sessionIdleTimeoutSeconds</c>).</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Requests in flight per session (<c>limits.maxInFlightPerSession</c>).</summary>
    public int MaxInFlightPerSession { get; init; } = 64;
    /// <summary>Events kept per session for resumption (<c>limits.sseReplayBufferEvents</c>).</summary>
    public int SseReplayBufferEvents { get; init; } = 128;
    /// <summary>Keep-alive comment interval on idle SSE streams (<c>limits.sseKeepAliveSeconds</c>).</summary>
    public TimeSpan SseKeepAlive { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Calls of one tool at once; 0 is no limit (<c>limits.maxConcurrentCallsPerTool</c>).</summary>
    public int MaxConcurrentCallsPerTool { get; init; }

    /// <summary>Requests per client and minute (0: no limit).</summary>
    public int RequestsPerMinutePerClient { get; init; }

    /// <summary>Calls per tool and minute (0: no limit).</summary>
    public int ToolCallsPerMinute { get; init; }

    /// <summary>How long a tool may run (<c>limits.toolTimeoutSeconds</c>).</summary>
    public TimeSpan ToolTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How long to wait for a client's answer (<c>limits.clientRequestTimeoutSeconds</c>).</summary>
    public TimeSpan ClientRequestTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How long a multi-round-trip requestState stays valid (<c>limits.requestStateLifetimeSeconds</c>).</summary>
    public TimeSpan RequestStateLifetime { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Requests slower than this are logged as SLOW_REQUEST (<c>limits.slowRequestMilliseconds</c>; zero: never).</summary>
    public TimeSpan SlowRequestThreshold { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Items per page of list results (<c>limits.pageSize</c>).</summary>
    public int PageSize { get; init; } = 100;
}

/// <summary>Host defaults and exit codes, in one place.</summary>
public static class HostConstants
{
    /// <summary>The default bind address: loopback, so nothing outside this machine can connect.</summary>
    public const string DefaultHost = "127.0.0.1";

    /// <summary>The default port.</summary>
    public const int DefaultPort = 3000;

    /// <summary>The MCP endpoint path.</summary>
    public const string McpPath = "/mcp";

    /// <summary>Exit code: the server ran and stopped cleanly.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code: an unexpected failure.</summary>
    public const int ExitFailure = 1;

    /// <summary>Exit code: bad command line or configuration.</summary>
    public const int ExitUsage = 2;

    /// <summary>Exit code: the port is already in use.</summary>
    public const int ExitPortInUse = 3;

    /// <summary>Exit code: the address cannot be bound (not on this machine, or no permission).</summary>
    public const int ExitBindFailed = 4;
}
