using System.Collections.Concurrent;
using System.Text.Json;
using McpServer.Engine;
using McpServer.Protocol;

namespace McpServer.Sessions;

/// <summary>
/// One client's session: what was negotiated, what it subscribed to, what is in flight.
/// Kept small, because a server holds many idle ones: what only some sessions use (overlapping
/// requests, server-to-client requests, subscriptions, SSE streams) lives in a side object created
/// on first use, so an idle session is this object, its id and its entry in the session table.
/// </summary>
public sealed class McpSession
{
    // The request in flight when there is only one (the usual case); overlapping requests go to
    // the side object's dictionary.
    private RequestContext? _first;
    private Rare? _rare;
    private long _lastActivity;
    private int _inFlightCount;
    private int _pendingWork;
    private int _ended;

    internal McpSession(string id, string transport, long now)
    {
        Id = id;
        Transport = transport;
        _lastActivity = now;
    }

    /// <summary>The session id (visible ASCII, 128 random bits).</summary>
    public string Id { get; }

    /// <summary>"streamable-http", "sse" or "stdio".</summary>
    public string Transport { get; }

    /// <summary>The negotiated revision (<see cref="ProtocolRevision.None"/> before <c>initialize</c>).</summary>
    public ProtocolRevision Revision { get; internal set; }

    /// <summary>What the client said it can do.</summary>
    public ClientCapabilities? ClientCapabilities { get; internal set; }

    /// <summary>The client's name and version.</summary>
    public Implementation? ClientInfo { get; internal set; }

    /// <summary>Whether <c>initialize</c> was answered.</summary>
    public bool IsInitialized => Revision != ProtocolRevision.None;

    /// <summary>The lowest log level the client asked for; <see langword="null"/> sends every level.</summary>
    public LoggingLevel? LogLevel { get; internal set; }

    /// <summary>Whether the session has ended.</summary>
    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    /// <summary>Where messages not tied to a request go (standalone SSE stream, legacy SSE stream, stdout).</summary>
    public IMcpMessageSink? Outbound
    {
        get => _rare?.Outbound;
        set
        {
            if (value is not null || _rare is not null)
            {
                GetRare().Outbound = value;
            }
        }
    }

    /// <summary>State a transport keeps with the session (e.g. SSE streams and their replay buffer).</summary>
    public object? TransportState
    {
        get => _rare?.TransportState;
        set
        {
            if (value is not null || _rare is not null)
            {
                GetRare().TransportState = value;
            }
        }
    }

    /// <summary>
    /// What the client may do, from its API key or access token; <see langword="null"/> when
    /// authentication is off. A transport sets it from each request's credentials, so a revoked
    /// key or a narrowed scope applies from the next request on.
    /// </summary>
    public ClientAccess? Access { get; set; }

    internal long LastActivity => Volatile.Read(ref _lastActivity);

    internal int InFlightCount => Volatile.Read(ref _inFlightCount);

    /// <summary>Requests read but not yet answered on the transport (covers the write of the response).</summary>
    internal int PendingWork => Volatile.Read(ref _pendingWork);

    internal void BeginWork() => Interlocked.Increment(ref _pendingWork);

    internal void EndWork() => Interlocked.Decrement(ref _pendingWork);

    internal void Touch(long now) => Volatile.Write(ref _lastActivity, now);

    internal bool TryEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    internal bool TryAddInFlight(JsonRpcId id, RequestContext context)
    {
        if (Interlocked.CompareExchange(ref _first, context, null) is null)
        {
            if (_rare?.InFlight is { } overlapping && overlapping.ContainsKey(id))
            {
                Interlocked.CompareExchange(ref _first, null, context);
                return false;
            }

            Interlocked.Increment(ref _inFlightCount);
            return true;
        }

        if (Volatile.Read(ref _first) is { } first && first.Id == id)
        {
            return false;
        }

        var rare = GetRare();
        var map = rare.InFlight ?? Interlocked.CompareExchange(ref rare.InFlight, new(), null) ?? rare.InFlight!;
        if (!map.TryAdd(id, context))
        {
            return false;
        }

        // A request with the same id may have taken the single slot meanwhile: then both are refused.
        if (Volatile.Read(ref _first) is { } raced && raced.Id == id && !ReferenceEquals(raced, context))
        {
            map.TryRemove(id, out _);
            return false;
        }

        Interlocked.Increment(ref _inFlightCount);
        return true;
    }

    /// <summary>Adds the requests in flight in this session to <paramref name="into"/> (shutdown, status).</summary>
    internal void CollectInFlight(List<RequestContext> into)
    {
        var first = Volatile.Read(ref _first);
        if (first is not null)
        {
            into.Add(first);
        }

        if (_rare?.InFlight is { } map)
        {
            foreach (var (_, context) in map)
            {
                if (!ReferenceEquals(context, first))
                {
                    into.Add(context);
                }
            }
        }
    }

    internal void RemoveInFlight(RequestContext context)
    {
        if (ReferenceEquals(Interlocked.CompareExchange(ref _first, null, context), context)
            || (_rare?.InFlight is { } map && map.TryRemove(new KeyValuePair<JsonRpcId, RequestContext>(context.Id, context))))
        {
            Interlocked.Decrement(ref _inFlightCount);
        }
    }

    internal void RemoveInFlight(JsonRpcId id)
    {
        if (FindInFlight(id) is { } context)
        {
            RemoveInFlight(context);
        }
    }

    internal RequestContext? FindInFlight(JsonRpcId id)
    {
        if (Volatile.Read(ref _first) is { } first && first.Id == id)
        {
            return first;
        }

        return _rare?.InFlight is { } map && map.TryGetValue(id, out var context) ? context : null;
    }

    /// <summary>
    /// Requests of revision 2026-07-28 running on this channel (stdio), each on a session of its own;
    /// kept so <c>notifications/cancelled</c> on the channel reaches them.
    /// </summary>
    internal ConcurrentDictionary<JsonRpcId, McpSession>? StatelessRequests
    {
        get => _rare?.StatelessRequests;
        set => GetRare().StatelessRequests = value;
    }

    internal bool TryCancelInFlight(JsonRpcId id)
    {
        if (StatelessRequests is { } stateless && stateless.TryGetValue(id, out var scoped))
        {
            return scoped.TryCancelInFlight(id);
        }

        if (FindInFlight(id) is { } context)
        {
            context.Cancel(byClient: true);
            return true;
        }

        return false;
    }

    internal void CancelAll()
    {
        Volatile.Read(ref _first)?.Cancel(byClient: false);
        if (_rare?.InFlight is { } map)
        {
            foreach (var (_, context) in map)
            {
                context.Cancel(byClient: false);
            }
        }

        if (_rare?.Pending is { } pending)
        {
            foreach (var (_, tcs) in pending)
            {
                tcs.TrySetCanceled();
            }
        }
    }

    internal (long Id, TaskCompletionSource<ClientResponse> Completion) RegisterClientRequest()
    {
        var rare = GetRare();
        var id = Interlocked.Increment(ref rare.NextRequestId);
        var tcs = new TaskCompletionSource<ClientResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var map = rare.Pending ?? Interlocked.CompareExchange(ref rare.Pending, new(), null) ?? rare.Pending!;
        map[id] = tcs;
        return (id, tcs);
    }

    internal void ForgetClientRequest(long id) => _rare?.Pending?.TryRemove(id, out _);

    internal bool TryCompleteClientRequest(JsonRpcId id, ClientResponse response)
    {
        if (!id.IsString && _rare?.Pending is { } map && map.TryRemove(id.Number, out var tcs))
        {
            return tcs.TrySetResult(response);
        }

        return false;
    }

    /// <summary>Subscribes to updates of a resource.</summary>
    internal void Subscribe(string uri)
    {
        lock (this)
        {
            (GetRare().Subscriptions ??= new HashSet<string>(StringComparer.Ordinal)).Add(uri);
        }
    }

    internal void Unsubscribe(string uri)
    {
        lock (this)
        {
            _rare?.Subscriptions?.Remove(uri);
        }
    }

    internal bool IsSubscribed(string uri)
    {
        lock (this)
        {
            return _rare?.Subscriptions?.Contains(uri) == true;
        }
    }

    private Rare GetRare() => _rare ?? Interlocked.CompareExchange(ref _rare, new Rare(), null) ?? _rare!;

    // What few sessions use, apart from the fields every session needs: an idle session has none.
    private sealed class Rare
    {
        public ConcurrentDictionary<JsonRpcId, RequestContext>? InFlight;
        public ConcurrentDictionary<long, TaskCompletionSource<ClientResponse>>? Pending;
        public HashSet<string>? Subscriptions;
        public ConcurrentDictionary<JsonRpcId, McpSession>? StatelessRequests;
        public IMcpMessageSink? Outbound;
        public object? TransportState;
        public long NextRequestId;
    }
}

/// <summary>A client's answer to a server-to-client request.</summary>
internal readonly record struct ClientResponse(JsonElement? Result, int ErrorCode, string? ErrorMessage);
