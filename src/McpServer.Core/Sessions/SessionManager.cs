using System.Collections.Concurrent;
using McpServer.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpServer.Sessions;

/// <summary>Options of the session table.</summary>
public sealed class SessionOptions
{
    /// <summary>Gets or sets the most sessions held at once; a new <c>initialize</c> past it gets HTTP 503.
    /// <value>The default is 10 000.</value></summary>
    public int MaxSessions { get; set; } = SessionConstants.DefaultMaxSessions;

    /// <summary>Gets or sets how long a session may sit unused before it is ended.
    /// <value>The default is 30 minutes.</value></summary>
    public TimeSpan IdleTimeout { get; set; } = SessionConstants.DefaultIdleTimeout;
}

/// <summary>Session defaults.</summary>
internal static class SessionConstants
{
    public const int DefaultMaxSessions = 10_000;
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(30);
}

/// <summary>The table of live sessions, their limit and their idle expiry.</summary>
public sealed partial class SessionManager : IDisposable
{
    private readonly ConcurrentDictionary<string, McpSession> _sessions = new(StringComparer.Ordinal);
    private readonly SessionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer? _sweeper;
    private int _count;

    // Requests of no session in the table (revision 2026-07-28) that did not finish at once, so a
    // shutdown can say what it waits for; one that finishes at once is never added.
    private readonly ConcurrentDictionary<McpSession, byte> _detached = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates the table.</summary>
    public SessionManager(SessionOptions? options = null, TimeProvider? time = null, ILogger<SessionManager>? logger = null, bool sweep = true)
    {
        _options = options ?? new SessionOptions();
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Engine.McpMetrics.Track(this);
        if (sweep)
        {
            var period = TimeSpan.FromTicks(Math.Clamp(_options.IdleTimeout.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
            _sweeper = _time.CreateTimer(static s => ((SessionManager)s!).SweepIdle(), this, period, period);
        }
    }

    /// <summary>Raised after a session ends (deleted, expired or closed by its transport).</summary>
    public event Action<McpSession>? SessionEnded;

    /// <summary>The number of live sessions.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The live sessions, read as the table changes: no copy of the table is made and no lock is taken.</summary>
    public IEnumerable<McpSession> Sessions
    {
        get
        {
            // ConcurrentDictionary.Values would copy every session into an array (on the large object
            // heap from about 10 000 sessions) under all of the table's locks, which also stalls initialize.
            foreach (var (_, session) in _sessions)
            {
                yield return session;
            }
        }
    }

    /// <summary>The options in force.</summary>
    public SessionOptions Options => _options;

    internal long Now => _time.GetTimestamp();

    /// <summary>Creates a session, or returns <see langword="null"/> when the table is full.</summary>
    public McpSession? TryCreate(string transport)
    {
        if (Interlocked.Increment(ref _count) > _options.MaxSessions)
        {
            Interlocked.Decrement(ref _count);
            LogSessionLimit(_logger, _options.MaxSessions);
            Engine.McpMetrics.CountLimit("too_many_sessions");
            return null;
        }

        while (true)
        {
            var session = new McpSession(NewId(), transport, Now);
            if (_sessions.TryAdd(session.Id, session))
            {
                LogSessionCreated(_logger, session.Id, transport);
                if (Engine.McpMetrics.SessionsOpened.Enabled)
                {
                    Engine.McpMetrics.SessionsOpened.Add(1);
                }

                return session;
            }
        }
    }

    /// <summary>Finds a live session.</summary>
    public bool TryGet(string id, out McpSession session)
    {
        if (_sessions.TryGetValue(id, out session!) && !session.IsEnded)
        {
            session.Touch(Now);
            return true;
        }

        return false;
    }

    /// <summary>Ends a session: cancels its work and removes it.</summary>
    public bool End(McpSession session, string why)
    {
        if (!session.TryEnd())
        {
            return false;
        }

        if (_sessions.TryRemove(session.Id, out _))
        {
            Interlocked.Decrement(ref _count);
        }

        session.CancelAll();
        LogSessionEnded(_logger, session.Id, why);
        SessionEnded?.Invoke(session);
        return true;
    }

    /// <summary>Ends every session (shutdown).</summary>
    public void EndAll(string why)
    {
        foreach (var (_, s) in _sessions)
        {
            End(s, why);
        }
    }

    /// <summary>Counts a request of a session outside the table (stateless) as in flight until <see cref="UntrackDetached"/>.</summary>
    internal void TrackDetached(McpSession session) => _detached.TryAdd(session, 0);

    internal void UntrackDetached(McpSession session) => _detached.TryRemove(session, out _);

    /// <summary>Every request in flight: in the sessions of the table, and stateless ones still running.</summary>
    internal List<RequestContext> InFlightRequests()
    {
        var all = new List<RequestContext>();
        foreach (var s in _sessions.Values)
        {
            s.CollectInFlight(all);
        }

        foreach (var (s, _) in _detached)
        {
            s.CollectInFlight(all);
        }

        return all;
    }

    internal void SweepIdle()
    {
        var now = Now;
        foreach (var (_, s) in _sessions)
        {
            if (s.Transport != "stdio" && s.InFlightCount == 0 && _time.GetElapsedTime(s.LastActivity, now) > _options.IdleTimeout)
            {
                End(s, "idle timeout");
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _sweeper?.Dispose();

    private static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        SystemRandom.Fill(bytes);
        return System.Buffers.Text.Base64Url.EncodeToString(bytes);
    }

    [LoggerMessage(200, LogLevel.Debug, "Session {SessionId} created on {Transport}.", EventName = "SESSION_CREATED")]
    private static partial void LogSessionCreated(ILogger logger, string sessionId, string transport);

    [LoggerMessage(201, LogLevel.Debug, "Session {SessionId} ended: {Why}.", EventName = "SESSION_ENDED")]
    private static partial void LogSessionEnded(ILogger logger, string sessionId, string why);

    [LoggerMessage(202, LogLevel.Warning, "Session limit of {MaxSessions} reached; new sessions are refused with HTTP 503 until some end (clients that DELETE finished sessions, or the idle timeout, free them).", EventName = "ERROR_SESSION_LIMIT")]
    private static partial void LogSessionLimit(ILogger logger, int maxSessions);
}
