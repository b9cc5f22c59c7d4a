using McpServer.Protocol;

namespace McpServer.Engine;

/// <summary>Options of the protocol engine.</summary>
public sealed class McpServerOptions
{
    /// <summary>Gets or sets the name and version the server reports.
    /// <value>The default is <c>mcp-server</c> with the assembly version.</value></summary>
    public Implementation ServerInfo { get; set; } = new()
    {
        Name = "mcp-server",
        Title = "mcp-server",
        Version = typeof(McpServerOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
    };

    /// <summary>Gets or sets instructions returned by <c>initialize</c>.
    /// <value>The default is <see langword="null"/>.</value></summary>
    public string? Instructions { get; set; }

    /// <summary>Gets or sets the number of items on one page of a list result.
    /// <value>The default is 100: large enough that small catalogues fit on one page.</value></summary>
    public int PageSize { get; set; } = EngineConstants.DefaultPageSize;

    /// <summary>Gets or sets how long a tool may run before it is cancelled and the client gets a timeout error.
    /// <value>The default is 60 seconds.</value></summary>
    public TimeSpan ToolTimeout { get; set; } = EngineConstants.DefaultToolTimeout;

    /// <summary>Gets or sets how long the server waits for a client's answer to sampling, elicitation or roots.
    /// <value>The default is 5 minutes: elicitation waits on a person.</value></summary>
    public TimeSpan ClientRequestTimeout { get; set; } = EngineConstants.DefaultClientRequestTimeout;

    /// <summary>Gets or sets the most requests one session may have in flight.
    /// <value>The default is 64.</value></summary>
    public int MaxInFlightPerSession { get; set; } = EngineConstants.DefaultMaxInFlightPerSession;

    /// <summary>
    /// Gets or sets what seals the <c>requestState</c> of multi-round-trip requests (2026-07-28).
    /// Replicas that continue each other's exchanges need the same keys.
    /// <value>The default is <see langword="null"/>: a random key for the life of the process.</value></summary>
    public IRequestStateProtector? RequestStateProtector { get; set; }

    /// <summary>Gets or sets how long a <c>requestState</c> stays valid after the server issued it.
    /// <value>The default is 10 minutes: long enough for a person to answer, short enough to bound replay.</value></summary>
    public TimeSpan RequestStateLifetime { get; set; } = EngineConstants.DefaultRequestStateLifetime;

    /// <summary>Gets or sets how many calls of one tool may run at once; more are refused with -32000 <c>tool_busy</c> (HTTP 429).
    /// <value>The default is 0: no limit.</value></summary>
    public int MaxConcurrentCallsPerTool { get; set; }

    /// <summary>Gets or sets how many times a minute each tool may be called (across clients); more are refused
    /// with -32000 <c>tool_rate_limited</c> (HTTP 429 with <c>Retry-After</c>).
    /// <value>The default is 0: no limit.</value></summary>
    public int ToolCallsPerMinute { get; set; }

    /// <summary>Gets or sets how long a request may take before it is logged as <c>SLOW_REQUEST</c> (with method, tool and duration).
    /// <value>The default is 1 second; <see cref="TimeSpan.Zero"/> turns the event off.</value></summary>
    public TimeSpan SlowRequestThreshold { get; set; } = EngineConstants.DefaultSlowRequestThreshold;

    /// <summary>Gets or sets the clock the engine reads (expiry of request state).
    /// <value>The default is <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>Engine defaults, in one place.</summary>
internal static class EngineConstants
{
    public const int DefaultPageSize = 100;
    public static readonly TimeSpan DefaultToolTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultClientRequestTimeout = TimeSpan.FromMinutes(5);
    public const int DefaultMaxInFlightPerSession = 64;
    public static readonly TimeSpan DefaultRequestStateLifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan DefaultSlowRequestThreshold = TimeSpan.FromSeconds(1);
}
