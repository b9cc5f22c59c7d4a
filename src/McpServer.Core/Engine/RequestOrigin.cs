namespace McpServer.Engine;

/// <summary>
/// Where the message being dispatched came from (connection, client address, size), for the
/// <c>MESSAGE_RECEIVED</c> event. A transport sets it on its thread right before it hands a message
/// to the engine, which reads it synchronously; it is formatted only when the event is logged, so
/// the hot path pays nothing for it.
/// </summary>
internal static class RequestOrigin
{
    [ThreadStatic]
    private static object? t_origin;

    [ThreadStatic]
    private static long t_bytes;

    /// <summary>Turns a transport's origin object into its connection id and client address; set by the HTTP transport.</summary>
    public static Func<object, (string ConnectionId, string ClientAddress)>? Describe { get; set; }

    /// <summary>Reads a transport's origin object's W3C trace context (<c>traceparent</c>, <c>tracestate</c>); set by the HTTP transport.</summary>
    public static Func<object, (string? TraceParent, string? TraceState)>? TraceContext { get; set; }

    public static void Set(object origin, long bytes)
    {
        t_origin = origin;
        t_bytes = bytes;
    }

    /// <summary>The trace context the transport received with the current message, if any.</summary>
    public static (string? TraceParent, string? TraceState) CurrentTraceContext()
    {
        var origin = t_origin;
        return origin is null or string || TraceContext is not { } read ? (null, null) : read(origin);
    }

    /// <summary>
    /// Turns a transport's origin object into one that stays valid after the message's own exchange
    /// ends (an HTTP request's context is recycled); set by the HTTP transport.
    /// </summary>
    public static Func<object, object>? Keep { get; set; }

    /// <summary>The origin of the message being handed over, in the form a request keeps for its later events.</summary>
    public static object? Retain()
    {
        var origin = t_origin;
        return origin is null or string || Keep is not { } keep ? origin : keep(origin);
    }

    /// <summary>The connection id and client address of an origin from <see cref="Retain"/>; "-" for what is unknown.</summary>
    public static (string ConnectionId, string ClientAddress) Of(object? origin) => origin switch
    {
        null => ("-", "-"),
        string transport => (transport, "-"),
        _ => Describe?.Invoke(origin) ?? ("-", "-"),
    };

    public static (string ConnectionId, string ClientAddress, long Bytes) Current()
    {
        var origin = t_origin;
        if (origin is null)
        {
            return ("-", "-", 0);
        }

        if (origin is string transport)
        {
            return (transport, "-", t_bytes);
        }

        var (connection, client) = Describe?.Invoke(origin) ?? ("-", "-");
        return (connection, client, t_bytes);
    }
}
