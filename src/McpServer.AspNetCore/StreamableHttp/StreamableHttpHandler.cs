using System.Diagnostics.CodeAnalysis;
using System.Buffers;
using System.Text.Unicode;
using McpServer.AspNetCore.Security;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpServer.AspNetCore.StreamableHttp;

/// <summary>
/// The Streamable HTTP transport (2025-03-26 on): POST carries client messages, GET opens the
/// standalone SSE stream or resumes one, DELETE ends the session.
/// </summary>
internal sealed partial class StreamableHttpHandler(
    McpDispatcher dispatcher,
    IOptions<McpHttpOptions> httpOptions,
    SseKeepAlive keepAlive,
    McpAuthenticator auth,
    McpServer.AspNetCore.Limits.ClientRateLimiter rateLimiter,
    IServiceProvider services,
    ILogger<StreamableHttpHandler> logger)
{
    // Handlers get the application's root services: a per-request DI scope would cost an
    // allocation-heavy scope on every call (measured), and no built-in handler needs one.
    private readonly McpHttpOptions _options = httpOptions.Value;
    private readonly SessionManager _sessions = dispatcher.Sessions;

    public async Task HandlePostAsync(HttpContext http)
    {
        var request = http.Request;
        if (!OriginHostValidator.TryValidate(http, _options, out var forbidden))
        {
            LogRefused(logger, forbidden!.Reason!, http.Connection.RemoteIpAddress?.ToString());
            await HttpErrors.WriteAsync(http, StatusCodes.Status403Forbidden, null, forbidden).ConfigureAwait(false);
            return;
        }

        var (allowed, access) = await auth.AdmitAsync(http).ConfigureAwait(false);
        if (!allowed)
        {
            return;
        }

        if ((_options.RequestsPerMinutePerClient > 0 || rateLimiter.Enabled) && OverRate(http, access) is { } wait)
        {
            await RefuseOverRateAsync(http, access, wait).ConfigureAwait(false);
            return;
        }

        if (!IsJsonContentType(request.ContentType))
        {
            await RefuseAsync(http, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "POST bodies must be JSON: send Content-Type: application/json.", "Content-Type").ConfigureAwait(false);
            return;
        }

        if (!AcceptsBoth(request.Headers.Accept))
        {
            await RefuseAsync(http, StatusCodes.Status406NotAcceptable, "not_acceptable", "The Accept header must list both application/json and text/event-stream.", "Accept").ConfigureAwait(false);
            return;
        }

        // A header naming no session revision may be a 2026-07-28 request: decided once the body is read.
        var sessionHeader = CheckProtocolVersionHeader(http, out var versionHeader);

        var (body, length, tooLarge) = await RequestBody.ReadAsync(request, _options.MaxRequestBodySize, http.RequestAborted).ConfigureAwait(false);
        if (tooLarge)
        {
            McpMetrics.CountLimit("body_too_large");
            await RefuseAsync(http, StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The request body is larger than the limit of {_options.MaxRequestBodySize} bytes. Send a smaller message.", null).ConfigureAwait(false);
            return;
        }

        try
        {
            var json = body.AsMemory(0, length);
            if (!Utf8.IsValid(json.Span))
            {
                await RefuseAsync(http, StatusCodes.Status400BadRequest, "invalid_utf8", "The body is not valid UTF-8; JSON must be encoded as UTF-8.", null).ConfigureAwait(false);
                return;
            }

            if (JsonRpcEnvelopeReader.IsBatch(json.Span))
            {
                if (!sessionHeader)
                {
                    await RefuseUnsupportedVersionAsync(http, versionHeader).ConfigureAwait(false);
                    return;
                }

                await HandleBatchAsync(http, json, access).ConfigureAwait(false);
                return;
            }

            if (!JsonRpcEnvelopeReader.TryRead(json, out var envelope, out var invalid))
            {
                LogInvalidMessage(http, invalid.Reason, invalid.Message, json.Length);
                await HttpErrors.InvalidMessageAsync(http, invalid).ConfigureAwait(false);
                return;
            }

            // A stateless revision in the header wins (its requests ignore Mcp-Session-Id); without a
            // session, an unknown header or a protocol version in _meta also means the stateless path.
            if (ProtocolRevisions.TryParseStateless(versionHeader, out _)
                || (!http.Request.Headers.ContainsKey(HttpConstants.SessionIdHeader)
                    && (!sessionHeader || (envelope.Kind == JsonRpcMessageKind.Request && StatelessRequestMeta.Read(envelope.Params).ProtocolVersion is not null))))
            {
                await HandleStatelessAsync(http, envelope, versionHeader, access).ConfigureAwait(false);
                return;
            }

            if (!sessionHeader)
            {
                await RefuseUnsupportedVersionAsync(http, versionHeader).ConfigureAwait(false);
                return;
            }

            await HandleMessageAsync(http, envelope, access).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private async Task HandleMessageAsync(HttpContext http, JsonRpcEnvelope envelope, ClientAccess? access)
    {
        McpSession? session;
        var created = false;
        if (envelope.Kind == JsonRpcMessageKind.Request && envelope.Method == McpMethods.Initialize && !http.Request.Headers.ContainsKey(HttpConstants.SessionIdHeader))
        {
            session = _sessions.TryCreate("streamable-http");
            if (session is null)
            {
                await HttpErrors.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, envelope.Id, new RpcError(McpErrorCode.ServerError, $"The server holds its maximum of {_sessions.Options.MaxSessions} sessions. Retry later, or close unused sessions.", "too_many_sessions")).ConfigureAwait(false);
                return;
            }

            session.Access = access;
            created = true;
        }
        else
        {
            if (!TryFindSession(http, access, out session))
            {
                await RefuseSessionAsync(http, envelope.Kind == JsonRpcMessageKind.Request ? envelope.Id : null).ConfigureAwait(false);
                return;
            }
        }

        switch (envelope.Kind)
        {
            case JsonRpcMessageKind.Notification:
                RequestOrigin.Set(http, http.Request.ContentLength ?? envelope.Params.Length);
                dispatcher.OnNotification(session, envelope);
                http.Response.StatusCode = StatusCodes.Status202Accepted;
                return;
            case JsonRpcMessageKind.Response:
            case JsonRpcMessageKind.ErrorResponse:
                dispatcher.OnResponse(session, envelope);
                http.Response.StatusCode = StatusCodes.Status202Accepted;
                return;
        }

        var stream = new PostResponseStream(http, session, _options, keepAlive);
        RequestOrigin.Set(http, http.Request.ContentLength ?? envelope.Params.Length);
        var result = await dispatcher.ExecuteAsync(session, envelope, stream, services, CancellationToken.None).ConfigureAwait(false);
        if (created && result.Error is not null)
        {
            _sessions.End(session, "initialize failed");
            created = false;
        }

        if (result.IsCancelled)
        {
            await stream.AbandonAsync().ConfigureAwait(false);
            return;
        }

        using var buffer = new PooledBufferWriter(1024);
        JsonRpcWriter.WriteResponse(buffer, envelope.Id, result);
        if (stream.IsStreaming)
        {
            await stream.CompleteAsync(buffer.WrittenMemory).ConfigureAwait(false);
            return;
        }

        var response = http.Response;
        response.StatusCode = HttpErrors.IsRetryLater(result.Error) ? StatusCodes.Status429TooManyRequests : StatusCodes.Status200OK;
        if (response.StatusCode == StatusCodes.Status429TooManyRequests)
        {
            response.Headers.RetryAfter = HttpErrors.RetryAfter(result.Error);
        }
        else if (result.Error is { Code: McpErrorCode.AuthenticationFailed } denied)
        {
            SetForbidden(response, denied);
        }

        response.ContentType = "application/json";
        if (created)
        {
            response.Headers[HttpConstants.SessionIdHeader] = session.Id;
        }

        response.ContentLength = buffer.WrittenCount;
        McpServer.AspNetCore.Metrics.McpHttpMetrics.Sent(buffer.WrittenCount);
        try
        {
            await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            LogClientGone(logger, session.Id);
        }
    }

    private async Task HandleBatchAsync(HttpContext http, ReadOnlyMemory<byte> json, ClientAccess? access)
    {
        var items = new List<(JsonRpcEnvelope Envelope, InvalidMessage? Error)>();
        if (!JsonRpcEnvelopeReader.TryReadBatch(json, items, out var invalid))
        {
            LogInvalidMessage(http, invalid.Reason, invalid.Message, json.Length);
            await HttpErrors.InvalidMessageAsync(http, invalid).ConfigureAwait(false);
            return;
        }

        if (!TryFindSession(http, access, out var session))
        {
            await RefuseSessionAsync(http, null).ConfigureAwait(false);
            return;
        }

        if (!ProtocolRevisions.AllowsBatches(session.Revision))
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, "batch_not_supported", $"JSON-RPC batches are not part of protocol revision {ProtocolRevisions.ToWire(session.Revision)}; send one message per request.", null).ConfigureAwait(false);
            return;
        }

        var pending = new List<Task<(JsonRpcId? Id, RpcResult Result)>>();
        foreach (var (envelope, error) in items)
        {
            if (error is { } e)
            {
                pending.Add(Task.FromResult<(JsonRpcId?, RpcResult)>((e.Id, RpcResult.Fail(new RpcError(McpErrorCode.InvalidMessage, e.Message, e.Reason, e.Field)))));
                continue;
            }

            switch (envelope.Kind)
            {
                case JsonRpcMessageKind.Notification:
                    dispatcher.OnNotification(session, envelope);
                    break;
                case JsonRpcMessageKind.Response:
                case JsonRpcMessageKind.ErrorResponse:
                    dispatcher.OnResponse(session, envelope);
                    break;
                default:
                    if (envelope.Method == McpMethods.Initialize)
                    {
                        pending.Add(Task.FromResult<(JsonRpcId?, RpcResult)>((envelope.Id, RpcResult.Fail(new RpcError(McpErrorCode.InvalidRequest, "'initialize' must not be part of a batch.", "invalid_structure")))));
                        break;
                    }

                    var env = envelope;
                    var origin = http;
                    var size = http.Request.ContentLength ?? 0;
                    pending.Add(Task.Run(async () =>
                    {
                        RequestOrigin.Set(origin, size);
                        return ((JsonRpcId?)env.Id, await dispatcher.ExecuteAsync(session, env, session.Outbound, services, CancellationToken.None).ConfigureAwait(false));
                    }));
                    break;
            }
        }

        if (pending.Count == 0)
        {
            http.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        var results = await Task.WhenAll(pending).ConfigureAwait(false);
        using var buffer = new PooledBufferWriter(1024);
        buffer.Write("["u8);
        var first = true;
        foreach (var (id, result) in results)
        {
            if (result.IsCancelled)
            {
                continue;
            }

            if (!first)
            {
                buffer.Write(","u8);
            }

            first = false;
            if (id is { } known)
            {
                JsonRpcWriter.WriteResponse(buffer, known, result);
            }
            else
            {
                JsonRpcWriter.WriteError(buffer, null, result.Error!);
            }
        }

        buffer.Write("]"u8);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = buffer.WrittenCount;
        McpServer.AspNetCore.Metrics.McpHttpMetrics.Sent(buffer.WrittenCount);
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
    }

    public async Task HandleGetAsync(HttpContext http)
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

        if (!http.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(http, StatusCodes.Status406NotAcceptable, "not_acceptable", "GET opens an SSE stream: the Accept header must list text/event-stream.", "Accept").ConfigureAwait(false);
            return;
        }

        if (!CheckProtocolVersionHeader(http, out var badVersion))
        {
            if (await RefuseStatelessGetOrDeleteAsync(http, badVersion).ConfigureAwait(false))
            {
                return;
            }

            await RefuseUnsupportedVersionAsync(http, badVersion).ConfigureAwait(false);
            return;
        }

        if (!TryFindSession(http, access, out var session))
        {
            await RefuseSessionAsync(http, null).ConfigureAwait(false);
            return;
        }

        var state = HttpSessionState.For(session, _options);
        var writer = new SseWriter(http);
        var replay = new List<(string Id, byte[] Json)>();
        var lastEventId = http.Request.Headers[HttpConstants.LastEventIdHeader].ToString();
        int streamId;
        long after;
        if (lastEventId.Length > 0)
        {
            if (!HttpSessionState.TryParseEventId(lastEventId, out streamId, out after))
            {
                await RefuseAsync(http, StatusCodes.Status400BadRequest, "invalid_last_event_id", $"Last-Event-ID '{lastEventId}' is not an event id this server issued.", HttpConstants.LastEventIdHeader).ConfigureAwait(false);
                return;
            }
        }
        else
        {
            streamId = 0;
            after = long.MaxValue;
        }

        var attachment = state.Resume(streamId, after, writer, replay, out var incomplete);
        if (incomplete)
        {
            LogReplayIncomplete(logger, session.Id, lastEventId, replay.Count > 0 ? replay[0].Id : "none", _options.SseReplayBufferSize);
        }

        // Only a fresh standalone stream is primed; a resumed one continues from the client's Last-Event-ID.
        var primed = lastEventId.Length == 0 && session.Revision >= ProtocolRevision.V2025_11_25 ? state.PrimingId(state.Standalone) : null;
        await writer.StartAsync(primed, _options.SseRetryInterval).ConfigureAwait(false);
        foreach (var (id, json) in replay)
        {
            await writer.WriteEventAsync(id, json).ConfigureAwait(false);
        }

        if (attachment is null)
        {
            return;
        }

        keepAlive.Add(writer, session);
        LogStreamOpened(logger, session.Id, streamId);
        try
        {
            await attachment.Released.Task.WaitAsync(http.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            keepAlive.Remove(writer);
            if (state.TryGetStream(streamId, out var stream))
            {
                state.Release(stream, attachment);
            }

            LogStreamClosed(logger, session.Id, streamId);
        }
    }

    public async Task HandleDeleteAsync(HttpContext http)
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

        if (!TryFindSession(http, access, out var session))
        {
            if (!CheckProtocolVersionHeader(http, out var version) && await RefuseStatelessGetOrDeleteAsync(http, version).ConfigureAwait(false))
            {
                return;
            }

            await RefuseSessionAsync(http, null).ConfigureAwait(false);
            return;
        }

        _sessions.End(session, "deleted by client");
        http.Response.StatusCode = StatusCodes.Status200OK;
    }

    // limits.requestsPerMinutePerClient: per API key, or per client address without one.
    private TimeSpan? OverRate(HttpContext http, ClientAccess? access)
    {
        rateLimiter.Configure(_options.RequestsPerMinutePerClient);
        // Key ids (12 hex digits) and addresses (with dots or colons) never collide.
        return rateLimiter.TryAcquire(access?.Principal ?? http.Connection.RemoteIpAddress?.ToString() ?? "-");
    }

    private Task RefuseOverRateAsync(HttpContext http, ClientAccess? access, TimeSpan wait)
    {
        var perMinute = rateLimiter.PerMinute;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        var who = access is not null ? "key " + access.Principal : http.Connection.RemoteIpAddress?.ToString() ?? "-";
        LogRateLimited(logger, who, perMinute);
        McpMetrics.CountLimit("rate_limited");
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return HttpErrors.WriteAsync(http, StatusCodes.Status429TooManyRequests, null, new RpcError(McpErrorCode.ServerError, $"Too many requests from {who}: the limit is {perMinute} a minute (limits.requestsPerMinutePerClient). Retry in {seconds} s.", "rate_limited"));
    }

    // Error 1002 from the dispatcher (a scope the credentials lack): 403 with the scope to ask for.
    private void SetForbidden(HttpResponse response, RpcError denied)
    {
        response.StatusCode = StatusCodes.Status403Forbidden;
        var scope = denied.Data is { ValueKind: System.Text.Json.JsonValueKind.Object } data && data.TryGetProperty("scope", out var s) ? s.GetString() : null;
        response.Headers.WWWAuthenticate = auth.Challenge(denied.Reason ?? "insufficient_scope", denied.Message, scope);
    }

    // A session belongs to the credentials that created it: presented with another key it does not exist.
    private bool TryFindSession(HttpContext http, ClientAccess? access, [NotNullWhen(true)] out McpSession? session)
    {
        var header = http.Request.Headers[HttpConstants.SessionIdHeader];
        if (header.Count == 1 && header[0] is { Length: > 0 } id && _sessions.TryGet(id, out session) && session.Transport == "streamable-http"
            && SessionAccess.TryBind(session, access))
        {
            return true;
        }

        session = null;
        return false;
    }

    private Task RefuseSessionAsync(HttpContext http, JsonRpcId? id)
    {
        var header = http.Request.Headers[HttpConstants.SessionIdHeader];
        if (header.Count == 0 || string.IsNullOrEmpty(header[0]))
        {
            LogInvalidMessage(http, "missing_session_id", "request without Mcp-Session-Id");
            return HttpErrors.WriteAsync(http, StatusCodes.Status400BadRequest, id, new RpcError(McpErrorCode.InvalidMessage, "The Mcp-Session-Id header is required; send 'initialize' first and echo the session id it returns.", "missing_session_id", HttpConstants.SessionIdHeader));
        }

        return HttpErrors.WriteAsync(http, StatusCodes.Status404NotFound, id, new RpcError(McpErrorCode.SessionNotFound, "Session not found: it ended, expired or never existed. Send 'initialize' without Mcp-Session-Id to start a new one.", "session_not_found", HttpConstants.SessionIdHeader));
    }

    private Task RefuseUnsupportedVersionAsync(HttpContext http, string version) =>
        RefuseAsync(http, StatusCodes.Status400BadRequest, "unsupported_protocol_version", $"MCP-Protocol-Version '{version}' is not supported. Supported: {string.Join(", ", ProtocolRevisions.SupportedStateless.Concat(ProtocolRevisions.Supported))}.", HttpConstants.ProtocolVersionHeader);

    private Task RefuseAsync(HttpContext http, int status, string reason, string message, string? field)
    {
        LogInvalidMessage(http, reason, message);
        return HttpErrors.InvalidMessageAsync(http, status, reason, message, field);
    }

    private static bool CheckProtocolVersionHeader(HttpContext http, out string value)
    {
        value = http.Request.Headers[HttpConstants.ProtocolVersionHeader].ToString();
        return value.Length == 0 || ProtocolRevisions.TryParse(value, out _);
    }

    private static bool IsJsonContentType(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var semi = contentType.IndexOf(';', StringComparison.Ordinal);
        var media = (semi < 0 ? contentType : contentType[..semi]).Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

    private static bool AcceptsBoth(Microsoft.Extensions.Primitives.StringValues accept)
    {
        bool json = false, sse = false;
        foreach (var value in accept)
        {
            if (value is null)
            {
                continue;
            }

            json |= value.Contains("application/json", StringComparison.OrdinalIgnoreCase) || value.Contains("*/*", StringComparison.Ordinal);
            sse |= value.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) || value.Contains("*/*", StringComparison.Ordinal);
        }

        return json && sse;
    }

    // The connection, address and size are formatted only when the event is written.
    private void LogInvalidMessage(HttpContext http, string reason, string detail, long? bytes = null)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var connection = http.Connection;
            var client = connection.RemoteIpAddress is { } ip ? ip + ":" + connection.RemotePort.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-";
            LogInvalidMessage(logger, bytes ?? http.Request.ContentLength ?? 0, connection.Id, client, reason, detail);
        }
    }

    [LoggerMessage(300, LogLevel.Information, "Refused a message ({Bytes} bytes) on connection {ConnectionId} from {ClientAddress}: {Reason}: {Detail}", EventName = "ERROR_PARSE")]
    private static partial void LogInvalidMessage(ILogger logger, long bytes, string connectionId, string clientAddress, string reason, string detail);

    [LoggerMessage(301, LogLevel.Information, "Refused a request from {ClientAddress}: {Reason}.", EventName = "ERROR_FORBIDDEN")]
    private static partial void LogRefused(ILogger logger, string reason, string? clientAddress);

    [LoggerMessage(302, LogLevel.Debug, "Session {SessionId}: SSE stream {StreamId} opened.", EventName = "STREAM_OPENED")]
    private static partial void LogStreamOpened(ILogger logger, string sessionId, int streamId);

    [LoggerMessage(303, LogLevel.Debug, "Session {SessionId}: SSE stream {StreamId} closed.", EventName = "STREAM_CLOSED")]
    private static partial void LogStreamClosed(ILogger logger, string sessionId, int streamId);

    [LoggerMessage(305, LogLevel.Information, "A request from {Client} was refused at limits.requestsPerMinutePerClient ({PerMinute} a minute): answered 429 rate_limited.", EventName = "LIMIT_REACHED")]
    private static partial void LogRateLimited(ILogger logger, string client, int perMinute);

    // Information: the client's reconnection came late; the operator may want a larger buffer.
    [LoggerMessage(306, LogLevel.Information, "Session {SessionId} resumed its stream after event {LastEventId}, but events after it were dropped from the replay buffer ({Limit} events per session, limits.sseReplayBufferEvents); the client gets only what is kept (oldest kept on that stream: {OldestKept}).", EventName = "SSE_REPLAY_INCOMPLETE")]
    private static partial void LogReplayIncomplete(ILogger logger, string sessionId, string lastEventId, string oldestKept, int limit);

    [LoggerMessage(304, LogLevel.Debug, "Session {SessionId}: the client left before its response was written.", EventName = "CLIENT_GONE")]
    private static partial void LogClientGone(ILogger logger, string sessionId);
}
