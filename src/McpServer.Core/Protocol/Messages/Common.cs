using System.Text.Json;
using System.Text.Json.Serialization;

namespace McpServer.Protocol;

/// <summary>The name and version of a client or server.</summary>
public sealed class Implementation
{
    /// <summary>Programmatic name.</summary>
    public string Name { get; set; } = string.Empty;
    /// <summary>Display name (2025-06-18 on).</summary>
    public string? Title { get; set; }
    /// <summary>Version string.</summary>
    public string Version { get; set; } = string.Empty;
    /// <summary>Human-readable description (2025-11-25 on).</summary>
    public string? Description { get; set; }
    /// <summary>Web site (2025-11-25 on).</summary>
    public string? WebsiteUrl { get; set; }
    /// <summary>Icons (2025-11-25 on).</summary>
    public IList<Icon>? Icons { get; set; }
}

/// <summary>An icon for a tool, resource, prompt or implementation (2025-11-25 on).</summary>
public sealed class Icon
{
    /// <summary>An https: or data: URI.</summary>
    public string Src { get; set; } = string.Empty;
    /// <summary>MIME type of the image.</summary>
    public string? MimeType { get; set; }
    /// <summary>Sizes such as "48x48" or "any".</summary>
    public IList<string>? Sizes { get; set; }
    /// <summary>"light" or "dark".</summary>
    public string? Theme { get; set; }
}

/// <summary>Hints about who a content item is for.</summary>
public sealed class Annotations
{
    /// <summary>"user" and/or "assistant".</summary>
    public IList<string>? Audience { get; set; }
    /// <summary>0 (least) to 1 (most important).</summary>
    public double? Priority { get; set; }
    /// <summary>ISO 8601 time of the last change.</summary>
    public string? LastModified { get; set; }
}

/// <summary>A result with no members: <c>{}</c>.</summary>
public sealed class EmptyResult
{
    /// <summary>The shared instance.</summary>
    public static EmptyResult Instance { get; } = new();
}

/// <summary>Parameters of a paginated list request.</summary>
public sealed class PaginatedRequestParams
{
    /// <summary>The opaque cursor from the previous page's <c>nextCursor</c>.</summary>
    public string? Cursor { get; set; }
}

/// <summary>The <c>_meta</c> member of a request's params.</summary>
public sealed class RequestMeta
{
    /// <summary>Token the client wants progress notifications to carry.</summary>
    public JsonElement? ProgressToken { get; set; }
}

/// <summary>Parameters of <c>notifications/cancelled</c>.</summary>
public sealed class CancelledNotificationParams
{
    /// <summary>The id of the request to cancel.</summary>
    public JsonElement RequestId { get; set; }
    /// <summary>Why, for logs.</summary>
    public string? Reason { get; set; }
}

/// <summary>Parameters of <c>notifications/progress</c>.</summary>
public sealed class ProgressNotificationParams
{
    /// <summary>The token from the request's <c>_meta.progressToken</c>.</summary>
    public JsonElement ProgressToken { get; set; }
    /// <summary>Progress so far; never decreases.</summary>
    public double Progress { get; set; }
    /// <summary>Total, when known.</summary>
    public double? Total { get; set; }
    /// <summary>A message about the step (2025-03-26 on).</summary>
    public string? Message { get; set; }
}

/// <summary>Severity of a log message, as in RFC 5424.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LoggingLevel>))]
public enum LoggingLevel
{
    /// <summary>debug</summary>
    [JsonStringEnumMemberName("debug")] Debug,
    /// <summary>info</summary>
    [JsonStringEnumMemberName("info")] Info,
    /// <summary>notice</summary>
    [JsonStringEnumMemberName("notice")] Notice,
    /// <summary>warning</summary>
    [JsonStringEnumMemberName("warning")] Warning,
    /// <summary>error</summary>
    [JsonStringEnumMemberName("error")] Error,
    /// <summary>critical</summary>
    [JsonStringEnumMemberName("critical")] Critical,
    /// <summary>alert</summary>
    [JsonStringEnumMemberName("alert")] Alert,
    /// <summary>emergency</summary>
    [JsonStringEnumMemberName("emergency")] Emergency,
}

/// <summary>Parameters of <c>logging/setLevel</c>.</summary>
public sealed class SetLevelRequestParams
{
    /// <summary>The lowest level the client wants.</summary>
    public LoggingLevel? Level { get; set; }
}

/// <summary>Parameters of <c>notifications/message</c>.</summary>
public sealed class LoggingMessageNotificationParams
{
    /// <summary>Severity.</summary>
    public LoggingLevel Level { get; set; }
    /// <summary>Name of the logger.</summary>
    public string? Logger { get; set; }
    /// <summary>Any JSON value.</summary>
    public JsonElement Data { get; set; }
}
