using System.Text.Json;
namespace McpServer.Protocol;

/// <summary>A prompt as listed by <c>prompts/list</c>.</summary>
public sealed class Prompt
{
    /// <summary>Programmatic name.</summary>
    public string Name { get; set; } = string.Empty;
    /// <summary>Display name (2025-06-18 on).</summary>
    public string? Title { get; set; }
    /// <summary>Description.</summary>
    public string? Description { get; set; }
    /// <summary>Arguments the prompt takes.</summary>
    public IList<PromptArgument>? Arguments { get; set; }
    /// <summary>Icons (2025-11-25 on).</summary>
    public IList<Icon>? Icons { get; set; }
}

/// <summary>An argument of a prompt.</summary>
public sealed class PromptArgument
{
    /// <summary>Name.</summary>
    public string Name { get; set; } = string.Empty;
    /// <summary>Display name (2025-06-18 on).</summary>
    public string? Title { get; set; }
    /// <summary>Description.</summary>
    public string? Description { get; set; }
    /// <summary>Whether it must be given.</summary>
    public bool? Required { get; set; }
}

/// <summary>The result of <c>prompts/list</c>.</summary>
public sealed class ListPromptsResult
{
    /// <summary>One page of prompts.</summary>
    public IReadOnlyList<Prompt> Prompts { get; set; } = [];
    /// <summary>Cursor of the next page, if any.</summary>
    public string? NextCursor { get; set; }
}

/// <summary>Parameters of <c>prompts/get</c>.</summary>
public sealed class GetPromptRequestParams
{
    /// <summary>The prompt name.</summary>
    public string? Name { get; set; }
    /// <summary>Argument values.</summary>
    public Dictionary<string, string>? Arguments { get; set; }
    /// <summary>Answers to the server's input requests (2026-07-28 retry); undefined when absent.</summary>
    public JsonElement InputResponses { get; set; }
    /// <summary>The state the server returned with its input requests, echoed (2026-07-28 retry).</summary>
    public JsonElement RequestState { get; set; }
}

/// <summary>The result of <c>prompts/get</c>.</summary>
public sealed class GetPromptResult
{
    /// <summary>Description.</summary>
    public string? Description { get; set; }
    /// <summary>The messages.</summary>
    public IList<PromptMessage> Messages { get; set; } = [];
}

/// <summary>One message of a prompt.</summary>
public sealed class PromptMessage
{
    /// <summary>"user" or "assistant".</summary>
    public string Role { get; set; } = "user";
    /// <summary>The content.</summary>
    public ContentBlock Content { get; set; } = new TextContent();
}
