using System.Text;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Engine;

public sealed class JsonRpcWriterTests
{
    [Fact]
    public void WriteResponse_Result_WritesExactBytes()
    {
        var text = Wire.ResponseText(new JsonRpcId(1), RpcResult.Ok(EmptyResult.Instance, McpJsonContext.Default.EmptyResult));

        Assert.Equal("""{"jsonrpc":"2.0","id":1,"result":{}}""", text);
    }

    [Fact]
    public void WriteResponse_StringIdAndTypedResult_WritesCamelCaseWithoutNulls()
    {
        var result = RpcResult.Ok(new ListToolsResult { Tools = [new Tool { Name = "echo", InputSchema = Wire.Parse("""{"type":"object"}""") }] }, McpJsonContext.Default.ListToolsResult);

        var text = Wire.ResponseText(new JsonRpcId("a-1"), result);

        Assert.Equal("""{"jsonrpc":"2.0","id":"a-1","result":{"tools":[{"name":"echo","inputSchema":{"type":"object"}}]}}""", text);
    }

    [Fact]
    public void WriteResponse_FailedResult_WritesTheError()
    {
        var text = Wire.ResponseText(new JsonRpcId(2), RpcResult.Fail(new RpcError(-32601, "nope", "method_not_found", "method")));

        Assert.Equal("""{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"nope","data":{"reason":"method_not_found","field":"method"}}}""", text);
    }

    [Fact]
    public void WriteError_ReasonAndField_WritesData()
    {
        var text = Write(w => JsonRpcWriter.WriteError(w, new JsonRpcId(7), new RpcError(McpErrorCode.InvalidParams, "bad", "invalid_field", "params")));

        Assert.Equal("""{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"bad","data":{"reason":"invalid_field","field":"params"}}}""", text);
    }

    [Fact]
    public void WriteError_NoIdNoReason_WritesNullIdAndNoData()
    {
        var text = Write(w => JsonRpcWriter.WriteError(w, null, new RpcError(McpErrorCode.InvalidMessage, "m")));

        Assert.Equal("""{"jsonrpc":"2.0","id":null,"error":{"code":1001,"message":"m"}}""", text);
    }

    [Fact]
    public void WriteError_FieldOnly_WritesDataWithFieldOnly()
    {
        var text = Write(w => JsonRpcWriter.WriteError(w, new JsonRpcId("x"), new RpcError(-1, "m", null, "id")));

        Assert.Equal("""{"jsonrpc":"2.0","id":"x","error":{"code":-1,"message":"m","data":{"field":"id"}}}""", text);
    }

    [Fact]
    public void WriteError_MessageWithQuotesHtmlAndNonAscii_EscapesOnlyWhatJsonNeeds()
    {
        var text = Write(w => JsonRpcWriter.WriteError(w, null, new RpcError(-1, "a \"q\" <b> & é\n")));

        Assert.Equal("""{"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"a \"q\" <b> & é\n"}}""", text);
    }

    [Fact]
    public void WriteError_Cancelled_WritesCodeAndReason()
    {
        var text = Write(w => JsonRpcWriter.WriteError(w, new JsonRpcId(1), RpcError.Cancelled));

        Assert.Equal("""{"jsonrpc":"2.0","id":1,"error":{"code":-32800,"message":"Request cancelled.","data":{"reason":"cancelled"}}}""", text);
    }

    [Fact]
    public void SerializeNotification_NoParams_WritesMethodOnly()
    {
        var bytes = JsonRpcWriter.SerializeNotification<EmptyResult>(McpMethods.NotificationToolsListChanged, null, null);

        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}""", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void SerializeNotification_Params_WritesParams()
    {
        var bytes = JsonRpcWriter.SerializeNotification(McpMethods.NotificationResourceUpdated, new ResourceUpdatedNotificationParams { Uri = "file:///a b" }, McpJsonContext.Default.ResourceUpdatedNotificationParams);

        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"file:///a b"}}""", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void SerializeRequest_NoParams_WritesIdAndMethod()
    {
        var bytes = JsonRpcWriter.SerializeRequest<EmptyResult>(3, McpMethods.RootsList, null, null);

        Assert.Equal("""{"jsonrpc":"2.0","id":3,"method":"roots/list"}""", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void SerializeRequest_Params_WritesParams()
    {
        var bytes = JsonRpcWriter.SerializeRequest(4, McpMethods.ElicitationCreate, new ElicitRequestParams { Message = "name?", RequestedSchema = Wire.Parse("""{"type":"object"}""") }, McpJsonContext.Default.ElicitRequestParams);

        Assert.Equal("""{"jsonrpc":"2.0","id":4,"method":"elicitation/create","params":{"message":"name?","requestedSchema":{"type":"object"}}}""", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void SerializeProgress_StringTokenTotalAndMessage_WritesAllMembers()
    {
        var bytes = JsonRpcWriter.SerializeProgress("\"tok\""u8, 1, 4, "step");

        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"tok","progress":1,"total":4,"message":"step"}}""", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void SerializeProgress_NumberTokenOnly_WritesTokenAsIs()
    {
        var bytes = JsonRpcWriter.SerializeProgress("12345678901234567890"u8, 0.5, null, null);

        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":12345678901234567890,"progress":0.5}}""", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void WriteResponse_TwoBuffersOneAfterTheOther_DoNotShareOutput()
    {
        var first = Wire.ResponseText(new JsonRpcId(1), RpcResult.Ok(EmptyResult.Instance, McpJsonContext.Default.EmptyResult));
        var second = Wire.ResponseText(new JsonRpcId(2), RpcResult.Ok(EmptyResult.Instance, McpJsonContext.Default.EmptyResult));

        Assert.Equal("""{"jsonrpc":"2.0","id":1,"result":{}}""", first);
        Assert.Equal("""{"jsonrpc":"2.0","id":2,"result":{}}""", second);
    }

    private static string Write(Action<PooledBufferWriter> write)
    {
        using var buffer = new PooledBufferWriter(16);
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
