namespace McpServer.AspNetCore;

/// <summary>Options of the HTTP transports.</summary>
public sealed class McpHttpOptions
{
    /// <summary>Gets or sets the largest request body accepted; a larger one gets HTTP 413 and error 1001.
    /// <value>The default is 4 MiB: far above any real tools/call, far below what hurts memory.</value></summary>
    public long MaxRequestBodySize { get; set; } = HttpConstants.DefaultMaxRequestBodySize;

    /// <summary>Gets or sets how often an idle SSE stream gets a comment line so proxies keep it open.
    /// <value>The default is 15 seconds, under the 30-60 s idle cut of common proxies.</value></summary>
    public TimeSpan SseKeepAliveInterval { get; set; } = HttpConstants.DefaultSseKeepAliveInterval;

    /// <summary>Gets or sets the <c>retry</c> hint sent in the priming event of each SSE stream.
    /// <value>The default is 1 second.</value></summary>
    public TimeSpan SseRetryInterval { get; set; } = HttpConstants.DefaultSseRetryInterval;

    /// <summary>Gets or sets how many SSE events per session are kept for resumption with <c>Last-Event-ID</c>.
    /// <value>The default is 128.</value></summary>
    public int SseReplayBufferSize { get; set; } = HttpConstants.DefaultSseReplayBufferSize;

    /// <summary>Gets or sets the host names accepted in the <c>Host</c> header (DNS rebinding protection);
    /// <see langword="null"/> accepts any host.
    /// <value>The default is the loopback names, for a server bound to loopback.</value></summary>
    public IList<string>? AllowedHosts { get; set; } = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>Gets or sets the origins accepted in the <c>Origin</c> header, besides loopback origins;
    /// <c>*</c> accepts any origin.
    /// <value>The default is none: only loopback origins (and requests without Origin) are accepted.</value></summary>
    public IList<string> AllowedOrigins { get; set; } = [];

    /// <summary>Gets or sets how many POSTs each client may send per minute (per API key, or per client
    /// address without one); more get 429 <c>rate_limited</c> with <c>Retry-After</c>.
    /// <value>The default is 0: no limit.</value></summary>
    public int RequestsPerMinutePerClient { get; set; }

    /// <summary>Gets or sets whether the legacy HTTP+SSE transport (2024-11-05) is served at /sse and /messages.
    /// <value>The default is <see langword="true"/>.</value></summary>
    public bool EnableLegacySse { get; set; } = true;
}

/// <summary>HTTP transport defaults, in one place.</summary>
internal static class HttpConstants
{
    public const long DefaultMaxRequestBodySize = 4 * 1024 * 1024;
    public static readonly TimeSpan DefaultSseKeepAliveInterval = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan DefaultSseRetryInterval = TimeSpan.FromSeconds(1);
    public const int DefaultSseReplayBufferSize = 128;
    public const string SessionIdHeader = "Mcp-Session-Id";
    public const string ProtocolVersionHeader = "MCP-Protocol-Version";
    public const string LastEventIdHeader = "Last-Event-ID";
}
