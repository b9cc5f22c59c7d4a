using System.Text.Json.Serialization;

namespace McpServer.Protocol;

/// <summary>The result of <c>server/discover</c> (2026-07-28).</summary>
public sealed class DiscoverResult
{
    /// <summary>The stateless revisions this server speaks.</summary>
    public IReadOnlyList<string> SupportedVersions { get; set; } = [];
    /// <summary>What this server offers.</summary>
    public ServerCapabilities Capabilities { get; set; } = new();
    /// <summary>Hints for the model about how to use this server.</summary>
    public string? Instructions { get; set; }
    /// <summary>Result metadata: the server's identity.</summary>
    [JsonPropertyName("_meta")]
    public DiscoverMeta? Meta { get; set; }
}

/// <summary>The <c>_meta</c> of a <c>server/discover</c> result.</summary>
public sealed class DiscoverMeta
{
    /// <summary>This server's name and version.</summary>
    [JsonPropertyName("io.modelcontextprotocol/serverInfo")]
    public Implementation? ServerInfo { get; set; }
}
