using System.Text.Json;
using System.Text.Json.Serialization;

namespace McpServer.Protocol;

/// <summary>Parameters of <c>subscriptions/listen</c> (2026-07-28).</summary>
public sealed class SubscriptionsListenRequestParams
{
    /// <summary>Which notifications the client wants on the stream.</summary>
    public SubscriptionFilter? Notifications { get; set; }
}

/// <summary>The notifications a <c>subscriptions/listen</c> stream carries; omitted means not wanted.</summary>
public sealed class SubscriptionFilter
{
    /// <summary><c>notifications/tools/list_changed</c>.</summary>
    public bool? ToolsListChanged { get; set; }
    /// <summary><c>notifications/prompts/list_changed</c>.</summary>
    public bool? PromptsListChanged { get; set; }
    /// <summary><c>notifications/resources/list_changed</c>.</summary>
    public bool? ResourcesListChanged { get; set; }
    /// <summary><c>notifications/resources/updated</c> for these URIs.</summary>
    public IList<string>? ResourceSubscriptions { get; set; }
}

/// <summary>The <c>_meta</c> of every message on a subscription stream.</summary>
public sealed class SubscriptionMeta
{
    /// <summary>The JSON-RPC id of the <c>subscriptions/listen</c> request.</summary>
    [JsonPropertyName("io.modelcontextprotocol/subscriptionId")]
    public JsonElement SubscriptionId { get; set; }
}

/// <summary>Parameters of <c>notifications/subscriptions/acknowledged</c>: the filter the server honours.</summary>
public sealed class SubscriptionAcknowledgedParams
{
    /// <summary>The subscription.</summary>
    [JsonPropertyName("_meta")]
    public SubscriptionMeta Meta { get; set; } = new();
    /// <summary>What the server agreed to send.</summary>
    public SubscriptionFilter Notifications { get; set; } = new();
}

/// <summary>Parameters of a notification delivered on a subscription stream.</summary>
public sealed class SubscriptionNotificationParams
{
    /// <summary>The subscription.</summary>
    [JsonPropertyName("_meta")]
    public SubscriptionMeta Meta { get; set; } = new();
    /// <summary>The resource, for <c>notifications/resources/updated</c>.</summary>
    public string? Uri { get; set; }
}

/// <summary>The result that ends a subscription gracefully (the server is shutting down).</summary>
public sealed class SubscriptionsListenResult
{
    /// <summary>The subscription.</summary>
    [JsonPropertyName("_meta")]
    public SubscriptionMeta Meta { get; set; } = new();
}
