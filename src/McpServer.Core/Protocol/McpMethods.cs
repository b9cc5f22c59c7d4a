using System.Text.Json;

namespace McpServer.Protocol;

/// <summary>Method names of the protocol, and interning of names read off the wire.</summary>
public static class McpMethods
{
#pragma warning disable CS1591 // the names are their own documentation
    public const string Initialize = "initialize";
    public const string ServerDiscover = "server/discover";
    public const string Ping = "ping";
    public const string ToolsList = "tools/list";
    public const string ToolsCall = "tools/call";
    public const string ResourcesList = "resources/list";
    public const string ResourcesTemplatesList = "resources/templates/list";
    public const string ResourcesRead = "resources/read";
    public const string ResourcesSubscribe = "resources/subscribe";
    public const string ResourcesUnsubscribe = "resources/unsubscribe";
    public const string PromptsList = "prompts/list";
    public const string PromptsGet = "prompts/get";
    public const string CompletionComplete = "completion/complete";
    public const string LoggingSetLevel = "logging/setLevel";
    public const string SubscriptionsListen = "subscriptions/listen";

    public const string NotificationInitialized = "notifications/initialized";
    public const string NotificationCancelled = "notifications/cancelled";
    public const string NotificationProgress = "notifications/progress";
    public const string NotificationMessage = "notifications/message";
    public const string NotificationRootsListChanged = "notifications/roots/list_changed";
    public const string NotificationToolsListChanged = "notifications/tools/list_changed";
    public const string NotificationResourcesListChanged = "notifications/resources/list_changed";
    public const string NotificationPromptsListChanged = "notifications/prompts/list_changed";
    public const string NotificationResourceUpdated = "notifications/resources/updated";
    public const string NotificationSubscriptionsAcknowledged = "notifications/subscriptions/acknowledged";

    public const string SamplingCreateMessage = "sampling/createMessage";
    public const string ElicitationCreate = "elicitation/create";
    public const string RootsList = "roots/list";
#pragma warning restore CS1591

    private static readonly string[] s_known =
    [
        ToolsCall, ToolsList, Initialize, Ping, ServerDiscover, ResourcesList, ResourcesTemplatesList, ResourcesRead,
        ResourcesSubscribe, ResourcesUnsubscribe, PromptsList, PromptsGet, CompletionComplete, LoggingSetLevel,
        NotificationInitialized, NotificationCancelled, NotificationProgress, NotificationRootsListChanged, SubscriptionsListen,
    ];

    private static readonly byte[][] s_knownUtf8 = Array.ConvertAll(s_known, System.Text.Encoding.UTF8.GetBytes);

    /// <summary>Whether the server knows <paramref name="method"/> (any revision).</summary>
    internal static bool IsKnown(string method)
    {
        foreach (var known in s_known)
        {
            if (ReferenceEquals(known, method))
            {
                return true;
            }
        }

        return Array.IndexOf(s_known, method) >= 0;
    }

    /// <summary>Returns the shared string for a known method, so the hot path allocates none.</summary>
    internal static string Intern(ref Utf8JsonReader reader)
    {
        if (!reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            var span = reader.ValueSpan;
            for (var i = 0; i < s_knownUtf8.Length; i++)
            {
                if (span.SequenceEqual(s_knownUtf8[i]))
                {
                    return s_known[i];
                }
            }
        }

        return reader.GetString()!;
    }
}
