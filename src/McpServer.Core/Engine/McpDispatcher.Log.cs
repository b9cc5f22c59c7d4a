using McpServer.Protocol;
using Microsoft.Extensions.Logging;

namespace McpServer.Engine;

// Event names are a public contract (the operator guide names them): never rename, only add.
// Ids 100-199: engine. Next free id: 115 (107 is in McpDispatcher.Sink.cs).
public sealed partial class McpDispatcher
{
    [LoggerMessage(100, LogLevel.Debug, "Received {Method} (id {RequestId}, {Bytes} bytes) in session {SessionId} on connection {ConnectionId} from {ClientAddress}.", EventName = "MESSAGE_RECEIVED")]
    private static partial void LogMessageReceived(ILogger logger, SessionLabel sessionId, string method, JsonRpcId? requestId, string connectionId, string clientAddress, long bytes);

    [LoggerMessage(101, LogLevel.Debug, "Sent the response to {Method} (id {RequestId}, {Bytes} bytes) in session {SessionId} on connection {ConnectionId} from {ClientAddress}: {Outcome} after {DurationMs:0.00} ms.", EventName = "MESSAGE_SENT")]
    private static partial void LogMessageSent(ILogger logger, SessionLabel sessionId, string method, JsonRpcId requestId, long bytes, string connectionId, string clientAddress, string outcome, double durationMs);

    [LoggerMessage(102, LogLevel.Error, "Handling {Method} (id {RequestId}) in session {SessionId} on connection {ConnectionId} from {ClientAddress} failed unexpectedly.", EventName = "ERROR_INTERNAL")]
    private static partial void LogInternalError(ILogger logger, Exception exception, SessionLabel sessionId, string method, JsonRpcId requestId, string connectionId, string clientAddress);

    [LoggerMessage(103, LogLevel.Information, "Session {SessionId} initialized: revision {Revision}, client {ClientName} {ClientVersion}.", EventName = "SESSION_INITIALIZED")]
    private static partial void LogSessionInitialized(ILogger logger, SessionLabel sessionId, string revision, string clientName, string clientVersion);

    // Information, not Warning: any client can start a call that runs past the timeout.
    [LoggerMessage(104, LogLevel.Information, "Tool {Tool} ({Method} id {RequestId}) in session {SessionId} on connection {ConnectionId} from {ClientAddress} timed out after {Seconds} s and was cancelled.", EventName = "ERROR_TIMEOUT")]
    private static partial void LogToolTimeout(ILogger logger, SessionLabel sessionId, string tool, string method, JsonRpcId requestId, string connectionId, string clientAddress, double seconds);

    [LoggerMessage(105, LogLevel.Warning, "Tool {Tool} in session {SessionId} threw; the client got an isError result.", EventName = "ERROR_TOOL")]
    private static partial void LogToolFailed(ILogger logger, Exception exception, SessionLabel sessionId, string tool);

    [LoggerMessage(106, LogLevel.Debug, "A notification to session {SessionId} was dropped: {Reason}.", EventName = "NOTIFICATION_DROPPED")]
    private static partial void LogNotificationDropped(ILogger logger, SessionLabel sessionId, string reason);

    [LoggerMessage(108, LogLevel.Debug, "{Method} (id {RequestId}) in session {SessionId} needs input: {Count} request(s) sent to the client, round {Round}.", EventName = "INPUT_REQUIRED")]
    private static partial void LogInputRequired(ILogger logger, SessionLabel sessionId, string method, JsonRpcId requestId, int count, int round);

    [LoggerMessage(109, LogLevel.Information, "Subscription {SubscriptionId} opened (subscriptions/listen): {Filter}.", EventName = "SUBSCRIPTION_OPENED")]
    private static partial void LogSubscriptionOpened(ILogger logger, JsonRpcId subscriptionId, string filter);

    [LoggerMessage(110, LogLevel.Information, "Subscription {SubscriptionId} closed.", EventName = "SUBSCRIPTION_CLOSED")]
    private static partial void LogSubscriptionClosed(ILogger logger, JsonRpcId subscriptionId);

    // Warning: slowness is the server's (or its tools') concern, not a client's mistake.
    [LoggerMessage(111, LogLevel.Warning, "{Method} (id {RequestId}, tool {Tool}) in session {SessionId} on connection {ConnectionId} from {ClientAddress} took {DurationMs:0} ms, over the {ThresholdMs:0} ms threshold (limits.slowRequestMilliseconds).", EventName = "SLOW_REQUEST")]
    private static partial void LogSlowRequest(ILogger logger, SessionLabel sessionId, string method, string tool, JsonRpcId requestId, string connectionId, string clientAddress, double durationMs, double thresholdMs);

    // Bodies only at TRACE, and with secret-looking values replaced (LogRedaction).
    [LoggerMessage(112, LogLevel.Trace, "Params of {Method} (id {RequestId}) in session {SessionId}: {Params}", EventName = "MESSAGE_BODY")]
    private static partial void LogMessageBody(ILogger logger, SessionLabel sessionId, string method, JsonRpcId requestId, string @params);

    // Information: a client reaching a limit is the client's doing; the answer tells it to retry.
    [LoggerMessage(113, LogLevel.Information, "A request in session {SessionId} was refused at {Limit}: {Detail}.", EventName = "LIMIT_REACHED")]
    private static partial void LogLimitReached(ILogger logger, SessionLabel sessionId, string limit, string detail);

    // The events below carry where the request came from: each is formatted only when its level is on.

    /// <summary>MESSAGE_SENT (Debug), with the response's size: only then is the response serialized once more; RESPONSE_BODY (Trace) reuses it.</summary>
    private void LogResponse(RequestContext context, in RpcResult result, long started)
    {
        if (!_logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        using var body = new PooledBufferWriter(512);
        if (!result.IsCancelled)
        {
            JsonRpcWriter.WriteResponse(body, context.Id, result);
        }

        var (connection, client) = RequestOrigin.Of(context.Origin);
        var outcome = result.IsCancelled ? "cancelled, nothing was sent"
            : result.Error is { } failed ? "error " + failed.Code.ToString(System.Globalization.CultureInfo.InvariantCulture) : "result";
        LogMessageSent(_logger, context.Session.Id, context.Method, context.Id, body.WrittenCount, connection, client, outcome, elapsed);
        if (_logger.IsEnabled(LogLevel.Trace) && !result.IsCancelled)
        {
            LogResponseBody(_logger, context.Session.Id, context.Method, context.Id, LogRedaction.Redact(body.WrittenSpan));
        }
    }

    /// <summary>An answer made from a failure: logged like any other (MESSAGE_SENT), then returned.</summary>
    private RpcResult Logged(RequestContext context, RpcResult result, long started)
    {
        LogResponse(context, result, started);
        return result;
    }

    private void LogSlow(RequestContext context, TimeSpan elapsed, TimeSpan threshold)
    {
        if (_logger.IsEnabled(LogLevel.Warning))
        {
            var (connection, client) = RequestOrigin.Of(context.Origin);
            LogSlowRequest(_logger, context.Session.Id, context.Method, context.ToolName ?? "-", context.Id, connection, client, elapsed.TotalMilliseconds, threshold.TotalMilliseconds);
        }
    }

    private void LogInternal(RequestContext context, Exception exception)
    {
        var (connection, client) = RequestOrigin.Of(context.Origin);
        LogInternalError(_logger, exception, context.Session.Id, context.Method, context.Id, connection, client);
    }

    private void LogTimeout(RequestContext context, string tool, TimeSpan timeout)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var (connection, client) = RequestOrigin.Of(context.Origin);
            LogToolTimeout(_logger, context.Session.Id, tool, context.Method, context.Id, connection, client, timeout.TotalSeconds);
        }
    }

    [LoggerMessage(114, LogLevel.Trace, "Response to {Method} (id {RequestId}) in session {SessionId}: {Body}", EventName = "RESPONSE_BODY")]
    private static partial void LogResponseBody(ILogger logger, SessionLabel sessionId, string method, JsonRpcId requestId, string body);
}
