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
                LogInvalid(batchError);
                await SendErrorAsync(sink, batchError.Id, ToError(batchError), cancellationToken).ConfigureAwait(false);
                return;
            }

            if (session.IsInitialized && !ProtocolRevisions.AllowsBatches(session.Revision))
            {
                await SendErrorAsync(sink, null, new RpcError(McpErrorCode.InvalidMessage, $"JSON-RPC batches are not part of protocol revision {ProtocolRevisions.ToWire(session.Revision)}; send one message at a time.", "batch_not_supported"), cancellationToken).ConfigureAwait(false);
                return;
            }

            foreach (var (envelope, error) in items)
            {
                if (error is { } e)
                {
                    await SendErrorAsync(sink, e.Id, ToError(e), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ProcessOneAsync(session, envelope, sink, services, cancellationToken).ConfigureAwait(false);
                }
            }

            return;
        }

        if (!JsonRpcEnvelopeReader.TryRead(json, out var single, out var invalid))
        {
            LogInvalid(invalid);
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
        if (ReferenceEquals(owned.Method, McpMethods.Initialize))
        {
            // initialize runs inline so later messages see the negotiated revision.
            await RespondAsync(session, owned, sink, services, cancellationToken).ConfigureAwait(false);
            return;
        }

        _ = Task.Run(() => RespondAsync(session, owned, sink, services, cancellationToken), CancellationToken.None);
    }

    private async Task RespondAsync(McpSession session, JsonRpcEnvelope request, IMcpMessageSink sink, IServiceProvider? services, CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync(session, request, sink, services, cancellationToken).ConfigureAwait(false);
        if (result.IsCancelled)
        {
            return;
        }

        using var buffer = new PooledBufferWriter(1024);
        JsonRpcWriter.WriteResponse(buffer, request.Id, result);
        try
        {
            await sink.SendAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            LogNotificationDropped(_logger, session.Id, ex.Message);
        }
    }

    private static async Task SendErrorAsync(IMcpMessageSink sink, JsonRpcId? id, RpcError error, CancellationToken cancellationToken)
    {
        using var buffer = new PooledBufferWriter(256);
        JsonRpcWriter.WriteError(buffer, id, error);
        await sink.SendAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    private static RpcError ToError(in InvalidMessage m) => new(McpErrorCode.InvalidMessage, m.Message, m.Reason, m.Field);

    private void LogInvalid(in InvalidMessage m) => LogInvalidMessage(_logger, m.Reason, m.Message);

    [Microsoft.Extensions.Logging.LoggerMessage(107, Microsoft.Extensions.Logging.LogLevel.Information, "Refused a message: {Reason}: {Detail}", EventName = "ERROR_PARSE")]
    private static partial void LogInvalidMessage(Microsoft.Extensions.Logging.ILogger logger, string reason, string detail);
}
