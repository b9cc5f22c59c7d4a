using McpServer.Engine;
using McpServer.Protocol;
using Microsoft.AspNetCore.Http;

namespace McpServer.AspNetCore;

/// <summary>Writes refusals as a JSON-RPC error body with the HTTP status a client expects.</summary>
internal static class HttpErrors
{
    /// <summary>Refusals that mean "too much at once, retry shortly": answered 429 with Retry-After.</summary>
    public static bool IsRetryLater(McpServer.Engine.RpcError? error) => error?.Reason is "too_many_in_flight" or "tool_busy" or "tool_rate_limited" or "rate_limited";

    /// <summary>The <c>Retry-After</c> seconds of a retry-later refusal: <c>data.retryAfterSeconds</c> when it says, else 1.</summary>
    public static string RetryAfter(McpServer.Engine.RpcError? error) =>
        error?.Data is { ValueKind: System.Text.Json.JsonValueKind.Object } data && data.TryGetProperty("retryAfterSeconds", out var seconds) && seconds.GetString() is { } text ? text : "1";

    public static async Task WriteAsync(HttpContext http, int status, JsonRpcId? id, RpcError error)
    {
        var response = http.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = status;
        McpMetrics.RecordRefusal(error.Reason ?? "error", error.Code);
        using var buffer = new PooledBufferWriter(256);
        JsonRpcWriter.WriteError(buffer, id, error);
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        Metrics.McpHttpMetrics.Sent(buffer.WrittenCount);
        await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
    }

    public static Task InvalidMessageAsync(HttpContext http, in InvalidMessage m) =>
        WriteAsync(http, m.HttpStatus, m.Id, new RpcError(McpErrorCode.InvalidMessage, m.Message, m.Reason, m.Field));

    public static Task InvalidMessageAsync(HttpContext http, int status, string reason, string message, string? field = null) =>
        WriteAsync(http, status, null, new RpcError(McpErrorCode.InvalidMessage, message, reason, field));
}
