using System.Text.Unicode;
using McpServer.Protocol;
using McpServer.Sessions;

namespace McpServer.Engine;

// Message handling for transports where every reply travels on one channel (stdio, legacy SSE).
public sealed partial class McpDispatcher
{
    /// <summary>
    /// Handles one raw message or batch for a session whose replies all go to <paramref name="sink"/>.
    /// Requests run concurrently: the returned task completes when the message was read, not answered.
    /// </summary>
    public async Task ProcessAsync(McpSession session, ReadOnlyMemory<byte> json, IMcpMessageSink sink, IServiceProvider? services, CancellationToken cancellationToken)
    {
        if (!Utf8.IsValid(json.Span))
        {
            await SendErrorAsync(sink, null, new RpcError(McpErrorCode.InvalidMessage, "The message is not valid UTF-8; JSON must be encoded as UTF-8.", "invalid_utf8"), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (JsonRpcEnvelopeReader.IsBatch(json.Span))
        {
            var items = new List<(JsonRpcEnvelope Envelope, InvalidMessage? Error)>();
            if (!JsonRpcEnvelopeReader.TryReadBatch(json, items, out var batchError))
            {
                LogInvalid(batchError, json.Length);
                await SendErrorAsync(sink, batchError.Id, ToError(batchError), cancellationToken).ConfigureAwait(false);
                return;
            }

            if (session.IsInitialized && !ProtocolRevisions.AllowsBatches(session.Revision))
            {
                await SendErrorAsync(sink, null, new RpcError(McpErrorCode.InvalidMessage, $"JSON-RPC batches are not part of protocol revision {ProtocolRevisions.ToWire(session.Revision)}; send one message at a time.", "batch_not_supported"), cancellationToken).ConfigureAwait(false);
                return;
            }

            // A batch is answered with one array once every request in it is done; the reader
            // goes on meanwhile, since a request may wait on a client response that comes next.
            var replies = new List<Task<byte[]?>>();
            foreach (var (envelope, error) in items)
            {
                if (error is { } e)
                {
                    replies.Add(Task.FromResult<byte[]?>(SerializeError(e.Id, ToError(e))));
                    continue;
                }

                switch (envelope.Kind)
                {
                    case JsonRpcMessageKind.Notification:
                        OnNotification(session, envelope);
                        break;
                    case JsonRpcMessageKind.Response:
                    case JsonRpcMessageKind.ErrorResponse:
                        OnResponse(session, envelope);
                        break;
                    default:
                        if (envelope.Method == McpMethods.Initialize)
                        {
                            replies.Add(Task.FromResult<byte[]?>(SerializeError(envelope.Id, new RpcError(McpErrorCode.InvalidRequest, "'initialize' must not be part of a batch.", "invalid_structure"))));
                            break;
                        }

                        var owned = envelope with { Params = envelope.Params.ToArray() };
                        if (TryBegin(session, owned, sink, services, out var refusal) is { } started)
                        {
                            replies.Add(Task.Run(() => RunToBytesAsync(started, cancellationToken), CancellationToken.None));
                        }
                        else
                        {
                            replies.Add(Task.FromResult<byte[]?>(Serialize(owned.Id, refusal)));
                        }

                        break;
                }
            }

            if (replies.Count > 0)
            {
                session.BeginWork();
                _ = SendBatchAsync(session, replies, sink);
            }

            return;
        }

        if (!JsonRpcEnvelopeReader.TryRead(json, out var single, out var invalid))
        {
            LogInvalid(invalid, json.Length);
            await SendErrorAsync(sink, invalid.Id, ToError(invalid), cancellationToken).ConfigureAwait(false);
            return;
        }

        await ProcessOneAsync(session, single, sink, services, cancellationToken).ConfigureAwait(false);
    }

    private async Task ProcessOneAsync(McpSession session, JsonRpcEnvelope envelope, IMcpMessageSink sink, IServiceProvider? services, CancellationToken cancellationToken)
    {
        switch (envelope.Kind)
        {
            case JsonRpcMessageKind.Notification:
                OnNotification(session, envelope);
                return;
            case JsonRpcMessageKind.Response:
            case JsonRpcMessageKind.ErrorResponse:
                OnResponse(session, envelope);
                return;
        }

        // The input buffer is reused by the transport once this returns: the request keeps its own copy.
        var owned = envelope with { Params = envelope.Params.ToArray() };

        // stdio speaks 2026-07-28 too: a request that names that era in _meta is served without a session.
        if (session.Transport == StdioTransportName && !session.IsInitialized)
        {
            var meta = StatelessRequestMeta.Read(owned.Params);
            if (meta.ProtocolVersion is not null || owned.Method == McpMethods.ServerDiscover)
            {
                await ProcessStatelessAsync(session, owned, meta, sink, services, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        // Registered before the next message is read, so a cancel right behind it finds it.
        var context = TryBegin(session, owned, sink, services, out var refusal);
        if (context is null)
        {
            await SendQuietlyAsync(sink, Serialize(owned.Id, refusal), session.Id).ConfigureAwait(false);
            return;
        }

        session.BeginWork();
        if (owned.Method == McpMethods.Initialize)
        {
            // initialize runs inline so later messages see the negotiated revision.
            await RespondAsync(context, sink, cancellationToken).ConfigureAwait(false);
            return;
        }

        _ = Task.Run(() => RespondAsync(context, sink, cancellationToken), CancellationToken.None);
    }

    internal const string StdioTransportName = "stdio";

    private async Task ProcessStatelessAsync(McpSession channel, JsonRpcEnvelope request, StatelessRequestMeta meta, IMcpMessageSink sink, IServiceProvider? services, CancellationToken cancellationToken)
    {
        const string VersionField = "params._meta[\"" + StatelessRequestMeta.ProtocolVersionKey + "\"]";
        var error = StatelessRequests.CheckMeta(meta);
        var revision = ProtocolRevision.None;
        LoggingLevel? level = null;
        error ??= StatelessRequests.CheckVersion(meta, VersionField, out revision);
        error ??= StatelessRequests.CheckLogLevel(meta, out level);
        if (error is not null)
        {
            LogInvalidMessage(error.Reason ?? "invalid", error.Message);
            await SendQuietlyAsync(sink, SerializeError(request.Id, error), channel.Id).ConfigureAwait(false);
            return;
        }

        var scoped = StatelessRequests.CreateSession(meta, revision, level, Sessions.Now, StdioTransportName);
        var context = TryBegin(scoped, request, sink, services, out var refusal);
        if (context is null)
        {
            await SendQuietlyAsync(sink, Serialize(request.Id, refusal), channel.Id).ConfigureAwait(false);
            return;
        }

        var running = channel.StatelessRequests ??= new System.Collections.Concurrent.ConcurrentDictionary<JsonRpcId, McpSession>();
        if (!running.TryAdd(request.Id, scoped))
        {
            await SendQuietlyAsync(sink, SerializeError(request.Id, new RpcError(McpErrorCode.InvalidRequest, $"Request id {request.Id} is already in flight; use a new id for each request.", "duplicate_id", "id")), channel.Id).ConfigureAwait(false);
            return;
        }

        channel.BeginWork();
        _ = Task.Run(async () =>
        {
            try
            {
                var result = await RunAsync(context, cancellationToken).ConfigureAwait(false);
                if (!result.IsCancelled)
                {
                    using var buffer = new PooledBufferWriter(1024);
                    var cacheable = StatelessRequests.IsCacheable(request.Method!);
                    JsonRpcWriter.WriteStatelessResponse(buffer, request.Id, result, cacheable ? 0 : null, cacheable ? "private" : null);
                    await SendQuietlyAsync(sink, buffer.WrittenSpan.ToArray(), channel.Id).ConfigureAwait(false);
                }
            }
            finally
            {
                running.TryRemove(request.Id, out _);
                channel.EndWork();
            }
        }, CancellationToken.None);
    }

    // Answers one request; the caller called BeginWork.
    private async Task RespondAsync(RequestContext context, IMcpMessageSink sink, CancellationToken cancellationToken)
    {
        try
        {
            if (await RunToBytesAsync(context, cancellationToken).ConfigureAwait(false) is { } response)
            {
                await SendQuietlyAsync(sink, response, context.Session.Id).ConfigureAwait(false);
            }
        }
        finally
        {
            context.Session.EndWork();
        }
    }

    private async Task<byte[]?> RunToBytesAsync(RequestContext context, CancellationToken cancellationToken)
    {
        var result = await RunAsync(context, cancellationToken).ConfigureAwait(false);
        return result.IsCancelled ? null : Serialize(context.Id, result);
    }

    private static byte[] Serialize(JsonRpcId id, in RpcResult result)
    {
        using var buffer = new PooledBufferWriter(1024);
        JsonRpcWriter.WriteResponse(buffer, id, result);
        return buffer.WrittenSpan.ToArray();
    }

    private async Task SendBatchAsync(McpSession session, List<Task<byte[]?>> replies, IMcpMessageSink sink)
    {
        try
        {
            var results = await Task.WhenAll(replies).ConfigureAwait(false);
            using var buffer = new PooledBufferWriter(1024);
            buffer.Write("["u8);
            var first = true;
            foreach (var r in results)
            {
                if (r is null)
                {
                    continue;
                }

                if (!first)
                {
                    buffer.Write(","u8);
                }

                first = false;
                buffer.Write(r);
            }

            buffer.Write("]"u8);
            if (!first)
            {
                await SendQuietlyAsync(sink, buffer.WrittenMemory, session.Id).ConfigureAwait(false);
            }
        }
        finally
        {
            session.EndWork();
        }
    }

    private static byte[] SerializeError(JsonRpcId? id, RpcError error)
    {
        using var buffer = new PooledBufferWriter(256);
        JsonRpcWriter.WriteError(buffer, id, error);
        return buffer.WrittenSpan.ToArray();
    }

    private static async Task SendErrorAsync(IMcpMessageSink sink, JsonRpcId? id, RpcError error, CancellationToken cancellationToken)
    {
        using var buffer = new PooledBufferWriter(256);
        JsonRpcWriter.WriteError(buffer, id, error);
        await sink.SendAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    private static RpcError ToError(in InvalidMessage m) => new(McpErrorCode.InvalidMessage, m.Message, m.Reason, m.Field);

    private void LogInvalid(in InvalidMessage m, int bytes) => LogInvalidMessage(m.Reason, m.Message, bytes);

    // Where the message came from is what the transport set on this thread (stdio, a legacy SSE POST).
    private void LogInvalidMessage(string reason, string detail, long? bytes = null)
    {
        if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
        {
            var (connection, client, size) = RequestOrigin.Current();
            LogInvalidMessage(_logger, bytes ?? size, connection, client, reason, detail);
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(107, Microsoft.Extensions.Logging.LogLevel.Information, "Refused a message ({Bytes} bytes) on connection {ConnectionId} from {ClientAddress}: {Reason}: {Detail}", EventName = "ERROR_PARSE")]
    private static partial void LogInvalidMessage(Microsoft.Extensions.Logging.ILogger logger, long bytes, string connectionId, string clientAddress, string reason, string detail);
}
