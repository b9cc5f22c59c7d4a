using McpServer.AspNetCore.Security;
using McpServer.AspNetCore.StreamableHttp;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpServer.AspNetCore.LegacySse;

/// <summary>
/// The HTTP+SSE transport of 2024-11-05: <c>GET /sse</c> opens the stream and names the POST
/// endpoint in an <c>endpoint</c> event; <c>POST /messages?sessionId=</c> carries client
/// messages (answered 202), and every reply travels on the stream.
/// </summary>
internal sealed partial class LegacySseHandler(
    McpDispatcher dispatcher,
    IOptions<McpHttpOptions> httpOptions,
    SseKeepAlive keepAlive,
    McpAuthenticator auth,
    IServiceProvider services,
    ILogger<LegacySseHandler> logger)
{
    private readonly McpHttpOptions _options = httpOptions.Value;

    public async Task HandleStreamAsync(HttpContext http, string messagesPath)
    {
        if (!OriginHostValidator.TryValidate(http, _options, out var forbidden))
        {
            await HttpErrors.WriteAsync(http, StatusCodes.Status403Forbidden, null, forbidden!).ConfigureAwait(false);
            return;
        }

        var (allowed, access) = await auth.AdmitAsync(http).ConfigureAwait(false);
        if (!allowed)
        {
            return;
        }

        var session = dispatcher.Sessions.TryCreate("sse");
        if (session is null)
        {
            await HttpErrors.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, null, new RpcError(McpErrorCode.ServerError, "The server holds its maximum number of sessions. Retry later.", "too_many_sessions")).ConfigureAwait(false);
            return;
        }

        session.Access = access;
        var writer = new SseWriter(http);
        var sink = new LegacySink(writer);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Outbound = sink;
        session.TransportState = ended;
        keepAlive.Add(writer, session);
        LogOpened(logger, session.Id, http.Connection.RemoteIpAddress?.ToString());
        try
        {
            await writer.StartAsync(null, _options.SseRetryInterval).ConfigureAwait(false);
            await writer.WriteTextEventAsync("endpoint", $"{http.Request.PathBase}{messagesPath}?sessionId={session.Id}").ConfigureAwait(false);
            await ended.Task.WaitAsync(http.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            keepAlive.Remove(writer);
            dispatcher.Sessions.End(session, "SSE stream closed");
            LogClosed(logger, session.Id);
        }
    }

    public async Task HandleMessageAsync(HttpContext http)
    {
        if (!OriginHostValidator.TryValidate(http, _options, out var forbidden))
        {
            await HttpErrors.WriteAsync(http, StatusCodes.Status403Forbidden, null, forbidden!).ConfigureAwait(false);
            return;
        }

        var (allowed, access) = await auth.AdmitAsync(http).ConfigureAwait(false);
        if (!allowed)
        {
            return;
        }

        var id = http.Request.Query["sessionId"].ToString();
        if (id.Length == 0)
        {
            await HttpErrors.InvalidMessageAsync(http, StatusCodes.Status400BadRequest, "missing_session_id", "The sessionId query parameter is required; use the endpoint the SSE stream announced.", "sessionId").ConfigureAwait(false);
            return;
        }

        if (!dispatcher.Sessions.TryGet(id, out var session) || session.Transport != "sse" || session.Outbound is not { } sink || !SessionAccess.TryBind(session, access))
        {
            await HttpErrors.WriteAsync(http, StatusCodes.Status404NotFound, null, new RpcError(McpErrorCode.SessionNotFound, "Session not found: its SSE stream is closed. Open GET /sse again.", "session_not_found", "sessionId")).ConfigureAwait(false);
            return;
        }

        var (body, length, tooLarge) = await RequestBody.ReadAsync(http.Request, _options.MaxRequestBodySize, http.RequestAborted).ConfigureAwait(false);
        if (tooLarge)
        {
            await HttpErrors.InvalidMessageAsync(http, StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The request body is larger than the limit of {_options.MaxRequestBodySize} bytes.").ConfigureAwait(false);
            return;
        }

        http.Response.StatusCode = StatusCodes.Status202Accepted;
        await http.Response.WriteAsync("Accepted", http.RequestAborted).ConfigureAwait(false);
        await http.Response.CompleteAsync().ConfigureAwait(false);
        try
        {
            RequestOrigin.Set(http, length);
            await dispatcher.ProcessAsync(session, body.AsMemory(0, length), sink, services, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            // Requests keep their own copy of what they need, so the body can go back at once.
            System.Buffers.ArrayPool<byte>.Shared.Return(body);
        }
    }

    internal static void OnSessionEnded(McpSession session)
    {
        if (session.Transport == "sse" && session.TransportState is TaskCompletionSource ended)
        {
            ended.TrySetResult();
        }
    }

    private sealed class LegacySink(SseWriter writer) : IMcpMessageSink
    {
        public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) => new(writer.WriteEventAsync(null, message));
    }

    [LoggerMessage(400, LogLevel.Debug, "Legacy SSE session {SessionId} opened from {ClientAddress}.", EventName = "SSE_SESSION_OPENED")]
    private static partial void LogOpened(ILogger logger, string sessionId, string? clientAddress);

    [LoggerMessage(401, LogLevel.Debug, "Legacy SSE session {SessionId} closed.", EventName = "SSE_SESSION_CLOSED")]
    private static partial void LogClosed(ILogger logger, string sessionId);
}
