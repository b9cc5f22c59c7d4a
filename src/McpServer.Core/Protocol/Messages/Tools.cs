using System.Text.Json;
using System.Text.Json.Serialization;

namespace McpServer.Protocol;

/// <summary>A tool as listed by <c>tools/list</c>.</summary>
public sealed class Tool
{
    /// <summary>Programmatic name.</summary>
    public string Name { get; set; } = string.Empty;
    /// <summary>Display name (2025-06-18 on).</summary>
    public string? Title { get; set; }
    /// <summary>What the tool does, for the model.</summary>
    public string? Description { get; set; }
    /// <summary>JSON Schema of the arguments.</summary>
    public JsonElement InputSchema { get; set; }
    /// <summary>JSON Schema of <c>structuredContent</c> (2025-06-18 on).</summary>
    public JsonElement? OutputSchema { get; set; }
    /// <summary>Behaviour hints (2025-03-26 on).</summary>
    public ToolAnnotations? Annotations { get; set; }
    /// <summary>Icons (2025-11-25 on).</summary>
    public IList<Icon>? Icons { get; set; }
    /// <summary>Extra metadata.</summary>
    [JsonPropertyName("_meta")]
    public JsonElement? Meta { get; set; }
}

/// <summary>Hints about a tool's behaviour. Clients must not trust them from untrusted servers.</summary>
public sealed class ToolAnnotations
{
    /// <summary>Display name.</summary>
    public string? Title { get; set; }
    /// <summary>The tool changes nothing.</summary>
    public bool? ReadOnlyHint { get; set; }
    /// <summary>The tool may destroy data.</summary>
    public bool? DestructiveHint { get; set; }
    /// <summary>Calling twice with the same arguments has no extra effect.</summary>
    public bool? IdempotentHint { get; set; }
    /// <summary>The tool talks to an open world (the internet).</summary>
    public bool? OpenWorldHint { get; set; }
}

/// <summary>The result of <c>tools/list</c>.</summary>
public sealed class ListToolsResult
{
    /// <summary>One page of tools.</summary>
    public IReadOnlyList<Tool> Tools { get; set; } = [];
    /// <summary>Cursor of the next page, if any.</summary>
    public string? NextCursor { get; set; }
}

/// <summary>The result of <c>tools/call</c>.</summary>
public sealed class CallToolResult
{
    /// <summary>Unstructured output.</summary>
    public IList<ContentBlock> Content { get; set; } = [];
    /// <summary>Structured output matching the tool's output schema (2025-06-18 on).</summary>
    public JsonElement? StructuredContent { get; set; }
    /// <summary>The tool failed; the content says why.</summary>
    public bool? IsError { get; set; }

    /// <summary>A result with one text item.</summary>
    // An array, not a list: one object fewer on every call (the writer indexes, so no enumerator either).
    public static CallToolResult FromText(string text) => new() { Content = new ContentBlock[] { new TextContent(text) } };

    /// <summary>A tool execution error with one text item.</summary>
    public static CallToolResult Error(string text) => new() { Content = new ContentBlock[] { new TextContent(text) }, IsError = true };
}
