using System.Buffers;
using System.IO.Pipelines;
using McpServer.Engine;
using McpServer.Protocol;

namespace McpServer.Stdio;

/// <summary>
/// The stdio transport: newline-delimited JSON-RPC on an input and an output stream. Nothing
/// but protocol messages is written to the output; logs belong on stderr.
/// </summary>
public static class StdioTransport
{
    /// <summary>Gets the longest line accepted; a longer one gets error 1001 and is skipped.</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// Serves one session until the input ends or <paramref name="cancellationToken"/> fires, then
    /// lets requests in flight finish within <paramref name="drainTimeout"/>.
    /// </summary>
    public static async Task RunAsync(McpDispatcher dispatcher, Stream input, Stream output, TimeSpan drainTimeout, CancellationToken cancellationToken, int maxMessageSize = DefaultMaxMessageSize)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        var session = dispatcher.Sessions.TryCreate(McpDispatcher.StdioTransportName) ?? throw new InvalidOperationException("The session table is full.");
        var sink = new LineSink(output);
        session.Outbound = sink;
        var reader = PipeReader.Create(input, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        var skipping = false;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ReadResult read;
                try
                {
                    read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                var buffer = read.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    if (skipping)
                    {
                        skipping = false;
                        continue;
                    }

                    await HandleLineAsync(dispatcher, session, sink, line, maxMessageSize, cancellationToken).ConfigureAwait(false);
                }

                if (buffer.Length > maxMessageSize)
                {
                    if (!skipping)
                    {
                        await SendTooLargeAsync(sink, maxMessageSize).ConfigureAwait(false);
                    }

                    skipping = true;
                    buffer = buffer.Slice(buffer.End);
                }

                if (read.IsCompleted)
                {
                    if (!skipping && buffer.Length > 0)
                    {
                        await HandleLineAsync(dispatcher, session, sink, buffer, maxMessageSize, cancellationToken).ConfigureAwait(false);
                    }

                    reader.AdvanceTo(read.Buffer.End);
                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }

            // End of input: requests already read still get their answers; subscriptions end with theirs.
            dispatcher.CloseSubscriptions();
            var deadline = Environment.TickCount64 + (long)drainTimeout.TotalMilliseconds;
            while (session.PendingWork > 0 && Environment.TickCount64 < deadline)
            {
                await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            dispatcher.Sessions.End(session, "end of input");
        }
    }

    private static async Task HandleLineAsync(McpDispatcher dispatcher, Sessions.McpSession session, LineSink sink, ReadOnlySequence<byte> line, int maxMessageSize, CancellationToken cancellationToken)
    {
        if (line.Length > maxMessageSize)
        {
            await SendTooLargeAsync(sink, maxMessageSize).ConfigureAwait(false);
            return;
        }

        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        if (IsBlank(line))
        {
            return;
        }

        var owned = ArrayPool<byte>.Shared.Rent((int)line.Length);
        try
        {
            line.CopyTo(owned);
            // Stopping ends the reading, not the requests already read: they drain.
            RequestOrigin.Set("stdio", line.Length);
            await dispatcher.ProcessAsync(session, owned.AsMemory(0, (int)line.Length), sink, null, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(owned);
        }
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, position.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    private static async Task SendTooLargeAsync(LineSink sink, int max)
    {
        using var buffer = new PooledBufferWriter(256);
        JsonRpcWriter.WriteError(buffer, null, new RpcError(McpErrorCode.InvalidMessage, $"A message is longer than the limit of {max} bytes; it was skipped.", "body_too_large"));
        await sink.SendAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
    }

    private sealed class LineSink(Stream output) : IMcpMessageSink
    {
        private static readonly byte[] s_newline = [(byte)'\n'];
        private readonly SemaphoreSlim _lock = new(1, 1);

        public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            await _lock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await output.WriteAsync(message, CancellationToken.None).ConfigureAwait(false);
                await output.WriteAsync(s_newline, CancellationToken.None).ConfigureAwait(false);
                await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _lock.Release();
            }
        }
    }
}
