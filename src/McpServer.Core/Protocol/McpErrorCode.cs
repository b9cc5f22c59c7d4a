namespace McpServer.Protocol;

/// <summary>Error codes this server returns. See docs/errors.md for every code, reason and fix.</summary>
public static class McpErrorCode
{
    /// <summary>The seed operator guide's code for a malformed message (bad JSON, missing field, wrong structure, oversized body).</summary>
    public const int InvalidMessage = 1001;
    /// <summary>The seed operator guide's code for an authentication failure.</summary>
    public const int AuthenticationFailed = 1002;
    /// <summary>JSON-RPC: invalid JSON was received (used only inside well-formed envelopes, e.g. a client's result).</summary>
    public const int ParseError = -32700;
    /// <summary>JSON-RPC: the request is not a valid request object (duplicate id, wrong phase).</summary>
    public const int InvalidRequest = -32600;
    /// <summary>JSON-RPC: the method does not exist.</summary>
    public const int MethodNotFound = -32601;
    /// <summary>JSON-RPC: invalid method parameters (unknown tool or prompt, missing argument).</summary>
    public const int InvalidParams = -32602;
    /// <summary>JSON-RPC: internal error.</summary>
    public const int InternalError = -32603;
    /// <summary>Server-defined: the request was refused by the transport (session, origin, limits).</summary>
    public const int ServerError = -32000;
    /// <summary>Server-defined: the session does not exist or has ended.</summary>
    public const int SessionNotFound = -32001;
    /// <summary>MCP: the resource does not exist.</summary>
    public const int ResourceNotFound = -32002;
    /// <summary>MCP 2026-07-28: an <c>Mcp-*</c> header is missing or does not match the body.</summary>
    public const int HeaderMismatch = -32020;
    /// <summary>MCP 2026-07-28: the request needs a client capability it did not declare.</summary>
    public const int MissingRequiredClientCapability = -32021;
    /// <summary>MCP 2026-07-28: the requested protocol version is not supported.</summary>
    public const int UnsupportedProtocolVersion = -32022;
    /// <summary>Server-defined: the request was cancelled or timed out.</summary>
    public const int RequestTimeout = -32003;
}
