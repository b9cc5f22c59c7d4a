using System.Text;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Protocol;

public sealed class JsonRpcEnvelopeReaderTests
{
    [Fact]
    public void TryRead_Request_ReturnsRequestWithIdMethodAndParams()
    {
        var envelope = Wire.Read("""{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}}""");

        Assert.Equal(JsonRpcMessageKind.Request, envelope.Kind);
        Assert.Equal(new JsonRpcId(7), envelope.Id);
        Assert.Equal("tools/list", envelope.Method);
        Assert.Equal("""{"cursor":"x"}""", Encoding.UTF8.GetString(envelope.Params.Span));
        Assert.True(envelope.Result.IsEmpty);
        Assert.True(envelope.Error.IsEmpty);
    }

    [Fact]
    public void TryRead_Notification_ReturnsNotificationWithoutId()
    {
        var envelope = Wire.Read("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");

        Assert.Equal(JsonRpcMessageKind.Notification, envelope.Kind);
        Assert.Equal("notifications/initialized", envelope.Method);
        Assert.True(envelope.Params.IsEmpty);
    }

    [Fact]
    public void TryRead_Response_ReturnsResponseWithRawResult()
    {
        var envelope = Wire.Read("""{"jsonrpc":"2.0","id":"s-1","result":{"roots":[]}}""");

        Assert.Equal(JsonRpcMessageKind.Response, envelope.Kind);
        Assert.Equal(new JsonRpcId("s-1"), envelope.Id);
        Assert.Null(envelope.Method);
        Assert.Equal("""{"roots":[]}""", Encoding.UTF8.GetString(envelope.Result.Span));
        Assert.True(envelope.Error.IsEmpty);
    }

    [Fact]
    public void TryRead_ErrorResponse_ReturnsErrorResponseWithRawError()
    {
        var envelope = Wire.Read("""{"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"no"}}""");

        Assert.Equal(JsonRpcMessageKind.ErrorResponse, envelope.Kind);
        Assert.Equal(new JsonRpcId(3), envelope.Id);
        Assert.Equal("""{"code":-1,"message":"no"}""", Encoding.UTF8.GetString(envelope.Error.Span));
        Assert.True(envelope.Result.IsEmpty);
    }

    [Fact]
    public void TryRead_Params_IsTheExactInputSlice()
    {
        const string Params = "{ \"a\" : [1, 2.50, {\"b\":null}],\n  \"c\":\"\\u00e9\" }";
        var json = Wire.Utf8($$"""{ "params" : {{Params}} , "jsonrpc":"2.0","id":1,"method":"x" }""");

        Assert.True(JsonRpcEnvelopeReader.TryRead(json, out var envelope, out _));

        Assert.Equal(Wire.Utf8(Params), envelope.Params.ToArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(envelope.Params, out var segment));
        Assert.Same(json, segment.Array);
    }

    [Theory]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    [InlineData("[1, {\"x\": true}]")]
    [InlineData("{ \"content\" : [ ] }")]
    public void TryRead_Result_IsTheExactInputSlice(string result)
    {
        var envelope = Wire.Read($$"""{"jsonrpc":"2.0","id":1,"result":{{result}}}""");

        Assert.Equal(result, Encoding.UTF8.GetString(envelope.Result.Span));
    }

    [Fact]
    public void TryRead_KnownMethod_IsInterned()
    {
        var envelope = Wire.Read("""{"jsonrpc":"2.0","id":1,"method":"tools/call"}""");

        Assert.Same(McpMethods.ToolsCall, envelope.Method);
    }

    [Fact]
    public void TryRead_EscapedMethod_IsUnescaped()
    {
        var envelope = Wire.Read("""{"jsonrpc":"2.0","id":1,"method":"tools\/call"}""");

        Assert.Equal(McpMethods.ToolsCall, envelope.Method);
    }

    [Fact]
    public void TryRead_UnknownMembers_AreIgnored()
    {
        var envelope = Wire.Read("""{"jsonrpc":"2.0","x":{"deep":[1,[2]]},"id":1,"method":"ping","y":null}""");

        Assert.Equal(JsonRpcMessageKind.Request, envelope.Kind);
        Assert.Equal("ping", envelope.Method);
    }

    [Fact]
    public void TryRead_NullParams_IsAcceptedAsNoParams()
    {
        var envelope = Wire.Read("""{"jsonrpc":"2.0","id":1,"method":"ping","params":null}""");

        Assert.True(envelope.Params.IsEmpty);
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1", 1L)]
    [InlineData("-5", -5L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void TryRead_IntegerId_IsANumberId(string idJson, long expected)
    {
        var envelope = Wire.Read(Wire.Request(idJson, "ping"));

        Assert.False(envelope.Id.IsString);
        Assert.Equal(expected, envelope.Id.Number);
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("\"\"", "")]
    [InlineData("\"1\"", "1")]
    [InlineData("\"a\\\"b\"", "a\"b")]
    public void TryRead_StringId_IsAStringId(string idJson, string expected)
    {
        var envelope = Wire.Read(Wire.Request(idJson, "ping"));

        Assert.True(envelope.Id.IsString);
        Assert.Equal(expected, envelope.Id.String);
    }

    [Theory]
    [InlineData("1e30")]
    [InlineData("9223372036854775808")]
    [InlineData("1.5")]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("null")]
    [InlineData("{\"a\":1}")]
    [InlineData("[1]")]
    [InlineData("true")]
    public void TryRead_IdNotAStringOrInteger_IsInvalidField(string idJson)
    {
        var error = Wire.ReadInvalid(Wire.Request(idJson, "ping"));

        Assert.Equal("invalid_field", error.Reason);
        Assert.Equal("id", error.Field);
        Assert.Null(error.Id);
    }

    [Fact]
    public void TryRead_StringIdOfMaxLength_IsAccepted()
    {
        var id = new string('a', JsonRpcEnvelopeReader.MaxIdLength);

        var envelope = Wire.Read(Wire.Request($"\"{id}\"", "ping"));

        Assert.Equal(id, envelope.Id.String);
    }

    [Fact]
    public void TryRead_StringIdLongerThanMax_IsInvalidField()
    {
        var id = new string('a', JsonRpcEnvelopeReader.MaxIdLength + 1);

        var error = Wire.ReadInvalid(Wire.Request($"\"{id}\"", "ping"));

        Assert.Equal("invalid_field", error.Reason);
        Assert.Equal("id", error.Field);
    }

    [Fact]
    public void TryRead_MissingJsonrpc_IsMissingFieldAndKeepsTheId()
    {
        var error = Wire.ReadInvalid("""{"id":5,"method":"ping"}""");

        Assert.Equal("missing_field", error.Reason);
        Assert.Equal("jsonrpc", error.Field);
        Assert.Equal(new JsonRpcId(5), error.Id);
        Assert.Equal(400, error.HttpStatus);
    }

    [Theory]
    [InlineData("\"1.0\"")]
    [InlineData("\"2.0 \"")]
    [InlineData("2.0")]
    [InlineData("2")]
    [InlineData("null")]
    [InlineData("{\"v\":\"2.0\"}")]
    public void TryRead_WrongJsonrpc_IsInvalidField(string versionJson)
    {
        var error = Wire.ReadInvalid($$"""{"jsonrpc":{{versionJson}},"id":"k","method":"ping"}""");

        Assert.Equal("invalid_field", error.Reason);
        Assert.Equal("jsonrpc", error.Field);
        Assert.Equal(new JsonRpcId("k"), error.Id);
    }

    [Theory]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("[\"ping\"]")]
    [InlineData("{\"name\":\"ping\"}")]
    public void TryRead_MethodNotAString_IsInvalidField(string methodJson)
    {
        var error = Wire.ReadInvalid($$"""{"jsonrpc":"2.0","id":1,"method":{{methodJson}}}""");

        Assert.Equal("invalid_field", error.Reason);
        Assert.Equal("method", error.Field);
        Assert.Equal(new JsonRpcId(1), error.Id);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"x\"")]
    [InlineData("3")]
    [InlineData("false")]
    public void TryRead_ParamsNotAnObject_IsInvalidField(string paramsJson)
    {
        var error = Wire.ReadInvalid(Wire.Request("1", "tools/list", paramsJson));

        Assert.Equal("invalid_field", error.Reason);
        Assert.Equal("params", error.Field);
        Assert.Equal(new JsonRpcId(1), error.Id);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{},"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","error":{"code":1,"message":"m"}}""")]
    public void TryRead_MethodWithResultOrError_IsInvalidStructure(string json)
    {
        var error = Wire.ReadInvalid(json);

        Assert.Equal("invalid_structure", error.Reason);
        Assert.Equal("method", error.Field);
    }

    [Fact]
    public void TryRead_ResultAndError_IsInvalidStructure()
    {
        var error = Wire.ReadInvalid("""{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}""");

        Assert.Equal("invalid_structure", error.Reason);
        Assert.Equal("result", error.Field);
        Assert.Equal(new JsonRpcId(1), error.Id);
    }

    [Fact]
    public void TryRead_ResponseWithoutId_IsMissingFieldId()
    {
        var error = Wire.ReadInvalid("""{"jsonrpc":"2.0","result":{}}""");

        Assert.Equal("missing_field", error.Reason);
        Assert.Equal("id", error.Field);
    }

    [Fact]
    public void TryRead_NoMethodResultOrError_IsMissingFieldMethod()
    {
        var error = Wire.ReadInvalid("""{"jsonrpc":"2.0","id":9}""");

        Assert.Equal("missing_field", error.Reason);
        Assert.Equal("method", error.Field);
        Assert.Equal(new JsonRpcId(9), error.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\r\n")]
    public void TryRead_EmptyBody_IsInvalidJson(string json)
    {
        var error = Wire.ReadInvalid(json);

        Assert.Equal("invalid_json", error.Reason);
        Assert.Null(error.Id);
    }

    [Fact]
    public void TryRead_EmptyBody_SaysTheBodyIsEmpty()
    {
        var error = Wire.ReadInvalid(string.Empty);

        Assert.Equal("The body is empty; send one JSON-RPC message.", error.Message);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping"} x""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping"}]""")]
    public void TryRead_TrailingData_IsInvalidJson(string json)
    {
        var error = Wire.ReadInvalid(json);

        Assert.Equal("invalid_json", error.Reason);
    }

    [Fact]
    public void TryRead_TrailingWhitespace_IsAccepted()
    {
        var envelope = Wire.Read("  {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} \r\n\t ");

        Assert.Equal("ping", envelope.Method);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping" """)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":ping}""")]
    [InlineData("""{"jsonrpc":"2.0",/*c*/"id":1,"method":"ping"}""")]
    [InlineData("""{'jsonrpc':'2.0','id':1,'method':'ping'}""")]
    public void TryRead_MalformedJson_IsInvalidJsonWithPosition(string json)
    {
        var error = Wire.ReadInvalid(json);

        Assert.Equal("invalid_json", error.Reason);
        Assert.StartsWith("The body is not valid JSON (line 1, byte ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"ping\"")]
    [InlineData("null")]
    public void TryRead_NotAnObject_IsInvalidStructure(string json)
    {
        var error = Wire.ReadInvalid(json);

        Assert.Equal("invalid_structure", error.Reason);
    }

    [Fact]
    public void TryRead_Depth64_IsAccepted()
    {
        // The envelope is level 1 and params level 2, so 62 nested arrays make 64 levels.
        var envelope = Wire.Read(Nested(JsonRpcEnvelopeReader.MaxDepth));

        Assert.Equal(JsonRpcMessageKind.Request, envelope.Kind);
    }

    [Fact]
    public void TryRead_Depth65_IsNestingTooDeep()
    {
        var error = Wire.ReadInvalid(Nested(JsonRpcEnvelopeReader.MaxDepth + 1));

        Assert.Equal("nesting_too_deep", error.Reason);
        Assert.Contains("64", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[", true)]
    [InlineData(" \t\r\n[{}]", true)]
    [InlineData("{}", false)]
    [InlineData("  {\"a\":[1]}", false)]
    [InlineData("", false)]
    [InlineData(" \r\n ", false)]
    [InlineData("x[", false)]
    public void IsBatch_FirstNonSpaceByte_DecidesBatch(string json, bool expected)
    {
        Assert.Equal(expected, JsonRpcEnvelopeReader.IsBatch(Wire.Utf8(json)));
    }

    [Fact]
    public void TryReadBatch_MixedValidAndInvalidItems_ReturnsEachInOrder()
    {
        const string Params = """{"cursor":"c"}""";
        var json = Wire.Utf8($$$"""
            [
              {"jsonrpc":"2.0","id":1,"method":"tools/list","params":{{{Params}}}},
              42,
              {"jsonrpc":"1.0","id":3,"method":"ping"},
              [1, [2]],
              {"jsonrpc":"2.0","method":"notifications/initialized"},
              {"jsonrpc":"2.0","id":"r","result":{"ok":true}},
              {"jsonrpc":"2.0","id":7,"method":"ping","params":[1]}
            ]
            """);
        var items = new List<(JsonRpcEnvelope Envelope, InvalidMessage? Error)>();

        Assert.True(JsonRpcEnvelopeReader.TryReadBatch(json, items, out _));

        Assert.Equal(7, items.Count);
        Assert.Null(items[0].Error);
        Assert.Equal(JsonRpcMessageKind.Request, items[0].Envelope.Kind);
        Assert.Equal(Params, Encoding.UTF8.GetString(items[0].Envelope.Params.Span));
        Assert.Equal("invalid_structure", items[1].Error?.Reason);
        Assert.Equal("invalid_field", items[2].Error?.Reason);
        Assert.Equal("jsonrpc", items[2].Error?.Field);
        Assert.Equal(new JsonRpcId(3), items[2].Error?.Id);
        Assert.Equal("invalid_structure", items[3].Error?.Reason);
        Assert.Null(items[4].Error);
        Assert.Equal(JsonRpcMessageKind.Notification, items[4].Envelope.Kind);
        Assert.Null(items[5].Error);
        Assert.Equal(JsonRpcMessageKind.Response, items[5].Envelope.Kind);
        Assert.Equal("""{"ok":true}""", Encoding.UTF8.GetString(items[5].Envelope.Result.Span));
        Assert.Equal("params", items[6].Error?.Field);
        Assert.Equal(new JsonRpcId(7), items[6].Error?.Id);
    }

    [Fact]
    public void TryReadBatch_WhitespaceBeforeBracket_IsRead()
    {
        var items = new List<(JsonRpcEnvelope Envelope, InvalidMessage? Error)>();

        Assert.True(JsonRpcEnvelopeReader.TryReadBatch(Wire.Utf8(" \r\n\t[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}] \n"), items, out _));

        var (envelope, error) = Assert.Single(items);
        Assert.Null(error);
        Assert.Equal("ping", envelope.Method);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData(" [ ] ")]
    public void TryReadBatch_Empty_IsInvalidStructure(string json)
    {
        var items = new List<(JsonRpcEnvelope Envelope, InvalidMessage? Error)>();

        Assert.False(JsonRpcEnvelopeReader.TryReadBatch(Wire.Utf8(json), items, out var error));

        Assert.Equal("invalid_structure", error.Reason);
    }

    [Fact]
    public void TryReadBatch_NotAnArray_IsInvalidStructure()
    {
        var items = new List<(JsonRpcEnvelope Envelope, InvalidMessage? Error)>();

        Assert.False(JsonRpcEnvelopeReader.TryReadBatch(Wire.Utf8("""{"jsonrpc":"2.0","id":1,"method":"ping"}"""), items, out var error));

        Assert.Equal("invalid_structure", error.Reason);
    }

    [Theory]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}] x""")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}][]""")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}""")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"},]""")]
    public void TryReadBatch_MalformedOrTrailingData_IsInvalidJson(string json)
    {
        var items = new List<(JsonRpcEnvelope Envelope, InvalidMessage? Error)>();

        Assert.False(JsonRpcEnvelopeReader.TryReadBatch(Wire.Utf8(json), items, out var error));

        Assert.Equal("invalid_json", error.Reason);
    }

    [Fact]
    public void TryReadBatch_ItemNestedTooDeep_IsNestingTooDeep()
    {
        // The batch array adds a level: an item nested 64 deep is 65 levels in all.
        var items = new List<(JsonRpcEnvelope Envelope, InvalidMessage? Error)>();

        Assert.False(JsonRpcEnvelopeReader.TryReadBatch(Wire.Utf8("[" + Nested(JsonRpcEnvelopeReader.MaxDepth) + "]"), items, out var error));

        Assert.Equal("nesting_too_deep", error.Reason);
    }

    // A request whose deepest value sits at level `depth` (the envelope object is level 1).
    private static string Nested(int depth)
    {
        var arrays = depth - 2;
        return """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":""" + new string('[', arrays) + new string(']', arrays) + "}}";
    }
}
