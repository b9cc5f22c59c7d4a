namespace McpServer.Protocol;

/// <summary>The MCP specification revisions this server speaks, oldest first.</summary>
public enum ProtocolRevision
{
    /// <summary>Not negotiated yet.</summary>
    None = 0,
    /// <summary>2024-11-05: the first revision (HTTP+SSE transport).</summary>
    V2024_11_05 = 1,
    /// <summary>2025-03-26: Streamable HTTP, batches, tool annotations, audio, completions.</summary>
    V2025_03_26 = 2,
    /// <summary>2025-06-18: elicitation, structured tool output, titles, no batches.</summary>
    V2025_06_18 = 3,
    /// <summary>2025-11-25: icons, SSE polling, sampling with tools.</summary>
    V2025_11_25 = 4,
    /// <summary>2026-07-28: stateless; no initialize, no sessions, <c>_meta</c> on every request.</summary>
    V2026_07_28 = 5,
}

/// <summary>Parsing and formatting of <see cref="ProtocolRevision"/> values.</summary>
public static class ProtocolRevisions
{
    /// <summary>The newest revision this server speaks; offered when a client asks for an unknown one.</summary>
    public const ProtocolRevision Latest = ProtocolRevision.V2025_11_25;

    /// <summary>Every supported revision as it appears on the wire, newest first.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

    /// <summary>The stateless revisions, as <c>server/discover</c> and error -32022 list them.</summary>
    public static IReadOnlyList<string> SupportedStateless { get; } = ["2026-07-28"];

    /// <summary>Parses a stateless revision (2026-07-28 on); <see langword="false"/> for anything else.</summary>
    public static bool TryParseStateless(ReadOnlySpan<char> value, out ProtocolRevision revision)
    {
        revision = value is "2026-07-28" ? ProtocolRevision.V2026_07_28 : ProtocolRevision.None;
        return revision != ProtocolRevision.None;
    }

    /// <summary>Whether <paramref name="revision"/> is served without sessions.</summary>
    public static bool IsStateless(ProtocolRevision revision) => revision >= ProtocolRevision.V2026_07_28;

    /// <summary>The wire form of <paramref name="revision"/>.</summary>
    public static string ToWire(ProtocolRevision revision) => revision switch
    {
        ProtocolRevision.V2024_11_05 => "2024-11-05",
        ProtocolRevision.V2025_03_26 => "2025-03-26",
        ProtocolRevision.V2025_06_18 => "2025-06-18",
        ProtocolRevision.V2025_11_25 => "2025-11-25",
        ProtocolRevision.V2026_07_28 => "2026-07-28",
        _ => throw new ArgumentOutOfRangeException(nameof(revision)),
    };

    /// <summary>Parses a session revision (those negotiated by <c>initialize</c>); <see langword="false"/> for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out ProtocolRevision revision)
    {
        revision = value switch
        {
            "2025-11-25" => ProtocolRevision.V2025_11_25,
            "2025-06-18" => ProtocolRevision.V2025_06_18,
            "2025-03-26" => ProtocolRevision.V2025_03_26,
            "2024-11-05" => ProtocolRevision.V2024_11_05,
            _ => ProtocolRevision.None,
        };
        return revision != ProtocolRevision.None;
    }

    /// <summary>Batches are allowed in 2025-03-26 (and tolerated in 2024-11-05), removed in 2025-06-18.</summary>
    public static bool AllowsBatches(ProtocolRevision revision) => revision is ProtocolRevision.V2024_11_05 or ProtocolRevision.V2025_03_26;
}
