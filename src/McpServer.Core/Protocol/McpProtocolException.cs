namespace McpServer.Protocol;

/// <summary>
/// A protocol error that becomes a JSON-RPC error response. Its message reaches the client,
/// so it must never carry secrets.
/// </summary>
public sealed class McpProtocolException : Exception
{
    /// <summary>Creates an error with a JSON-RPC code, a message for the client and an optional stable reason word.</summary>
    public McpProtocolException(int code, string message, string? reason = null) : base(message)
    {
        Code = code;
        Reason = reason;
    }

    /// <summary>The JSON-RPC error code.</summary>
    public int Code { get; }

    /// <summary>A stable machine word for <c>error.data.reason</c>, or <see langword="null"/>.</summary>
    public string? Reason { get; }

    /// <summary>More members for <c>error.data</c> (an object), or <see langword="null"/>.</summary>
    public System.Text.Json.JsonElement? ErrorData { get; init; }

    /// <summary>The offending field, for <c>error.data.field</c>, or <see langword="null"/>.</summary>
    public string? Field { get; init; }

    /// <summary>An unknown-name error for tools, prompts and similar.</summary>
    public static McpProtocolException InvalidParams(string message, string reason = "invalid_params") => new(McpErrorCode.InvalidParams, message, reason);
}
