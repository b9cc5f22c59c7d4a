using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpServer.Protocol;

namespace McpServer.Engine;

/// <summary>Writes JSON-RPC messages straight into a buffer with one reused <see cref="Utf8JsonWriter"/> per thread.</summary>
public static class JsonRpcWriter
{
    // Relaxed escaping: the output is JSON over HTTP or a pipe, never embedded in HTML.
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        var w = t_writer;
        if (w is null)
        {
            return t_writer = new Utf8JsonWriter(output, s_options);
        }

        w.Reset(output);
        return w;
    }

    private static void Return(Utf8JsonWriter writer)
    {
        writer.Flush();
        // Detach from the caller's buffer; Reset(Stream) would allocate a buffer of its own.
        writer.Reset(DetachedOutput.Instance);
    }

    private sealed class DetachedOutput : IBufferWriter<byte>
    {
        public static readonly DetachedOutput Instance = new();

        public void Advance(int count) => throw new InvalidOperationException();

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException();

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException();
    }

    // {"jsonrpc":"2.0","id":ID,"result": ... the caller writes the value and the closing brace.
    private static Utf8JsonWriter BeginResult(IBufferWriter<byte> output, JsonRpcId id)
    {
        var w = Rent(output);
        w.WriteStartObject();
        w.WriteString("jsonrpc"u8, "2.0"u8);
        w.WritePropertyName("id"u8);
        id.WriteTo(w);
        w.WritePropertyName("result"u8);
        return w;
    }

    /// <summary>Writes a response or error response for request <paramref name="id"/>.</summary>
    public static void WriteResponse(IBufferWriter<byte> output, JsonRpcId id, in RpcResult result)
    {
        if (result.Error is { } error)
        {
            WriteError(output, id, error);
            return;
        }

        var w = BeginResult(output, id);
        if (result.Value is CallToolResult toolResult)
        {
            CallToolResultWriter.Write(w, toolResult);
        }
        else
        {
            JsonSerializer.Serialize(w, result.Value, result.TypeInfo!);
        }

        w.WriteEndObject();
        Return(w);
    }

    /// <summary>
    /// Writes a 2026-07-28 response: the result gets <c>resultType</c> and, when
    /// <paramref name="cacheScope"/> is given, the caching fields <c>ttlMs</c> and <c>cacheScope</c>.
    /// </summary>
    public static void WriteStatelessResponse(IBufferWriter<byte> output, JsonRpcId id, in RpcResult result, int? ttlMs, string? cacheScope)
    {
        if (result.Error is { } error)
        {
            WriteError(output, id, error);
            return;
        }

        if (result.Value is InputRequiredResult)
        {
            // Carries its own resultType, and is never cached.
            WriteResponse(output, id, result);
            return;
        }

        byte[]? decorated = null;
        if (result.Value is not CallToolResult)
        {
            // Serialized apart, then opened up to put the members 2026-07-28 adds first.
            using var inner = new PooledBufferWriter(512);
            using (var innerWriter = new Utf8JsonWriter(inner, s_options))
            {
                JsonSerializer.Serialize(innerWriter, result.Value, result.TypeInfo!);
            }

            using var head = new PooledBufferWriter(64 + inner.WrittenCount);
            using (var headWriter = new Utf8JsonWriter(head, s_options))
            {
                headWriter.WriteStartObject();
                headWriter.WriteString("resultType"u8, "complete"u8);
                if (cacheScope is not null)
                {
                    headWriter.WriteNumber("ttlMs"u8, ttlMs ?? 0);
                    headWriter.WriteString("cacheScope"u8, cacheScope);
                }

                headWriter.WriteEndObject();
            }

            var body = inner.WrittenSpan;
            var prefix = head.WrittenSpan[..^1];
            decorated = new byte[prefix.Length + body.Length];
            prefix.CopyTo(decorated);
            if (body.Length > 2)
            {
                decorated[prefix.Length] = (byte)',';
                body[1..].CopyTo(decorated.AsSpan(prefix.Length + 1));
            }
            else
            {
                decorated[prefix.Length] = (byte)'}';
                Array.Resize(ref decorated, prefix.Length + 1);
            }
        }

        var w = BeginResult(output, id);
        if (decorated is null)
        {
            CallToolResultWriter.Write(w, (CallToolResult)result.Value!, complete: true);
        }
        else
        {
            w.WriteRawValue(decorated, skipInputValidation: true);
        }

        w.WriteEndObject();
        Return(w);
    }

    /// <summary>Writes an error response; <paramref name="id"/> is <see langword="null"/> when the request's id could not be read.</summary>
    public static void WriteError(IBufferWriter<byte> output, JsonRpcId? id, RpcError error)
    {
        var w = Rent(output);
        w.WriteStartObject();
        w.WriteString("jsonrpc"u8, "2.0"u8);
        w.WritePropertyName("id"u8);
        if (id is { } value)
        {
            value.WriteTo(w);
        }
        else
        {
            w.WriteNullValue();
        }

        w.WritePropertyName("error"u8);
        w.WriteStartObject();
        w.WriteNumber("code"u8, error.Code);
        w.WriteString("message"u8, error.Message);
        if (error.Reason is not null || error.Field is not null || error.Data is not null)
        {
            w.WritePropertyName("data"u8);
            w.WriteStartObject();
            if (error.Data is { ValueKind: JsonValueKind.Object } data)
            {
                foreach (var member in data.EnumerateObject())
                {
                    member.WriteTo(w);
                }
            }

            if (error.Reason is not null)
            {
                w.WriteString("reason"u8, error.Reason);
            }

            if (error.Field is not null)
            {
                w.WriteString("field"u8, error.Field);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();
        Return(w);
    }

    /// <summary>Serializes a notification.</summary>
    public static byte[] SerializeNotification<T>(string method, T? parameters, JsonTypeInfo<T>? typeInfo) => SerializeMessage(null, method, parameters, typeInfo);

    /// <summary>Serializes a server-to-client request.</summary>
    public static byte[] SerializeRequest<T>(long id, string method, T? parameters, JsonTypeInfo<T>? typeInfo) => SerializeMessage(id, method, parameters, typeInfo);

    private static byte[] SerializeMessage<T>(long? id, string method, T? parameters, JsonTypeInfo<T>? typeInfo)
    {
        using var buffer = new PooledBufferWriter(256);
        var w = Rent(buffer);
        w.WriteStartObject();
        w.WriteString("jsonrpc"u8, "2.0"u8);
        if (id is { } value)
        {
            w.WriteNumber("id"u8, value);
        }

        w.WriteString("method"u8, method);
        if (parameters is not null && typeInfo is not null)
        {
            w.WritePropertyName("params"u8);
            JsonSerializer.Serialize(w, parameters, typeInfo);
        }

        w.WriteEndObject();
        Return(w);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Serializes a progress notification carrying the raw token from the request.</summary>
    internal static byte[] SerializeProgress(ReadOnlySpan<byte> rawToken, double progress, double? total, string? message)
    {
        using var buffer = new PooledBufferWriter(256);
        var w = Rent(buffer);
        w.WriteStartObject();
        w.WriteString("jsonrpc"u8, "2.0"u8);
        w.WriteString("method"u8, McpMethods.NotificationProgress);
        w.WritePropertyName("params"u8);
        w.WriteStartObject();
        w.WritePropertyName("progressToken"u8);
        w.WriteRawValue(rawToken, skipInputValidation: true);
        w.WriteNumber("progress"u8, progress);
        if (total is { } t)
        {
            w.WriteNumber("total"u8, t);
        }

        if (message is not null)
        {
            w.WriteString("message"u8, message);
        }

        w.WriteEndObject();
        w.WriteEndObject();
        Return(w);
        return buffer.WrittenSpan.ToArray();
    }
}
