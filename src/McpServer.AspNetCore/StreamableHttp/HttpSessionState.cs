using System.Globalization;
using McpServer.Engine;
using McpServer.Sessions;

namespace McpServer.AspNetCore.StreamableHttp;

/// <summary>
/// What the Streamable HTTP transport keeps per session: its SSE streams and a bounded buffer
/// of recent events, so a client that lost a stream can resume it with <c>Last-Event-ID</c>.
/// Event ids are <c>STREAM_SEQ</c>; stream 0 is the standalone GET stream.
/// </summary>
internal sealed class HttpSessionState
{
    private readonly Lock _gate = new();
    private readonly Queue<BufferedEvent> _events = new();
    private readonly Dictionary<int, StreamState> _streams = [];
    private readonly int _capacity;
    private int _nextStreamId = 1;
    private bool _ended;

    public HttpSessionState(McpSession session, int capacity)
    {
        _capacity = Math.Max(0, capacity);
        Standalone = new StreamState(0);
        _streams[0] = Standalone;
        StandaloneSink = new StandaloneStreamSink(this);
        session.Outbound = StandaloneSink;
    }

    public StreamState Standalone { get; }

    public IMcpMessageSink StandaloneSink { get; }

    public static HttpSessionState For(McpSession session, McpHttpOptions options)
    {
        if (session.TransportState is HttpSessionState s)
        {
            return s;
        }

        lock (session)
        {
            return session.TransportState as HttpSessionState ?? (HttpSessionState)(session.TransportState = new HttpSessionState(session, options.SseReplayBufferSize));
        }
    }

    public StreamState OpenStream()
    {
        lock (_gate)
        {
            var s = new StreamState(_nextStreamId++);
            _streams[s.Id] = s;
            return s;
        }
    }

    /// <summary>Buffers a message on a stream and returns its event id and the writer to send it on now, if any.</summary>
    public (string Id, SseWriter? Live) Append(StreamState stream, ReadOnlyMemory<byte> json)
    {
        lock (_gate)
        {
            var seq = ++stream.Seq;
            if (_capacity > 0)
            {
                if (_events.Count >= _capacity)
                {
                    var dropped = _events.Dequeue();
                    dropped.Stream.DroppedThrough = dropped.Seq;
                }

                _events.Enqueue(new BufferedEvent(stream, seq, json.ToArray()));
            }
            else
            {
                stream.DroppedThrough = seq;
            }

            return (FormatId(stream.Id, seq), stream.Live?.Writer);
        }
    }

    public string PrimingId(StreamState stream)
    {
        lock (_gate)
        {
            return FormatId(stream.Id, stream.Seq);
        }
    }

    /// <summary>Marks a POST stream done; a resumed GET attached to it is released.</summary>
    public void Finish(StreamState stream)
    {
        Attachment? live;
        lock (_gate)
        {
            stream.Finished = true;
            _streams.Remove(stream.Id);
            live = stream.Live;
            stream.Live = null;
        }

        live?.Released.TrySetResult();
    }

    /// <summary>Detaches the POST response writer from its stream (SSE polling): later events are only buffered.</summary>
    public void Detach(StreamState stream, SseWriter writer)
    {
        lock (_gate)
        {
            if (stream.Live?.Writer == writer)
            {
                stream.Live = null;
            }
        }
    }

    /// <summary>
    /// Attaches a GET response to a stream after replaying what it missed. Returns the
    /// attachment to wait on, or <see langword="null"/> when the stream is already complete.
    /// <paramref name="incomplete"/> says that some of what it missed was dropped from the buffer.
    /// </summary>
    public Attachment? Resume(int streamId, long afterSeq, SseWriter writer, List<(string Id, byte[] Json)> replay, out bool incomplete)
    {
        Attachment? previous;
        Attachment attachment;
        lock (_gate)
        {
            StreamState? known = null;
            foreach (var e in _events)
            {
                if (e.Stream.Id == streamId)
                {
                    known ??= e.Stream;
                    if (e.Seq > afterSeq)
                    {
                        replay.Add((FormatId(streamId, e.Seq), e.Json));
                    }
                }
            }

            _streams.TryGetValue(streamId, out var alive);
            known = alive ?? known;
            // A stream this session opened, finished, of which nothing is kept: at least its answer is lost.
            incomplete = known is null ? streamId > 0 && streamId < _nextStreamId : known.DroppedThrough > afterSeq;
            if (_ended || alive is not { } stream || stream.Finished)
            {
                return null;
            }

            previous = stream.Live;
            attachment = new Attachment(writer, isGet: true);
            stream.Live = attachment;
        }

        previous?.Released.TrySetResult();
        return attachment;
    }

    public void Release(StreamState stream, Attachment attachment)
    {
        lock (_gate)
        {
            if (stream.Live == attachment)
            {
                stream.Live = null;
            }
        }
    }

    public bool TryGetStream(int id, out StreamState stream)
    {
        lock (_gate)
        {
            return _streams.TryGetValue(id, out stream!);
        }
    }

    /// <summary>Ends every stream of the session (the session ended).</summary>
    public void End() => Release(endSession: true);

    /// <summary>Ends the GET streams (shutdown): POST streams stay so in-flight requests still deliver their results.</summary>
    public void ReleaseGetStreams() => Release(endSession: false);

    private void Release(bool endSession)
    {
        List<Attachment> live = [];
        lock (_gate)
        {
            _ended |= endSession;
            foreach (var s in _streams.Values)
            {
                if (s.Live is { } a && (endSession || a.IsGet))
                {
                    live.Add(a);
                    s.Live = null;
                }
            }
        }

        foreach (var a in live)
        {
            a.Released.TrySetResult();
        }
    }

    public static bool TryParseEventId(string? value, out int stream, out long seq)
    {
        stream = 0;
        seq = 0;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var sep = value.IndexOf('_', StringComparison.Ordinal);
        return sep > 0
            && int.TryParse(value.AsSpan(0, sep), NumberStyles.None, CultureInfo.InvariantCulture, out stream)
            && long.TryParse(value.AsSpan(sep + 1), NumberStyles.None, CultureInfo.InvariantCulture, out seq);
    }

    private static string FormatId(int stream, long seq) => string.Create(CultureInfo.InvariantCulture, $"{stream}_{seq}");

    private readonly record struct BufferedEvent(StreamState Stream, long Seq, byte[] Json);

    internal sealed class StreamState(int id)
    {
        public int Id { get; } = id;
        public long Seq { get; set; }

        /// <summary>The last event of this stream that left the replay buffer (or never entered it).</summary>
        public long DroppedThrough { get; set; }
        public bool Finished { get; set; }
        public Attachment? Live { get; set; }
    }

    internal sealed class Attachment(SseWriter writer, bool isGet = false)
    {
        public SseWriter Writer { get; } = writer;
        public bool IsGet { get; } = isGet;
        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class StandaloneStreamSink(HttpSessionState state) : IMcpMessageSink
    {
        public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            var (id, live) = state.Append(state.Standalone, message);
            return live is null ? ValueTask.CompletedTask : new ValueTask(live.WriteEventAsync(id, message));
        }
    }
}
