using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace McpServer.Protocol;

/// <summary>
/// One JSON-RPC message read in a single pass. <see cref="Params"/>, <see cref="Result"/> and
/// <see cref="Error"/> stay raw UTF-8 slices of the input until a handler binds them.
/// </summary>
public readonly struct JsonRpcEnvelope
{
    /// <summary>What the message is.</summary>
    public JsonRpcMessageKind Kind { get; init; }

    /// <summary>The id of a request or response.</summary>
    public JsonRpcId Id { get; init; }

    /// <summary>The method of a request or notification (interned for known methods).</summary>
    public string? Method { get; init; }

    /// <summary>The raw <c>params</c> object, or empty.</summary>
    public ReadOnlyMemory<byte> Params { get; init; }

    /// <summary>The raw <c>result</c> value of a response, or empty.</summary>
    public ReadOnlyMemory<byte> Result { get; init; }

    /// <summary>The raw <c>error</c> object of an error response, or empty.</summary>
    public ReadOnlyMemory<byte> Error { get; init; }
}

/// <summary>Why a message was refused before dispatch (error 1001).</summary>
public readonly record struct InvalidMessage(string Reason, string Message, string? Field = null, JsonRpcId? Id = null, int HttpStatus = 400);

/// <summary>The single-pass JSON-RPC envelope reader.</summary>
public static class JsonRpcEnvelopeReader
{
    /// <summary>Longest string id accepted, in bytes; longer ids are refused as malformed.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Deepest nesting accepted in a message.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions s_options = new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Tells a single message from a batch by the first non-space byte.</summary>
    public static bool IsBatch(ReadOnlySpan<byte> json)
    {
        foreach (var b in json)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            return b == (byte)'[';
        }

        return false;
    }

    /// <summary>Reads one message that spans the whole of <paramref name="json"/>.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> json, out JsonRpcEnvelope envelope, out InvalidMessage error)
    {
        if (json.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Fail(out envelope, out error, new InvalidMessage("invalid_json", "The body is empty; send one JSON-RPC message."));
        }

        try
        {
            var reader = new Utf8JsonReader(json.Span, s_options);
            reader.Read();

            if (!TryReadObject(json, ref reader, 0, out envelope, out error))
            {
                return false;
            }

            if (reader.Read())
            {
                return Fail(out envelope, out error, new InvalidMessage("invalid_json", "Unexpected data after the JSON-RPC message; send exactly one JSON value."));
            }

            return true;
        }
        catch (JsonException ex)
        {
            return Fail(out envelope, out error, FromJsonException(ex));
        }
    }

    /// <summary>Reads a batch: an array of messages. Each element is returned as its own slice.</summary>
    public static bool TryReadBatch(ReadOnlyMemory<byte> json, List<(JsonRpcEnvelope Envelope, InvalidMessage? Error)> messages, out InvalidMessage error)
    {
        try
        {
            var reader = new Utf8JsonReader(json.Span, s_options);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                error = new InvalidMessage("invalid_structure", "A batch must be a JSON array.");
                return false;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                if (TryReadObject(json, ref reader, start, out var env, out var itemError))
                {
                    messages.Add((env, null));
                }
                else
                {
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }

                    messages.Add((default, itemError));
                }
            }

            if (reader.Read())
            {
                error = new InvalidMessage("invalid_json", "Unexpected data after the JSON-RPC batch.");
                return false;
            }

            if (messages.Count == 0)
            {
                error = new InvalidMessage("invalid_structure", "A batch must hold at least one message.");
                return false;
            }

            error = default;
            return true;
        }
        catch (JsonException ex)
        {
            error = FromJsonException(ex);
            return false;
        }
    }

    private static InvalidMessage FromJsonException(JsonException ex)
    {
        // The reader's message says where (line, byte) and what it expected; it names no secret.
        var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : string.Empty;
        if (ex.Message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return new InvalidMessage("nesting_too_deep", $"The message nests deeper than {MaxDepth} levels{where}.");
        }

        return new InvalidMessage("invalid_json", $"The body is not valid JSON{where}: {FirstSentence(ex.Message)}");
    }

    private static string FirstSentence(string message)
    {
        var dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..(dot + 1)] : message;
    }

    private static bool Fail(out JsonRpcEnvelope envelope, out InvalidMessage error, InvalidMessage value)
    {
        envelope = default;
        error = value;
        return false;
    }

    // Reads the object the reader is positioned on (its StartObject). On return the reader is on its EndObject.
    private static bool TryReadObject(ReadOnlyMemory<byte> json, ref Utf8JsonReader reader, int baseOffset, out JsonRpcEnvelope envelope, out InvalidMessage error)
    {
        _ = baseOffset;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Fail(out envelope, out error, new InvalidMessage("invalid_structure", "A JSON-RPC message must be a JSON object."));
        }

        var sawVersion = false;
        var versionOk = false;
        string? method = null;
        var methodInvalid = false;
        var hasId = false;
        var idInvalid = false;
        JsonRpcId id = default;
        ReadOnlyMemory<byte> @params = default, result = default, errorRaw = default;
        var paramsInvalid = false;
        var hasResult = false;
        var hasError = false;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("jsonrpc"u8))
            {
                reader.Read();
                sawVersion = true;
                versionOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("2.0"u8);
                SkipValue(ref reader);
            }
            else if (reader.ValueTextEquals("method"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    method = McpMethods.Intern(ref reader);
                }
                else
                {
                    methodInvalid = true;
                    SkipValue(ref reader);
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                hasId = true;
                if (reader.TokenType == JsonTokenType.String)
                {
                    if ((reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length) > MaxIdLength)
                    {
                        idInvalid = true;
                    }
                    else
                    {
                        id = new JsonRpcId(reader.GetString()!);
                    }
                }
                else if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n))
                {
                    id = new JsonRpcId(n);
                }
                else
                {
                    // null, fractions, numbers beyond 64 bits, objects, arrays and booleans are not ids MCP allows.
                    idInvalid = true;
                    SkipValue(ref reader);
                }
            }
            else if (reader.ValueTextEquals("params"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    @params = Slice(json, ref reader);
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    paramsInvalid = true;
                    SkipValue(ref reader);
                }
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                reader.Read();
                hasResult = true;
                result = Slice(json, ref reader);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                hasError = true;
                errorRaw = Slice(json, ref reader);
            }
            else
            {
                reader.Read();
                SkipValue(ref reader);
            }
        }

        JsonRpcId? knownId = hasId && !idInvalid ? id : null;
        if (!sawVersion)
        {
            return Fail(out envelope, out error, new InvalidMessage("missing_field", "The message has no \"jsonrpc\" member; add \"jsonrpc\": \"2.0\".", "jsonrpc", knownId));
        }

        if (!versionOk)
        {
            return Fail(out envelope, out error, new InvalidMessage("invalid_field", "\"jsonrpc\" must be the string \"2.0\".", "jsonrpc", knownId));
        }

        if (idInvalid)
        {
            return Fail(out envelope, out error, new InvalidMessage("invalid_field", $"\"id\" must be a string of at most {MaxIdLength} bytes or an integer that fits in 64 bits.", "id"));
        }

        if (methodInvalid)
        {
            return Fail(out envelope, out error, new InvalidMessage("invalid_field", "\"method\" must be a string.", "method", knownId));
        }

        if (method is not null)
        {
            if (hasResult || hasError)
            {
                return Fail(out envelope, out error, new InvalidMessage("invalid_structure", "A message cannot have both \"method\" and \"result\" or \"error\".", "method", knownId));
            }

            if (paramsInvalid)
            {
                return Fail(out envelope, out error, new InvalidMessage("invalid_field", "\"params\" must be a JSON object.", "params", knownId));
            }

            envelope = new JsonRpcEnvelope
            {
                Kind = hasId ? JsonRpcMessageKind.Request : JsonRpcMessageKind.Notification,
                Id = id,
                Method = method,
                Params = @params,
            };
            error = default;
            return true;
        }

        if (hasResult || hasError)
        {
            if (!hasId)
            {
                return Fail(out envelope, out error, new InvalidMessage("missing_field", "A response must carry the \"id\" of the request it answers.", "id"));
            }

            if (hasResult && hasError)
            {
                return Fail(out envelope, out error, new InvalidMessage("invalid_structure", "A response cannot have both \"result\" and \"error\".", "result", knownId));
            }

            envelope = new JsonRpcEnvelope
            {
                Kind = hasResult ? JsonRpcMessageKind.Response : JsonRpcMessageKind.ErrorResponse,
                Id = id,
                Result = result,
                Error = errorRaw,
            };
            error = default;
            return true;
        }

        return Fail(out envelope, out error, new InvalidMessage("missing_field", "The message has no \"method\"; a request needs \"method\" (and \"id\"), a response needs \"result\" or \"error\".", "method", knownId));
    }

    private static ReadOnlyMemory<byte> Slice(ReadOnlyMemory<byte> json, ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }

        var end = (int)reader.BytesConsumed;
        return json[start..end];
    }

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }
    }

    /// <summary>Throws the exception for an unreachable state.</summary>
    [DoesNotReturn]
    internal static void ThrowUnreachable() => throw new InvalidOperationException("Unreachable.");
}
