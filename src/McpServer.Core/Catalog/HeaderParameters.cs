using System.Globalization;
using System.Text.Json;

namespace McpServer.Catalog;

/// <summary>
/// A tool argument its schema marks with <c>x-mcp-header</c>: on 2026-07-28 over HTTP the client
/// repeats its value in the header <c>Mcp-Param-{Name}</c>, and the server checks the two agree.
/// </summary>
/// <param name="Name">The header's name after <c>Mcp-Param-</c>.</param>
/// <param name="Path">The chain of <c>properties</c> keys from the schema root to the argument.</param>
/// <param name="Type">The argument's JSON Schema type: <c>string</c>, <c>integer</c> or <c>boolean</c>.</param>
public sealed record HeaderParameter(string Name, IReadOnlyList<string> Path, string Type)
{
    /// <summary>The full header name.</summary>
    public string HeaderName { get; } = "Mcp-Param-" + Name;

    /// <summary>
    /// The argument's value as the header carries it (before any Base64), or <see langword="null"/>
    /// when the arguments hold no value at <see cref="Path"/> (then the header must be absent).
    /// </summary>
    public string? ValueIn(ReadOnlySpan<byte> arguments)
    {
        if (arguments.IsEmpty)
        {
            return null;
        }

        var reader = new Utf8JsonReader(arguments);
        using var doc = JsonDocument.ParseValue(ref reader);
        var at = doc.RootElement;
        foreach (var key in Path)
        {
            if (at.ValueKind != JsonValueKind.Object || !at.TryGetProperty(key, out at))
            {
                return null;
            }
        }

        return at.ValueKind switch
        {
            JsonValueKind.String => at.GetString(),
            JsonValueKind.Number => at.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Null => null,
            _ => at.GetRawText(),
        };
    }

    /// <summary>
    /// Finds every <c>x-mcp-header</c> in <paramref name="inputSchema"/> and checks the rules of
    /// revision 2026-07-28; a tool that breaks them is refused when it is added.
    /// </summary>
    public static HeaderParameter[] Find(string tool, JsonElement inputSchema)
    {
        var found = new List<HeaderParameter>();
        Walk(tool, inputSchema, [], found, reachable: true);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in found)
        {
            if (!seen.Add(p.Name))
            {
                throw new ArgumentException($"Tool '{tool}': x-mcp-header '{p.Name}' is used twice (names are compared without case); give each annotated argument its own header name.");
            }
        }

        return [.. found];
    }

    private static void Walk(string tool, JsonElement schema, List<string> path, List<HeaderParameter> found, bool reachable)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var member in schema.EnumerateObject())
        {
            if (member.NameEquals("x-mcp-header"))
            {
                var where = path.Count == 0 ? "the schema root" : "argument '" + string.Join('.', path) + "'";
                if (!reachable || path.Count == 0)
                {
                    throw new ArgumentException($"Tool '{tool}': x-mcp-header on {where} is not reachable from the root through 'properties' alone; annotate only properties (nested through 'properties', never 'items', 'oneOf', '$ref' and the like).");
                }

                if (member.Value.ValueKind != JsonValueKind.String || member.Value.GetString() is not { Length: > 0 } name || !IsToken(name))
                {
                    throw new ArgumentException($"Tool '{tool}': x-mcp-header on {where} must be a non-empty HTTP token (letters, digits and !#$%&'*+-.^_`|~).");
                }

                var type = schema.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                if (type is not ("string" or "integer" or "boolean"))
                {
                    throw new ArgumentException($"Tool '{tool}': x-mcp-header on {where} needs \"type\": \"string\", \"integer\" or \"boolean\" (found {(type is null ? "none" : "'" + type + "'")}).");
                }

                found.Add(new HeaderParameter(name, [.. path], type));
            }
            else if (member.NameEquals("properties") && member.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in member.Value.EnumerateObject())
                {
                    path.Add(property.Name);
                    Walk(tool, property.Value, path, found, reachable);
                    path.RemoveAt(path.Count - 1);
                }
            }
            else if (member.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array && !IsData(member.Name))
            {
                // Anything under items, oneOf, $ref targets, if/then... may not carry the annotation.
                if (member.Value.ValueKind == JsonValueKind.Object)
                {
                    Walk(tool, member.Value, path, found, reachable: false);
                }
                else
                {
                    foreach (var nested in member.Value.EnumerateArray())
                    {
                        Walk(tool, nested, path, found, reachable: false);
                    }
                }
            }
        }
    }

    // Keywords whose values are instances, not schemas.
    private static bool IsData(string keyword) => keyword is "default" or "const" or "enum" or "examples" or "required";

    private static bool IsToken(string value)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Formats a value for messages.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{HeaderName} ({Type} at {string.Join('.', Path)})");
}
