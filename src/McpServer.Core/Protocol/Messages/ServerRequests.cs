using System.Text.Json;

namespace McpServer.Protocol;

/// <summary>Parameters of <c>sampling/createMessage</c>.</summary>
public sealed class CreateMessageRequestParams
{
    /// <summary>The conversation.</summary>
    public IList<SamplingMessage> Messages { get; set; } = [];
    /// <summary>System prompt.</summary>
    public string? SystemPrompt { get; set; }
    /// <summary>Most tokens to generate.</summary>
    public int MaxTokens { get; set; }
    /// <summary>Sampling temperature.</summary>
    public double? Temperature { get; set; }
    /// <summary>Model preferences.</summary>
    public JsonElement? ModelPreferences { get; set; }
    /// <summary>Context to include: none, thisServer, allServers.</summary>
    public string? IncludeContext { get; set; }
}

/// <summary>A message for sampling.</summary>
public sealed class SamplingMessage
{
    /// <summary>"user" or "assistant".</summary>
    public string Role { get; set; } = "user";
    /// <summary>The content.</summary>
    public ContentBlock Content { get; set; } = new TextContent();
}

/// <summary>The client's answer to <c>sampling/createMessage</c>.</summary>
public sealed class CreateMessageResult
{
    /// <summary>Role of the generated message.</summary>
    public string? Role { get; set; }
    /// <summary>The generated content (any content shape).</summary>
    public JsonElement Content { get; set; }
    /// <summary>The model used.</summary>
    public string? Model { get; set; }
    /// <summary>Why generation stopped.</summary>
    public string? StopReason { get; set; }
}

/// <summary>Parameters of <c>elicitation/create</c> (2025-06-18 on).</summary>
public sealed class ElicitRequestParams
{
    /// <summary>What to ask the user.</summary>
    public string Message { get; set; } = string.Empty;
    /// <summary>A flat JSON Schema object of primitive properties.
    /// <value>The default is an object schema without properties.</value></summary>
    public JsonElement RequestedSchema { get; set; } = s_noProperties;

    private static readonly JsonElement s_noProperties = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();
}

/// <summary>The client's answer to <c>elicitation/create</c>.</summary>
public sealed class ElicitResult
{
    /// <summary>"accept", "decline" or "cancel".</summary>
    public string? Action { get; set; }
    /// <summary>The submitted values when accepted.</summary>
    public JsonElement? Content { get; set; }
}

/// <summary>The client's answer to <c>roots/list</c>.</summary>
public sealed class ListRootsResult
{
    /// <summary>The roots.</summary>
    public IList<Root> Roots { get; set; } = [];
}

/// <summary>A root the client exposes.</summary>
public sealed class Root
{
    /// <summary>A file:// URI.</summary>
    public string Uri { get; set; } = string.Empty;
    /// <summary>Display name.</summary>
    public string? Name { get; set; }
}
