using McpServer.Protocol;
using McpServer.Sessions;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Sessions;

public sealed class McpSessionTests : IDisposable
{
    private readonly SessionManager _sessions = new(sweep: false);

    public void Dispose() => _sessions.Dispose();

    [Fact]
    public void Subscribe_ThenUnsubscribe_TracksOrdinalUris()
    {
        var session = NewSession();

        session.Subscribe("file:///A");
        session.Subscribe("file:///A");
        var subscribed = session.IsSubscribed("file:///A");
        var otherCase = session.IsSubscribed("file:///a");
        session.Unsubscribe("file:///A");
        session.Unsubscribe("file:///never");

        Assert.True(subscribed);
        Assert.False(otherCase);
        Assert.False(session.IsSubscribed("file:///A"));
    }

    [Fact]
    public void TryAddInFlight_SameIdTwice_RefusesTheSecond()
    {
        var session = NewSession();
        using var a = new CancellationTokenSource();
        using var b = new CancellationTokenSource();

        Assert.True(InFlight.TryAdd(session, new JsonRpcId(1), a));
        Assert.False(InFlight.TryAdd(session, new JsonRpcId(1), b));
        Assert.True(InFlight.TryAdd(session, new JsonRpcId("1"), b));
        Assert.Equal(2, session.InFlightCount);
    }

    [Fact]
    public void TryAddInFlight_OverlappingRequests_DuplicatesFoundInTheSlotAndInTheDictionary()
    {
        var session = NewSession();
        using var a = new CancellationTokenSource();
        using var b = new CancellationTokenSource();
        using var c = new CancellationTokenSource();
        using var d = new CancellationTokenSource();

        Assert.True(InFlight.TryAdd(session, new JsonRpcId(1), a));   // the single slot
        Assert.True(InFlight.TryAdd(session, new JsonRpcId(2), b));   // overlaps: the dictionary
        Assert.False(InFlight.TryAdd(session, new JsonRpcId(2), c));  // duplicate of a dictionary entry
        session.RemoveInFlight(new JsonRpcId(1));                      // the slot frees up
        Assert.False(InFlight.TryAdd(session, new JsonRpcId(2), c));  // still a duplicate, though the slot is free
        Assert.True(InFlight.TryAdd(session, new JsonRpcId(3), d));
        Assert.Equal(2, session.InFlightCount);

        Assert.True(session.TryCancelInFlight(new JsonRpcId(2)));
        Assert.True(b.IsCancellationRequested);
        Assert.True(session.TryCancelInFlight(new JsonRpcId(3)));
        Assert.True(d.IsCancellationRequested);
        session.RemoveInFlight(new JsonRpcId(2));
        session.RemoveInFlight(new JsonRpcId(3));
        Assert.Equal(0, session.InFlightCount);
        Assert.False(session.TryCancelInFlight(new JsonRpcId(2)));
    }

    [Fact]
    public void TryAddInFlight_SequentialRequests_NeverCreateTheOverlapDictionary()
    {
        var session = NewSession();
        for (var i = 0; i < 100; i++)
        {
            using var cts = new CancellationTokenSource();
            Assert.True(InFlight.TryAdd(session, new JsonRpcId(i), cts));
            session.RemoveInFlight(new JsonRpcId(i));
        }

        // The overlap dictionary lives in the session's side object, which is not even created.
        Assert.Null(RareState(session));
        Assert.Equal(0, session.InFlightCount);
    }

    [Fact]
    public void TryCancelInFlight_KnownAndUnknownIds_CancelsOnlyKnown()
    {
        var session = NewSession();
        using var cts = new CancellationTokenSource();
        InFlight.TryAdd(session, new JsonRpcId(1), cts);

        Assert.False(session.TryCancelInFlight(new JsonRpcId(2)));
        Assert.False(cts.IsCancellationRequested);
        Assert.True(session.TryCancelInFlight(new JsonRpcId(1)));
        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public void RemoveInFlight_UnknownId_LeavesTheCountAlone()
    {
        var session = NewSession();
        using var cts = new CancellationTokenSource();
        InFlight.TryAdd(session, new JsonRpcId(1), cts);

        session.RemoveInFlight(new JsonRpcId(2));
        var afterUnknown = session.InFlightCount;
        session.RemoveInFlight(new JsonRpcId(1));
        session.RemoveInFlight(new JsonRpcId(1));

        Assert.Equal(1, afterUnknown);
        Assert.Equal(0, session.InFlightCount);
        Assert.False(session.TryCancelInFlight(new JsonRpcId(1)));
    }

    [Fact]
    public void RegisterClientRequest_Ids_IncreaseFromOne()
    {
        var session = NewSession();

        var (first, _) = session.RegisterClientRequest();
        var (second, _) = session.RegisterClientRequest();

        Assert.Equal(1, first);
        Assert.Equal(2, second);
    }

    [Fact]
    public async Task TryCompleteClientRequest_MatchingId_CompletesOnce()
    {
        var session = NewSession();
        var (id, completion) = session.RegisterClientRequest();
        var answer = new ClientResponse(null, -1, "no");

        Assert.False(session.TryCompleteClientRequest(new JsonRpcId(id.ToString(System.Globalization.CultureInfo.InvariantCulture)), answer));
        Assert.True(session.TryCompleteClientRequest(new JsonRpcId(id), answer));
        Assert.False(session.TryCompleteClientRequest(new JsonRpcId(id), answer));
        Assert.Equal(answer, await completion.Task);
    }

    [Fact]
    public void ForgetClientRequest_ThenAnswer_IsNotRouted()
    {
        var session = NewSession();
        var (id, _) = session.RegisterClientRequest();

        session.ForgetClientRequest(id);

        Assert.False(session.TryCompleteClientRequest(new JsonRpcId(id), new ClientResponse(null, 0, null)));
    }

    [Fact]
    public void IsInitialized_FollowsRevision()
    {
        var session = NewSession();
        var before = session.IsInitialized;

        session.Revision = ProtocolRevision.V2024_11_05;

        Assert.False(before);
        Assert.True(session.IsInitialized);
    }

    [Fact]
    public void Outbound_SetToNullOnAnIdleSession_CreatesNoSideObject()
    {
        var session = NewSession();

        session.Outbound = null;
        session.TransportState = null;

        Assert.Null(RareState(session));
        Assert.Null(session.Outbound);
        Assert.Null(session.TransportState);
    }

    [Fact]
    public void TransportState_SetThenCleared_ReadsBack()
    {
        var session = NewSession();
        var state = new object();

        session.TransportState = state;
        var read = session.TransportState;
        session.TransportState = null;

        Assert.Same(state, read);
        Assert.Null(session.TransportState);
    }

    private McpSession NewSession() => _sessions.TryCreate("streamable-http")!;

    // The side object that holds what few sessions use (overlapping requests, subscriptions, streams).
    internal static object? RareState(McpSession session) =>
        typeof(McpSession).GetField("_rare", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(session);
}
