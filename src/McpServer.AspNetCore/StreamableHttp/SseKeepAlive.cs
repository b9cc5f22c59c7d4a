using System.Collections.Concurrent;
using McpServer.Sessions;

namespace McpServer.AspNetCore.StreamableHttp;

/// <summary>
/// One timer for every open SSE stream: a stream idle for the keep-alive interval gets a
/// comment line, so proxies and load balancers do not cut it, and its session stays alive.
/// </summary>
internal sealed class SseKeepAlive : IDisposable
{
    private readonly ConcurrentDictionary<SseWriter, McpSession?> _streams = new();
    private readonly SessionManager _sessions;
    private readonly long _intervalMs;
    private readonly Timer _timer;

    public SseKeepAlive(McpHttpOptions options, SessionManager sessions)
    {
        _sessions = sessions;
        _intervalMs = (long)Math.Max(1, options.SseKeepAliveInterval.TotalMilliseconds);
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(_intervalMs / 3, 200, 5000));
        _timer = new Timer(static s => ((SseKeepAlive)s!).Tick(), this, tick, tick);
    }

    public int Count => _streams.Count;

    public void Add(SseWriter writer, McpSession? session) => _streams[writer] = session;

    public void Remove(SseWriter writer) => _streams.TryRemove(writer, out _);

    private void Tick()
    {
        var now = Environment.TickCount64;
        foreach (var (writer, session) in _streams)
        {
            if (writer.IsDead)
            {
                _streams.TryRemove(writer, out _);
                continue;
            }

            if (session is not null)
            {
                session.Touch(_sessions.Now);
            }

            if (now - writer.LastWrite >= _intervalMs)
            {
                _ = writer.WriteKeepAliveAsync();
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
