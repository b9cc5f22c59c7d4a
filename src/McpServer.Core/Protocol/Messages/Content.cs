using System.Text.Json.Serialization;

namespace McpServer.Protocol;

/// <summary>One item of tool output or of a prompt message.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(TextContent), "text")]
[JsonDerivedType(typeof(ImageContent), "image")]
[JsonDerivedType(typeof(AudioContent), "audio")]
[JsonDerivedType(typeof(EmbeddedResourceContent), "resource")]
[JsonDerivedType(typeof(ResourceLinkContent), "resource_link")]
public abstract class ContentBlock
{
    /// <summary>Who the item is for and how important it is.</summary>
    public Annotations? Annotations { get; set; }
}

/// <summary>Text.</summary>
public sealed class TextContent : ContentBlock
{
    /// <summary>Creates an empty text item.</summary>
    public TextContent() { }
    /// <summary>Creates a text item.</summary>
    public TextContent(string text) => Text = text;
    /// <summary>The text.</summary>
    public string Text { get; set; } = string.Empty;
}

/// <summary>An image, base64-encoded.</summary>
public sealed class ImageContent : ContentBlock
{
    /// <summary>Base64 data.</summary>
    public string Data { get; set; } = string.Empty;
    /// <summary>MIME type, e.g. image/png.</summary>
    public string MimeType { get; set; } = string.Empty;
}

/// <summary>Audio, base64-encoded (2025-03-26 on).</summary>
public sealed class AudioContent : ContentBlock
{
    /// <summary>Base64 data.</summary>
    public string Data { get; set; } = string.Empty;
    /// <summary>MIME type, e.g. audio/wav.</summary>
    public string MimeType { get; set; } = string.Empty;
}

/// <summary>A resource's contents, embedded.</summary>
public sealed class EmbeddedResourceContent : ContentBlock
{
    /// <summary>The contents.</summary>
    public ResourceContents Resource { get; set; } = new();
}

/// <summary>A link to a resource (2025-06-18 on).</summary>
public sealed class ResourceLinkContent : ContentBlock
{
    /// <summary>The resource URI.</summary>
    public string Uri { get; set; } = string.Empty;
    /// <summary>The resource name.</summary>
    public string Name { get; set; } = string.Empty;
    /// <summary>Display name.</summary>
    public string? Title { get; set; }
    /// <summary>Description.</summary>
    public string? Description { get; set; }
    /// <summary>MIME type.</summary>
    public string? MimeType { get; set; }
}

/// <summary>The contents of a resource: text or a base64 blob.</summary>
public sealed class ResourceContents
{
    /// <summary>The resource URI.</summary>
    public string Uri { get; set; } = string.Empty;
    /// <summary>MIME type.</summary>
    public string? MimeType { get; set; }
    /// <summary>Text contents.</summary>
    public string? Text { get; set; }
    /// <summary>Base64 contents.</summary>
    public string? Blob { get; set; }
}
