using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace McpServer.Protocol;

/// <summary>
/// Objects parsed from JSON that clients send again and again with the same bytes (the
/// <c>initialize</c> params of one client program, the capabilities and identity in a stateless
/// request's <c>_meta</c>): the same bytes give the same object, shared read-only by every session
/// and request that sent them. A server sees few distinct client programs, so a handful of entries,
/// replaced in turn, holds them all; each session then keeps no copy of its own.
/// </summary>
/// <typeparam name="T">The parsed type; nothing may change an instance once it is handed out.</typeparam>
internal sealed class SharedJsonValues<T>(JsonTypeInfo<T> typeInfo) where T : class
{
    /// <summary>Longer JSON is parsed every time and not kept.</summary>
    public const int MaxBytes = 2048;

    private const int Slots = 8;
    private readonly Entry?[] _entries = new Entry?[Slots];
    private int _next;

    /// <summary>
    /// The object for <paramref name="json"/>: a shared one when the same bytes were parsed before,
    /// else a new one. Invalid JSON throws <see cref="JsonException"/> as the serializer does.
    /// </summary>
    public T? Parse(ReadOnlySpan<byte> json)
    {
        for (var i = 0; i < Slots; i++)
        {
            var entry = Volatile.Read(ref _entries[i]);
            if (entry is not null && entry.Json.Length == json.Length && json.SequenceEqual(entry.Json))
            {
                return entry.Value;
            }
        }

        var value = JsonSerializer.Deserialize(json, typeInfo);
        if (value is not null && json.Length <= MaxBytes)
        {
            var slot = (int)((uint)Interlocked.Increment(ref _next) % Slots);
            Volatile.Write(ref _entries[slot], new Entry(json.ToArray(), value));
        }

        return value;
    }

    private sealed record Entry(byte[] Json, T Value);
}
