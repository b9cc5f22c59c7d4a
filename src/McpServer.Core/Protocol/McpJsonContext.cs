using System.Text.Json;
using System.Text.Json.Serialization;

namespace McpServer.Protocol;

/// <summary>Source-generated serialization for every wire type; nothing on the wire goes through reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(EmptyResult))]
[JsonSerializable(typeof(PaginatedRequestParams))]
[JsonSerializable(typeof(RequestMeta))]
[JsonSerializable(typeof(CancelledNotificationParams))]
[JsonSerializable(typeof(ProgressNotificationParams))]
[JsonSerializable(typeof(SetLevelRequestParams))]
[JsonSerializable(typeof(LoggingMessageNotificationParams))]
[JsonSerializable(typeof(InitializeRequestParams))]
[JsonSerializable(typeof(InitializeResult))]
[JsonSerializable(typeof(DiscoverResult))]
[JsonSerializable(typeof(ListToolsResult))]
[JsonSerializable(typeof(CallToolResult))]
[JsonSerializable(typeof(ListResourcesResult))]
[JsonSerializable(typeof(ListResourceTemplatesResult))]
[JsonSerializable(typeof(ResourceUriParams))]
[JsonSerializable(typeof(ReadResourceResult))]
[JsonSerializable(typeof(ResourceUpdatedNotificationParams))]
[JsonSerializable(typeof(ListPromptsResult))]
[JsonSerializable(typeof(GetPromptRequestParams))]
[JsonSerializable(typeof(GetPromptResult))]
[JsonSerializable(typeof(CompleteRequestParams))]
[JsonSerializable(typeof(CompleteResult))]
[JsonSerializable(typeof(CreateMessageRequestParams))]
[JsonSerializable(typeof(CreateMessageResult))]
[JsonSerializable(typeof(ElicitRequestParams))]
[JsonSerializable(typeof(ElicitResult))]
[JsonSerializable(typeof(ListRootsResult))]
[JsonSerializable(typeof(InputRequiredResult))]
[JsonSerializable(typeof(SubscriptionsListenRequestParams))]
[JsonSerializable(typeof(SubscriptionAcknowledgedParams))]
[JsonSerializable(typeof(SubscriptionNotificationParams))]
[JsonSerializable(typeof(SubscriptionsListenResult))]
[JsonSerializable(typeof(ContentBlock))]
[JsonSerializable(typeof(ResourceContents))]
[JsonSerializable(typeof(Annotations))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
public sealed partial class McpJsonContext : JsonSerializerContext;
