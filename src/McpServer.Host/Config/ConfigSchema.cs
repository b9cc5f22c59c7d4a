using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace McpServer.Host.Config;

/// <summary>The JSON Schema of <c>mcp-server.json</c>, written from <see cref="ConfigKeys"/> (published as docs/mcp-server.schema.json).</summary>
internal static class ConfigSchema
{
    public static string Generate()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("$schema", "https://json-schema.org/draft/2020-12/schema");
            w.WriteString("title", "mcp-server configuration (mcp-server.json)");
            w.WriteString("description", "Comments and trailing commas are allowed. Environment variables and command-line flags override these values.");
            w.WriteString("type", "object");
            w.WriteBoolean("additionalProperties", false);
            w.WriteStartObject("properties");
            w.WriteStartObject("$schema");
            w.WriteString("type", "string");
            w.WriteEndObject();
            foreach (var section in ConfigKeys.Sections)
            {
                w.WriteStartObject(section);
                w.WriteString("type", "object");
                w.WriteBoolean("additionalProperties", false);
                w.WriteStartObject("properties");
                foreach (var key in ConfigKeys.All.Where(k => k.Section == section))
                {
                    w.WriteStartObject(key.Name);
                    WriteType(w, key);
                    w.WriteString("description", key.Description + Overrides(key));
                    w.WritePropertyName("default");
                    WriteValue(w, key.Default);
                    if (key.Min is { } min)
                    {
                        w.WriteNumber("minimum", min);
                    }

                    if (key.Max is { } max)
                    {
                        w.WriteNumber("maximum", max);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteType(Utf8JsonWriter w, ConfigKey key)
    {
        switch (key.Type)
        {
            case ConfigType.Integer:
                w.WriteString("type", "integer");
                break;
            case ConfigType.Boolean:
                w.WriteString("type", "boolean");
                break;
            case ConfigType.StringArray:
                w.WriteString("type", "array");
                w.WriteNumber("minItems", 1);
                w.WriteStartObject("items");
                w.WriteString("type", "string");
                WriteEnum(w, key.Allowed);
                w.WriteEndObject();
                break;
            default:
                if (key.Default is null)
                {
                    w.WriteStartArray("type");
                    w.WriteStringValue("string");
                    w.WriteStringValue("null");
                    w.WriteEndArray();
                }
                else
                {
                    w.WriteString("type", "string");
                }

                if (key.Path != "logging.level")
                {
                    WriteEnum(w, key.Allowed);
                }

                break;
        }
    }

    private static void WriteEnum(Utf8JsonWriter w, IReadOnlyList<string>? allowed)
    {
        if (allowed is null)
        {
            return;
        }

        w.WriteStartArray("enum");
        foreach (var a in allowed)
        {
            w.WriteStringValue(a);
        }

        w.WriteEndArray();
    }

    internal static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case long n:
                w.WriteNumberValue(n);
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case string[] items:
                w.WriteStartArray();
                foreach (var i in items)
                {
                    w.WriteStringValue(i);
                }

                w.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException("Unknown default type " + value.GetType());
        }
    }

    private static string Overrides(ConfigKey key) => (key.Env, key.Flag) switch
    {
        (null, null) => string.Empty,
        (null, { } f) => $" Overridden by {f}.",
        ({ } e, null) => $" Overridden by {e}.",
        ({ } e, { } f) => $" Overridden by {e} and {f}.",
    };

    /// <summary>A configuration file that sets every key to its default: the shipped example.</summary>
    public static string Example()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("$schema", "./mcp-server.schema.json");
            foreach (var section in ConfigKeys.Sections)
            {
                w.WriteStartObject(section);
                foreach (var key in ConfigKeys.All.Where(k => k.Section == section))
                {
                    w.WritePropertyName(key.Name);
                    WriteValue(w, key.Default);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
