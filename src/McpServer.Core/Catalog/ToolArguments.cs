using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpServer.Protocol;

namespace McpServer.Catalog;

/// <summary>
/// The <c>arguments</c> object of a <c>tools/call</c>, kept as raw UTF-8. Values are read on
/// demand, so a tool that reads one string pays for one string.
/// </summary>
public readonly struct ToolArguments
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = JsonRpcEnvelopeReader.MaxDepth };

    /// <summary>Wraps raw UTF-8 JSON: an object, or empty for no arguments.</summary>
    public ToolArguments(ReadOnlyMemory<byte> raw) => Raw = raw;

    /// <summary>The raw JSON object, or empty.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>Whether any arguments were sent.</summary>
    public bool IsEmpty => Raw.IsEmpty;

    /// <summary>Reads a string argument.</summary>
    public bool TryGetString(string name, out string value)
    {
        var reader = new Utf8JsonReader(Raw.Span, s_options);
        if (!Raw.IsEmpty && Seek(ref reader, name) && reader.TokenType == JsonTokenType.String)
        {
            value = reader.GetString()!;
            return true;
        }

        value = string.Empty;
        return false;
    }

    /// <summary>Reads a number argument.</summary>
    public bool TryGetDouble(string name, out double value)
    {
        var reader = new Utf8JsonReader(Raw.Span, s_options);
        if (!Raw.IsEmpty && Seek(ref reader, name) && reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out value))
        {
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Reads a boolean argument.</summary>
    public bool TryGetBoolean(string name, out bool value)
    {
        var reader = new Utf8JsonReader(Raw.Span, s_options);
        if (!Raw.IsEmpty && Seek(ref reader, name) && reader.TokenType is JsonTokenType.True or JsonTokenType.False)
        {
            value = reader.GetBoolean();
            return true;
        }

        value = false;
        return false;
    }

    /// <summary>Reads a required string argument; a missing or non-string value is error -32602.</summary>
    public string GetRequiredString(string name) =>
        TryGetString(name, out var v) ? v : throw McpProtocolException.InvalidParams($"Argument '{name}' is required and must be a string.", "invalid_arguments");

    /// <summary>Reads a required number argument; a missing or non-number value is error -32602.</summary>
    public double GetRequiredDouble(string name) =>
        TryGetDouble(name, out var v) ? v : throw McpProtocolException.InvalidParams($"Argument '{name}' is required and must be a number.", "invalid_arguments");

    /// <summary>Binds the arguments to a type with source-generated metadata.</summary>
    public T? Deserialize<T>(JsonTypeInfo<T> typeInfo) => Raw.IsEmpty ? default : JsonSerializer.Deserialize(Raw.Span, typeInfo);

    /// <summary>The arguments as a <see cref="JsonElement"/> (an empty object when none were sent).</summary>
    public JsonElement ToJsonElement()
    {
        var span = Raw.IsEmpty ? "{}"u8 : Raw.Span;
        using var doc = JsonDocument.Parse(span.ToArray());
        return doc.RootElement.Clone();
    }

    /// <inheritdoc/>
    public override string ToString() => Raw.IsEmpty ? "{}" : System.Text.Encoding.UTF8.GetString(Raw.Span);

    private static bool Seek(ref Utf8JsonReader reader, string name)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                return true;
            }

            reader.Skip();
        }

        return false;
    }

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
