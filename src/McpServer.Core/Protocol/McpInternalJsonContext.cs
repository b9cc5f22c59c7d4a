using System.Text.Json.Serialization;

namespace McpServer.Protocol;

/// <summary>Source-generated serialization for what the server writes for itself (sealed request state).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(SealedRequestState))]
internal sealed partial class McpInternalJsonContext : JsonSerializerContext;
