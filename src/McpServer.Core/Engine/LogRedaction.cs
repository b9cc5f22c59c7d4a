using System.Text;
using System.Text.Json;

namespace McpServer.Engine;

/// <summary>
/// Message bodies for TRACE logs, with the values of members whose names say they are secrets
/// (password, token, secret, API key, authorization, credential, private key, cookie) replaced.
/// </summary>
internal static class LogRedaction
{
    public const string Redacted = "[redacted]";
    private const int MaxLogged = 16 * 1024;
    private static readonly string[] s_secretWords = ["password", "passwd", "secret", "token", "apikey", "api_key", "api-key", "authorization", "credential", "privatekey", "private_key", "cookie"];

    public static bool IsSecretName(ReadOnlySpan<char> name)
    {
        foreach (var word in s_secretWords)
        {
            if (name.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The JSON with secret-looking members' values replaced; cut at 16 KiB.</summary>
    public static string Redact(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty)
        {
            return string.Empty;
        }

        try
        {
            using var buffer = new PooledBufferWriter(Math.Min(json.Length + 64, MaxLogged + 64));
            using (var w = new Utf8JsonWriter(buffer))
            {
                var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
                var redactNext = false;
                while (reader.Read())
                {
                    if (redactNext && reader.TokenType != JsonTokenType.PropertyName)
                    {
                        redactNext = false;
                        w.WriteStringValue(Redacted);
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        {
                            reader.Skip();
                        }

                        continue;
                    }

                    switch (reader.TokenType)
                    {
                        case JsonTokenType.PropertyName:
                            var name = reader.GetString()!;
                            w.WritePropertyName(name);
                            redactNext = IsSecretName(name);
                            break;
                        case JsonTokenType.StartObject:
                            w.WriteStartObject();
                            break;
                        case JsonTokenType.EndObject:
                            w.WriteEndObject();
                            break;
                        case JsonTokenType.StartArray:
                            w.WriteStartArray();
                            break;
                        case JsonTokenType.EndArray:
                            w.WriteEndArray();
                            break;
                        case JsonTokenType.String:
                            w.WriteStringValue(reader.GetString());
                            break;
                        case JsonTokenType.Number:
                            w.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                            break;
                        case JsonTokenType.True or JsonTokenType.False:
                            w.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                            break;
                        case JsonTokenType.Null:
                            w.WriteNullValue();
                            break;
                    }
                }
            }

            var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
            return text.Length > MaxLogged ? text[..MaxLogged] + "...(cut)" : text;
        }
        catch (JsonException)
        {
            return "(not logged: not valid JSON)";
        }
    }
}
