using System.Globalization;
using System.Text.Json;

namespace McpServer.Protocol;

/// <summary>
/// A JSON-RPC request id: an integer or a string. Integer ids are kept without allocating.
/// </summary>
public readonly struct JsonRpcId : IEquatable<JsonRpcId>
{
    private readonly long _number;
    private readonly string? _string;

    /// <summary>An integer id.</summary>
    public JsonRpcId(long number)
    {
        _number = number;
        _string = null;
    }

    /// <summary>A string id.</summary>
    public JsonRpcId(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _number = 0;
        _string = value;
    }

    /// <summary><see langword="true"/> when the id is a string.</summary>
    public bool IsString => _string is not null;

    /// <summary>The integer value (0 for string ids).</summary>
    public long Number => _number;

    /// <summary>The string value, or <see langword="null"/> for integer ids.</summary>
    public string? String => _string;

    /// <summary>Writes the id as a JSON value.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        if (_string is not null)
        {
            writer.WriteStringValue(_string);
        }
        else
        {
            writer.WriteNumberValue(_number);
        }
    }

    /// <summary>Reads an id from a JSON value that is a string or an integer.</summary>
    public static bool TryRead(ref Utf8JsonReader reader, out JsonRpcId id)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            id = new JsonRpcId(reader.GetString()!);
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n))
        {
            id = new JsonRpcId(n);
            return true;
        }

        id = default;
        return false;
    }

    /// <summary>Reads an id from a <see cref="JsonElement"/>.</summary>
    public static bool TryFrom(JsonElement element, out JsonRpcId id)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                id = new JsonRpcId(element.GetString()!);
                return true;
            case JsonValueKind.Number when element.TryGetInt64(out var n):
                id = new JsonRpcId(n);
                return true;
            default:
                id = default;
                return false;
        }
    }

    /// <inheritdoc/>
    public bool Equals(JsonRpcId other) => _number == other._number && string.Equals(_string, other._string, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is JsonRpcId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _string is null ? _number.GetHashCode() : StringComparer.Ordinal.GetHashCode(_string);

    /// <inheritdoc/>
    public override string ToString() => _string is null ? _number.ToString(CultureInfo.InvariantCulture) : "\"" + _string + "\"";

    /// <summary>Equality.</summary>
    public static bool operator ==(JsonRpcId left, JsonRpcId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(JsonRpcId left, JsonRpcId right) => !left.Equals(right);
}
