using System.Text.Json.Serialization.Metadata;

namespace McpServer.Engine;

/// <summary>What a request handler produced: a value with its serializer metadata, or an error.</summary>
public readonly struct RpcResult
{
    private RpcResult(object? value, JsonTypeInfo? typeInfo, RpcError? error)
    {
        Value = value;
        TypeInfo = typeInfo;
        Error = error;
    }

    /// <summary>The result value.</summary>
    public object? Value { get; }

    /// <summary>Source-generated metadata for <see cref="Value"/>.</summary>
    public JsonTypeInfo? TypeInfo { get; }

    /// <summary>The error, when the request failed.</summary>
    public RpcError? Error { get; }

    /// <summary>Whether the client cancelled the request (no response is due).</summary>
    public bool IsCancelled => ReferenceEquals(Error, RpcError.Cancelled);

    /// <summary>A successful result.</summary>
    public static RpcResult Ok<T>(T value, JsonTypeInfo<T> typeInfo) where T : notnull => new(value, typeInfo, null);

    /// <summary>A failed result.</summary>
    public static RpcResult Fail(RpcError error) => new(null, null, error);
}

/// <summary>A JSON-RPC error.</summary>
/// <param name="Code">JSON-RPC or MCP code.</param>
/// <param name="Message">Message for the client.</param>
/// <param name="Reason">Stable machine word for <c>data.reason</c>.</param>
/// <param name="Field">The offending field, for <c>data.field</c>.</param>
public sealed record RpcError(int Code, string Message, string? Reason = null, string? Field = null)
{
    /// <summary>More members for <c>error.data</c> (an object), or <see langword="null"/>.</summary>
    public System.Text.Json.JsonElement? Data { get; init; }

    /// <summary>The request was cancelled by the client.</summary>
    public static readonly RpcError Cancelled = new(-32800, "Request cancelled.", "cancelled");
}
