using System.Net;
using System.Text;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>
/// A client mistake on POST /mcp and exactly how the server must refuse it. Shared by the raw-wire
/// tests (which assert the answers) and the log-level tests (which assert nothing is logged above INFO).
/// </summary>
/// <param name="Name">The case name, used as the theory argument.</param>
/// <param name="Status">The HTTP status expected.</param>
/// <param name="Code">The JSON-RPC <c>error.code</c> expected.</param>
/// <param name="Reason">The <c>error.data.reason</c> expected.</param>
/// <param name="Field">The <c>error.data.field</c> expected, when the server names one.</param>
/// <param name="Build">Builds the request, given the raw client and a live, initialized session id.</param>
public sealed record MalformedInput(string Name, HttpStatusCode Status, int Code, string Reason, string? Field, Func<RawMcpHttp, string, HttpRequestMessage> Build)
{
    /// <summary>Whether only the body is wrong (so the same bytes can be sent as a stdio line).</summary>
    public bool BodyOnly { get; init; }

    /// <summary>The body bytes of a <see cref="BodyOnly"/> case.</summary>
    public byte[]? BodyBytes { get; init; }

    /// <summary>The seed guide's code for a malformed message.</summary>
    public const int InvalidMessage = 1001;

    /// <summary>4 MiB, the default request body limit.</summary>
    public const int MaxBody = 4 * 1024 * 1024;

    private static readonly MalformedInput[] s_all =
    [
        Body("not_json", "this is not json", "invalid_json"),
        Body("empty_body", string.Empty, "invalid_json"),
        Body("truncated_json", """{"jsonrpc":"2.0","id":1,"method":"ping" """, "invalid_json"),
        Body("trailing_data", """{"jsonrpc":"2.0","id":1,"method":"ping"} {}""", "invalid_json"),
        Body("not_an_object", "42", "invalid_structure"),
        new("invalid_utf8", HttpStatusCode.BadRequest, InvalidMessage, "invalid_utf8", null, (raw, session) =>
            raw.Post(InvalidUtf8, session))
        {
            BodyOnly = true,
            BodyBytes = InvalidUtf8,
        },
        Body("jsonrpc_1_0", """{"jsonrpc":"1.0","id":1,"method":"ping"}""", "invalid_field", "jsonrpc"),
        Body("jsonrpc_number", """{"jsonrpc":2.0,"id":1,"method":"ping"}""", "invalid_field", "jsonrpc"),
        Body("missing_jsonrpc", """{"id":1,"method":"ping"}""", "missing_field", "jsonrpc"),
        Body("missing_method", """{"jsonrpc":"2.0","id":1}""", "missing_field", "method"),
        Body("method_not_string", """{"jsonrpc":"2.0","id":1,"method":5}""", "invalid_field", "method"),
        Body("params_array", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1,2]}""", "invalid_field", "params"),
        Body("params_string", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":"x"}""", "invalid_field", "params"),
        Body("id_object", """{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}""", "invalid_field", "id"),
        Body("id_array", """{"jsonrpc":"2.0","id":[1],"method":"ping"}""", "invalid_field", "id"),
        Body("id_fractional", """{"jsonrpc":"2.0","id":1.5,"method":"ping"}""", "invalid_field", "id"),
        Body("id_huge_integer", """{"jsonrpc":"2.0","id":1e30,"method":"ping"}""", "invalid_field", "id"),
        Body("id_beyond_int64", """{"jsonrpc":"2.0","id":9223372036854775808,"method":"ping"}""", "invalid_field", "id"),
        Body("id_boolean", """{"jsonrpc":"2.0","id":true,"method":"ping"}""", "invalid_field", "id"),
        Body("id_null", """{"jsonrpc":"2.0","id":null,"method":"ping"}""", "invalid_field", "id"),
        Body("id_string_257_bytes", $$"""{"jsonrpc":"2.0","id":"{{new string('x', 257)}}","method":"ping"}""", "invalid_field", "id"),
        Body("id_string_over_256_bytes_multibyte", $$"""{"jsonrpc":"2.0","id":"{{new string('é', 129)}}","method":"ping"}""", "invalid_field", "id"),
        Body("result_and_error", """{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}""", "invalid_structure", "result"),
        Body("method_and_result", """{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}""", "invalid_structure", "method"),
        Body("response_without_id", """{"jsonrpc":"2.0","result":{}}""", "missing_field", "id"),
        Body("nesting_65_deep", Nested(65), "nesting_too_deep"),
        Body("nesting_1000_deep", Nested(1000), "nesting_too_deep"),
        new("body_over_4mib", HttpStatusCode.RequestEntityTooLarge, InvalidMessage, "body_too_large", null, (raw, session) =>
            raw.Post(Oversized(), session)),
        new("body_over_4mib_chunked", HttpStatusCode.RequestEntityTooLarge, InvalidMessage, "body_too_large", null, (raw, session) =>
        {
            var request = raw.Post([], session);
            request.Content = new StreamContent(new MemoryStream(Oversized()));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            request.Headers.TransferEncodingChunked = true;
            return request;
        }),
        new("content_type_text_plain", HttpStatusCode.UnsupportedMediaType, InvalidMessage, "unsupported_media_type", "Content-Type", (raw, session) =>
            raw.Post(Ping, session, "text/plain")),
        new("content_type_missing", HttpStatusCode.UnsupportedMediaType, InvalidMessage, "unsupported_media_type", "Content-Type", (raw, session) =>
        {
            var request = raw.Post(Ping, session);
            request.Content!.Headers.ContentType = null;
            return request;
        }),
        new("accept_json_only", HttpStatusCode.NotAcceptable, InvalidMessage, "not_acceptable", "Accept", (raw, session) =>
        {
            var request = raw.Post(Ping, session);
            request.Headers.Remove("Accept");
            request.Headers.TryAddWithoutValidation("Accept", "application/json");
            return request;
        }),
        new("accept_event_stream_only", HttpStatusCode.NotAcceptable, InvalidMessage, "not_acceptable", "Accept", (raw, session) =>
        {
            var request = raw.Post(Ping, session);
            request.Headers.Remove("Accept");
            request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
            return request;
        }),
        new("protocol_version_unsupported", HttpStatusCode.BadRequest, InvalidMessage, "unsupported_protocol_version", "MCP-Protocol-Version", (raw, session) =>
        {
            var request = raw.Post(Ping, session);
            request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "1999-01-01");
            return request;
        }),
        new("session_id_missing", HttpStatusCode.BadRequest, InvalidMessage, "missing_session_id", "Mcp-Session-Id", (raw, _) =>
            raw.Post("""{"jsonrpc":"2.0","id":7,"method":"tools/list"}""")),
        new("session_id_unknown", HttpStatusCode.NotFound, -32001, "session_not_found", "Mcp-Session-Id", (raw, _) =>
            raw.Post("""{"jsonrpc":"2.0","id":7,"method":"tools/list"}""", "no-such-session-" + Guid.NewGuid().ToString("N"))),
        new("host_not_allowed", HttpStatusCode.Forbidden, -32000, "host_not_allowed", "Host", (raw, session) =>
        {
            var request = raw.Post(Ping, session);
            request.Headers.Host = "evil.example.com";
            return request;
        }),
        new("origin_not_allowed", HttpStatusCode.Forbidden, -32000, "origin_not_allowed", "Origin", (raw, session) =>
        {
            var request = raw.Post(Ping, session);
            request.Headers.TryAddWithoutValidation("Origin", "http://evil.example.com");
            return request;
        }),
    ];

    /// <summary>An echo call whose text holds bytes that are not UTF-8.</summary>
    public static byte[] InvalidUtf8 => [.. "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\""u8, 0xFF, 0xFE, 0xC3, .. "\"}}}"u8];

    /// <summary>A valid ping, for the cases where only a header is wrong.</summary>
    public static byte[] Ping => """{"jsonrpc":"2.0","id":1,"method":"ping"}"""u8.ToArray();

    /// <summary>Every case.</summary>
    public static IReadOnlyList<MalformedInput> All => s_all;

    /// <summary>Case names, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> Names => [.. s_all.Select(c => c.Name)];

    public static MalformedInput Get(string name) => s_all.Single(c => c.Name == name);

    public override string ToString() => Name;

    /// <summary>
    /// A message whose <c>params</c> nests <paramref name="depth"/> levels in total, counting the
    /// envelope object as level 1.
    /// </summary>
    public static string Nested(int depth)
    {
        var inner = depth - 2;
        return """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":""" + new string('[', inner) + new string(']', inner) + "}}";
    }

    private static byte[] Oversized()
    {
        var prefix = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\""u8;
        var suffix = "\"}}}"u8;
        var body = new byte[MaxBody + 1];
        prefix.CopyTo(body);
        body.AsSpan(prefix.Length, body.Length - prefix.Length - suffix.Length).Fill((byte)'a');
        suffix.CopyTo(body.AsSpan(body.Length - suffix.Length));
        return body;
    }

    private static MalformedInput Body(string name, string body, string reason, string? field = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return new(name, HttpStatusCode.BadRequest, InvalidMessage, reason, field, (raw, session) => raw.Post(bytes, session))
        {
            BodyOnly = true,
            BodyBytes = bytes,
        };
    }
}
