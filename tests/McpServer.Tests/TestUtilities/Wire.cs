using System.Text;
using System.Text.Json;
using McpServer.Engine;
using McpServer.Protocol;

namespace McpServer.Tests.TestUtilities;

/// <summary>Builds raw messages and reads back what the engine wrote.</summary>
internal static class Wire
{
    /// <summary>UTF-8 bytes of <paramref name="text"/>.</summary>
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A request with <paramref name="idJson"/> written as-is (e.g. <c>1</c> or <c>"a"</c>).</summary>
    public static string Request(string idJson, string method, string? paramsJson = null) =>
        paramsJson is null
            ? $$"""{"jsonrpc":"2.0","id":{{idJson}},"method":"{{method}}"}"""
            : $$"""{"jsonrpc":"2.0","id":{{idJson}},"method":"{{method}}","params":{{paramsJson}}}""";

    /// <summary>A notification.</summary>
    public static string Notification(string method, string? paramsJson = null) =>
        paramsJson is null
            ? $$"""{"jsonrpc":"2.0","method":"{{method}}"}"""
            : $$"""{"jsonrpc":"2.0","method":"{{method}}","params":{{paramsJson}}}""";

    /// <summary>Reads one message that must be valid.</summary>
    public static JsonRpcEnvelope Read(string json)
    {
        var ok = JsonRpcEnvelopeReader.TryRead(Utf8(json), out var envelope, out var error);
        Assert.True(ok, $"Expected a valid message, got {error.Reason}: {error.Message}");
        return envelope;
    }

    /// <summary>Reads one message that must be refused.</summary>
    public static InvalidMessage ReadInvalid(string json) => ReadInvalid(Utf8(json));

    /// <summary>Reads one message that must be refused.</summary>
    public static InvalidMessage ReadInvalid(byte[] json)
    {
        var ok = JsonRpcEnvelopeReader.TryRead(json, out _, out var error);
        Assert.False(ok, "Expected the message to be refused.");
        return error;
    }

    /// <summary>What <see cref="JsonRpcWriter.WriteResponse"/> writes for <paramref name="result"/>, as text.</summary>
    public static string ResponseText(JsonRpcId id, RpcResult result)
    {
        using var buffer = new PooledBufferWriter(256);
        JsonRpcWriter.WriteResponse(buffer, id, result);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>What <see cref="JsonRpcWriter.WriteResponse"/> writes for <paramref name="result"/>, parsed.</summary>
    public static JsonElement Response(JsonRpcId id, RpcResult result) => Parse(ResponseText(id, result));

    /// <summary>Parses JSON text into a detached element.</summary>
    public static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    /// <summary>Asserts a successful response and returns its result.</summary>
    public static JsonElement AssertResult(JsonElement response)
    {
        Assert.False(response.TryGetProperty("error", out _), $"Expected a result, got {response}");
        return response.GetProperty("result");
    }

    /// <summary>Asserts an error response with <paramref name="code"/> and <paramref name="reason"/>; returns the error.</summary>
    public static JsonElement AssertError(JsonElement response, int code, string? reason)
    {
        Assert.True(response.TryGetProperty("error", out var error), $"Expected an error, got {response}");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        if (reason is null)
        {
            Assert.False(error.TryGetProperty("data", out var data) && data.TryGetProperty("reason", out _), $"Expected no reason in {error}");
        }
        else
        {
            Assert.Equal(reason, error.GetProperty("data").GetProperty("reason").GetString());
        }

        return error;
    }

    /// <summary>The names of the members of a JSON object.</summary>
    public static string[] PropertyNames(JsonElement obj) => obj.EnumerateObject().Select(p => p.Name).ToArray();
}
