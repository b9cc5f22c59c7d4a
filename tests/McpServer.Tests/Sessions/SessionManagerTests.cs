using System.Text.RegularExpressions;
using McpServer.Protocol;
using McpServer.Sessions;
using McpServer.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace McpServer.Tests.Sessions;

public sealed partial class SessionManagerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryCreate_BeyondMaxSessions_ReturnsNullUntilOneEnds()
    {
        using var sessions = new SessionManager(new SessionOptions { MaxSessions = 2 }, _time, sweep: false);

        var a = sessions.TryCreate("streamable-http");
        var b = sessions.TryCreate("sse");
        var refused = sessions.TryCreate("streamable-http");
        var countWhenFull = sessions.Count;
        Assert.NotNull(a);
        sessions.End(a, "test");
        var afterEnd = sessions.TryCreate("streamable-http");

        Assert.NotNull(b);
        Assert.Null(refused);
        Assert.Equal(2, countWhenFull);
        Assert.NotNull(afterEnd);
        Assert.Equal(2, sessions.Count);
    }

    [Fact]
    public void TryCreate_Ids_Are22UrlSafeBase64CharsAndUnique()
    {
        using var sessions = new SessionManager(time: _time, sweep: false);
        var ids = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < 1000; i++)
        {
            var id = sessions.TryCreate("streamable-http")!.Id;
            Assert.Matches(UrlSafeId(), id);
            Assert.True(ids.Add(id), $"Duplicate session id {id}");
        }

        Assert.Equal(1000, sessions.Count);
    }

    [Fact]
    public void TryCreate_NewSession_IsFreshAndListed()
    {
        using var sessions = new SessionManager(time: _time, sweep: false);

        var session = sessions.TryCreate("sse")!;

        Assert.Equal("sse", session.Transport);
        Assert.False(session.IsInitialized);
        Assert.False(session.IsEnded);
        Assert.Same(session, Assert.Single(sessions.Sessions));
    }

    [Fact]
    public void TryGet_LiveEndedAndUnknown_FindsOnlyLive()
    {
        using var sessions = new SessionManager(time: _time, sweep: false);
        var live = sessions.TryCreate("streamable-http")!;
        var ended = sessions.TryCreate("streamable-http")!;
        sessions.End(ended, "test");

        Assert.True(sessions.TryGet(live.Id, out var found));
        Assert.Same(live, found);
        Assert.False(sessions.TryGet(ended.Id, out _));
        Assert.False(sessions.TryGet("no-such-session", out _));
        Assert.False(sessions.TryGet(live.Id.ToUpperInvariant() + "x", out _));
    }

    [Fact]
    public void SweepIdle_PastIdleTimeout_EndsSessionAndRaisesSessionEnded()
    {
        using var sessions = new SessionManager(new SessionOptions { IdleTimeout = TimeSpan.FromMinutes(10) }, _time, sweep: false);
        var ended = new List<McpSession>();
        sessions.SessionEnded += ended.Add;
        var session = sessions.TryCreate("streamable-http")!;

        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        sessions.SweepIdle();

        Assert.Same(session, Assert.Single(ended));
        Assert.True(session.IsEnded);
        Assert.Equal(0, sessions.Count);
        Assert.False(sessions.TryGet(session.Id, out _));
    }

    [Fact]
    public void SweepIdle_ExactlyIdleTimeout_KeepsSession()
    {
        using var sessions = new SessionManager(new SessionOptions { IdleTimeout = TimeSpan.FromMinutes(10) }, _time, sweep: false);
        var session = sessions.TryCreate("streamable-http")!;

        _time.Advance(TimeSpan.FromMinutes(10));
        sessions.SweepIdle();

        Assert.False(session.IsEnded);
        Assert.Equal(1, sessions.Count);
    }

    [Fact]
    public void SweepIdle_SessionTouchedByTryGet_RestartsItsIdleClock()
    {
        using var sessions = new SessionManager(new SessionOptions { IdleTimeout = TimeSpan.FromMinutes(10) }, _time, sweep: false);
        var session = sessions.TryCreate("streamable-http")!;

        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.True(sessions.TryGet(session.Id, out _));
        _time.Advance(TimeSpan.FromMinutes(6));
        sessions.SweepIdle();
        var aliveAfterTwelveMinutes = !session.IsEnded;
        _time.Advance(TimeSpan.FromMinutes(5));
        sessions.SweepIdle();

        Assert.True(aliveAfterTwelveMinutes);
        Assert.True(session.IsEnded);
    }

    [Fact]
    public void SweepIdle_StdioSession_NeverExpires()
    {
        using var sessions = new SessionManager(new SessionOptions { IdleTimeout = TimeSpan.FromMinutes(1) }, _time, sweep: false);
        var session = sessions.TryCreate("stdio")!;

        _time.Advance(TimeSpan.FromDays(1));
        sessions.SweepIdle();

        Assert.False(session.IsEnded);
    }

    [Fact]
    public void SweepIdle_SessionWithRequestInFlight_IsKept()
    {
        using var sessions = new SessionManager(new SessionOptions { IdleTimeout = TimeSpan.FromMinutes(1) }, _time, sweep: false);
        var session = sessions.TryCreate("streamable-http")!;
        using var cts = new CancellationTokenSource();
        Assert.True(InFlight.TryAdd(session, new JsonRpcId(1), cts));

        _time.Advance(TimeSpan.FromMinutes(5));
        sessions.SweepIdle();
        var keptWhileBusy = !session.IsEnded;
        session.RemoveInFlight(new JsonRpcId(1));
        sessions.SweepIdle();

        Assert.True(keptWhileBusy);
        Assert.True(session.IsEnded);
    }

    [Fact]
    public void SweepTimer_FakeTimeAdvances_EndsIdleSession()
    {
        using var sessions = new SessionManager(new SessionOptions { IdleTimeout = TimeSpan.FromMinutes(4) }, _time, sweep: true);
        var session = sessions.TryCreate("streamable-http")!;

        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        var aliveAtThreeMinutes = !session.IsEnded;
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.True(aliveAtThreeMinutes);
        Assert.True(session.IsEnded);
    }

    [Fact]
    public void Dispose_SweepTimer_StopsSweeping()
    {
        var sessions = new SessionManager(new SessionOptions { IdleTimeout = TimeSpan.FromMinutes(1) }, _time, sweep: true);
        var session = sessions.TryCreate("streamable-http")!;

        sessions.Dispose();
        _time.Advance(TimeSpan.FromHours(1));

        Assert.False(session.IsEnded);
    }

    [Fact]
    public void End_InFlightRequestsAndClientRequests_AreCancelled()
    {
        using var sessions = new SessionManager(time: _time, sweep: false);
        var session = sessions.TryCreate("streamable-http")!;
        using var a = new CancellationTokenSource();
        using var b = new CancellationTokenSource();
        InFlight.TryAdd(session, new JsonRpcId(1), a);
        InFlight.TryAdd(session, new JsonRpcId("two"), b);
        var (_, pending) = session.RegisterClientRequest();

        Assert.True(sessions.End(session, "deleted"));

        Assert.True(a.IsCancellationRequested);
        Assert.True(b.IsCancellationRequested);
        Assert.True(pending.Task.IsCanceled);
    }

    [Fact]
    public void End_Twice_EndsOnceAndCountsOnce()
    {
        using var sessions = new SessionManager(time: _time, sweep: false);
        var ended = 0;
        sessions.SessionEnded += _ => ended++;
        var session = sessions.TryCreate("streamable-http")!;
        sessions.TryCreate("streamable-http");

        var first = sessions.End(session, "a");
        var second = sessions.End(session, "b");

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(1, ended);
        Assert.Equal(1, sessions.Count);
    }

    [Fact]
    public void EndAll_EverySession_IsEnded()
    {
        using var sessions = new SessionManager(time: _time, sweep: false);
        var all = Enumerable.Range(0, 5).Select(_ => sessions.TryCreate("streamable-http")!).ToArray();

        sessions.EndAll("shutdown");

        Assert.All(all, s => Assert.True(s.IsEnded));
        Assert.Equal(0, sessions.Count);
        Assert.Empty(sessions.Sessions);
    }

    [Fact]
    public void Sessions_EndedWhileListed_ListsEachLiveSessionOnce()
    {
        using var sessions = new SessionManager(time: _time, sweep: false);
        var all = Enumerable.Range(0, 50).Select(_ => sessions.TryCreate("streamable-http")!).ToList();
        var seen = new List<McpSession>();

        foreach (var s in sessions.Sessions)
        {
            seen.Add(s);
            sessions.End(s, "deleted by client");
        }

        Assert.Equal(all.Count, seen.Distinct().Count());
        Assert.Equal(all.OrderBy(s => s.Id), seen.OrderBy(s => s.Id));
        Assert.Empty(sessions.Sessions);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{22}$")]
    private static partial Regex UrlSafeId();
}
