using System.Collections.Concurrent;
using System.Text.Json;
using McpServer.Protocol;

namespace McpServer.Engine;

// subscriptions/listen (2026-07-28): a request that stays open and carries the list_changed and
// resources/updated notifications the client asked for, each tagged with the request's id.
public sealed partial class McpDispatcher
{
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();
    private volatile bool _subscriptionsClosed;

    /// <summary>How many <c>subscriptions/listen</c> streams are open.</summary>
    public int SubscriptionCount => _subscriptions.Count;

    /// <summary>
    /// Ends every open <c>subscriptions/listen</c> gracefully (each gets its completion result) and
    /// refuses new ones: called when the server begins to shut down, so the drain is not held up.
    /// </summary>
    public void CloseSubscriptions()
    {
        _subscriptionsClosed = true;
        foreach (var s in _subscriptions.Keys)
        {
            s.Ended.TrySetResult();
        }
    }

    private async ValueTask<RpcResult> ListenAsync(RequestContext ctx)
    {
        var filter = Bind(ctx.Params, McpJsonContext.Default.SubscriptionsListenRequestParams)?.Notifications ?? new SubscriptionFilter();
        var sink = ctx.Related ?? ctx.Session.Outbound
            ?? throw new McpProtocolException(McpErrorCode.InternalError, "This transport cannot carry a subscription stream.", "no_stream");
        if (_subscriptionsClosed)
        {
            throw new McpProtocolException(McpErrorCode.InternalError, "The server is shutting down and accepts no new subscriptions; listen again on another replica or after the restart.", "shutting_down");
        }

        // Everything the filter names is honoured; the acknowledgement repeats exactly that.
        var agreed = new SubscriptionFilter
        {
            ToolsListChanged = filter.ToolsListChanged == true ? true : null,
            PromptsListChanged = filter.PromptsListChanged == true ? true : null,
            ResourcesListChanged = filter.ResourcesListChanged == true ? true : null,
            ResourceSubscriptions = filter.ResourceSubscriptions is { Count: > 0 } uris ? [.. uris.Distinct(StringComparer.Ordinal)] : null,
        };
        var subscription = new Subscription(ctx.Id, agreed, sink);
        var meta = new SubscriptionMeta { SubscriptionId = subscription.IdElement };
        _subscriptions[subscription] = 0;
        try
        {
            // The acknowledgement goes out first, before any notification can reach the stream.
            await subscription.SendAsync(JsonRpcWriter.SerializeNotification(McpMethods.NotificationSubscriptionsAcknowledged,
                new SubscriptionAcknowledgedParams { Meta = meta, Notifications = agreed }, McpJsonContext.Default.SubscriptionAcknowledgedParams), first: true, ctx.CancellationToken).ConfigureAwait(false);
            LogSubscriptionOpened(_logger, ctx.Id, Describe(agreed));
            if (_subscriptionsClosed)
            {
                subscription.Ended.TrySetResult();
            }

            await subscription.Ended.Task.WaitAsync(ctx.CancellationToken).ConfigureAwait(false);
            return RpcResult.Ok(new SubscriptionsListenResult { Meta = meta }, McpJsonContext.Default.SubscriptionsListenResult);
        }
        finally
        {
            _subscriptions.TryRemove(subscription, out _);
            LogSubscriptionClosed(_logger, ctx.Id);
        }
    }

    private void NotifySubscriptions(string method, Func<Subscription, bool> wants, string? uri)
    {
        if (_subscriptions.IsEmpty)
        {
            return;
        }

        foreach (var s in _subscriptions.Keys)
        {
            if (!wants(s))
            {
                continue;
            }

            var message = JsonRpcWriter.SerializeNotification(method, new SubscriptionNotificationParams { Meta = new SubscriptionMeta { SubscriptionId = s.IdElement }, Uri = uri }, McpJsonContext.Default.SubscriptionNotificationParams);
            _ = SendToSubscriptionAsync(s, message);
        }
    }

    private async Task SendToSubscriptionAsync(Subscription subscription, byte[] message)
    {
        try
        {
            await subscription.SendAsync(message, first: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A listener that went away is not a server fault; its request ends on its own.
            LogNotificationDropped(_logger, "subscription " + subscription.Id, ex.Message);
        }
    }

    private static string Describe(SubscriptionFilter f)
    {
        var parts = new List<string>(4);
        if (f.ToolsListChanged == true)
        {
            parts.Add("tools");
        }

        if (f.PromptsListChanged == true)
        {
            parts.Add("prompts");
        }

        if (f.ResourcesListChanged == true)
        {
            parts.Add("resources");
        }

        if (f.ResourceSubscriptions is { Count: > 0 } uris)
        {
            parts.Add(uris.Count + " resource URI(s)");
        }

        return parts.Count == 0 ? "nothing" : string.Join(", ", parts);
    }

    /// <summary>One open <c>subscriptions/listen</c>.</summary>
    private sealed class Subscription
    {
        private readonly IMcpMessageSink _sink;
        private readonly TaskCompletionSource _acknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HashSet<string>? _uris;

        public Subscription(JsonRpcId id, SubscriptionFilter filter, IMcpMessageSink sink)
        {
            Id = id;
            Filter = filter;
            _sink = sink;
            _uris = filter.ResourceSubscriptions is { } uris ? new HashSet<string>(uris, StringComparer.Ordinal) : null;
            using var buffer = new PooledBufferWriter(32);
            using (var w = new Utf8JsonWriter(buffer))
            {
                id.WriteTo(w);
            }

            using var doc = JsonDocument.Parse(buffer.WrittenMemory);
            IdElement = doc.RootElement.Clone();
        }

        public JsonRpcId Id { get; }

        public JsonElement IdElement { get; }

        public SubscriptionFilter Filter { get; }

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool WantsUri(string uri) => _uris is not null && _uris.Contains(uri);

        // Notifications wait for the acknowledgement, so it is always the first message.
        public async ValueTask SendAsync(byte[] message, bool first, CancellationToken cancellationToken)
        {
            if (first)
            {
                try
                {
                    await _sink.SendAsync(message, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _acknowledged.TrySetResult();
                }

                return;
            }

            await _acknowledged.Task.ConfigureAwait(false);
            if (!Ended.Task.IsCompleted)
            {
                await _sink.SendAsync(message, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
