using System.Text.Json;
namespace McpServer.Protocol;

/// <summary>A resource as listed by <c>resources/list</c>.</summary>
public sealed class Resource
{
    /// <summary>The URI.</summary>
    public string Uri { get; set; } = string.Empty;
    /// <summary>Programmatic name.</summary>
    public string Name { get; set; } = string.Empty;
    /// <summary>Display name (2025-06-18 on).</summary>
    public string? Title { get; set; }
    /// <summary>Description.</summary>
    public string? Description { get; set; }
    /// <summary>MIME type.</summary>
    public string? MimeType { get; set; }
    /// <summary>Size in bytes, when known.</summary>
    public long? Size { get; set; }
    /// <summary>Audience and priority hints.</summary>
    public Annotations? Annotations { get; set; }
    /// <summary>Icons (2025-11-25 on).</summary>
    public IList<Icon>? Icons { get; set; }
}

/// <summary>A resource template (RFC 6570 URI template).</summary>
public sealed class ResourceTemplate
{
    /// <summary>The URI template.</summary>
    public string UriTemplate { get; set; } = string.Empty;
    /// <summary>Programmatic name.</summary>
    public string Name { get; set; } = string.Empty;
    /// <summary>Display name (2025-06-18 on).</summary>
    public string? Title { get; set; }
    /// <summary>Description.</summary>
    public string? Description { get; set; }
    /// <summary>MIME type of the resources it names.</summary>
    public string? MimeType { get; set; }
    /// <summary>Audience and priority hints.</summary>
    public Annotations? Annotations { get; set; }
    /// <summary>Icons (2025-11-25 on).</summary>
    public IList<Icon>? Icons { get; set; }
}

/// <summary>The result of <c>resources/list</c>.</summary>
public sealed class ListResourcesResult
{
    /// <summary>One page of resources.</summary>
    public IReadOnlyList<Resource> Resources { get; set; } = [];
    /// <summary>Cursor of the next page, if any.</summary>
    public string? NextCursor { get; set; }
}

/// <summary>The result of <c>resources/templates/list</c>.</summary>
public sealed class ListResourceTemplatesResult
{
    /// <summary>One page of templates.</summary>
    public IReadOnlyList<ResourceTemplate> ResourceTemplates { get; set; } = [];
    /// <summary>Cursor of the next page, if any.</summary>
    public string? NextCursor { get; set; }
}

/// <summary>Parameters of <c>resources/read</c>, <c>resources/subscribe</c> and <c>resources/unsubscribe</c>.</summary>
public sealed class ResourceUriParams
{
    /// <summary>The resource URI.</summary>
    public string? Uri { get; set; }
    /// <summary>Answers to the server's input requests (2026-07-28 retry of resources/read); undefined when absent.</summary>
    public JsonElement InputResponses { get; set; }
    /// <summary>The state the server returned with its input requests, echoed (2026-07-28 retry).</summary>
    public JsonElement RequestState { get; set; }
}

/// <summary>The result of <c>resources/read</c>.</summary>
public sealed class ReadResourceResult
{
    /// <summary>The contents (one or more).</summary>
    public IList<ResourceContents> Contents { get; set; } = [];
}

/// <summary>Parameters of <c>notifications/resources/updated</c>.</summary>
public sealed class ResourceUpdatedNotificationParams
{
    /// <summary>The URI that changed.</summary>
    public string Uri { get; set; } = string.Empty;
}
