using System.Text;
using System.Text.Json;

namespace McpServer.Protocol;

/// <summary>
/// Strings read off the wire that repeat request after request (protocol versions, tool names,
/// log levels): a small direct-mapped cache hands out the same string for the same bytes, so the
/// hot path does not allocate one per request. Entries are immutable; a miss replaces its slot.
/// </summary>
internal static class Utf8StringCache
{
    private const int Slots = 64;
    private const int MaxLength = 128;
    private static readonly Entry?[] s_entries = new Entry?[Slots];

    /// <summary>The current string token's value.</summary>
    public static string GetString(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxLength)
        {
            return reader.GetString()!;
        }

        return Get(reader.ValueSpan);
    }

    /// <summary>The string for <paramref name="utf8"/>.</summary>
    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        var slot = (int)((uint)(utf8.Length * 31 + utf8[0] * 7 + utf8[^1] + utf8[utf8.Length / 2]) % Slots);
        var entry = Volatile.Read(ref s_entries[slot]);
        if (entry is not null && utf8.SequenceEqual(entry.Utf8))
        {
            return entry.Value;
        }

        var value = Encoding.UTF8.GetString(utf8);
        if (utf8.Length <= MaxLength)
        {
            Volatile.Write(ref s_entries[slot], new Entry(utf8.ToArray(), value));
        }

        return value;
    }

    private sealed record Entry(byte[] Utf8, string Value);
}
