using System.Text.Json;
using System.Text.Json.Serialization;

namespace McpServer.Protocol;

/// <summary>
/// One request the server needs the client to fulfil before it can finish (2026-07-28): an
/// <c>elicitation/create</c>, <c>sampling/createMessage</c> or <c>roots/list</c>, without an id.
/// </summary>
public sealed class InputRequest
{
    /// <summary>The method the client runs on the server's behalf.</summary>
    public string Method { get; set; } = string.Empty;
    /// <summary>Its parameters.</summary>
    public JsonElement? Params { get; set; }
}

/// <summary>
/// The result of <c>tools/call</c>, <c>prompts/get</c> or <c>resources/read</c> when the server needs
/// input first (2026-07-28): the client answers the <see cref="InputRequests"/> and retries the
/// request with <c>inputResponses</c> and the <see cref="RequestState"/> echoed.
/// </summary>
public sealed class InputRequiredResult
{
    /// <summary>Always <c>input_required</c>.</summary>
    public string ResultType => "input_required";
    /// <summary>The requests to fulfil, by key.</summary>
    public Dictionary<string, InputRequest>? InputRequests { get; set; }
    /// <summary>Opaque, integrity-protected state the client echoes on the retry.</summary>
    public string? RequestState { get; set; }
}

/// <summary>What a <c>requestState</c> seals: the request it belongs to, its expiry and the answers so far.</summary>
internal sealed class SealedRequestState
{
    /// <summary>Format version.</summary>
    [JsonPropertyName("v")]
    public int Version { get; set; }
    /// <summary>The method of the original request.</summary>
    [JsonPropertyName("m")]
    public string Method { get; set; } = string.Empty;
    /// <summary>SHA-256 of the request's salient parameters (tool, prompt or URI, and arguments).</summary>
    [JsonPropertyName("d")]
    public string Digest { get; set; } = string.Empty;
    /// <summary>Expiry, Unix milliseconds.</summary>
    [JsonPropertyName("e")]
    public long ExpiresAt { get; set; }
    /// <summary>The authenticated principal the state was issued to, when there is one.</summary>
    [JsonPropertyName("p")]
    public string? Principal { get; set; }
    /// <summary>How many rounds came before this one.</summary>
    [JsonPropertyName("r")]
    public int Round { get; set; }
    /// <summary>Answers of earlier rounds the handler used, by key.</summary>
    [JsonPropertyName("a")]
    public Dictionary<string, JsonElement>? Answers { get; set; }
    /// <summary>What the handler chose to carry to the next round.</summary>
    [JsonPropertyName("s")]
    public string? HandlerState { get; set; }
}
