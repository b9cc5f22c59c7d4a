using System.Text.Json;
using McpServer.Catalog;
using McpServer.Protocol;
using McpServer.Sessions;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Engine;

public sealed class McpDispatcherProcessTests : IDisposable
{
    private readonly DispatcherHarness _harness = new();
    private readonly CapturingSink _sink = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task ProcessAsync_InvalidUtf8_IsInvalidUtf8WithNullId()
    {
        var session = _harness.NewSession();

        // 0xC3 0x28: a lead byte followed by a byte that cannot continue it.
        await ProcessAsync(session, [(byte)'"', 0xC3, 0x28, (byte)'"']);

        Assert.Equal("""{"jsonrpc":"2.0","id":null,"error":{"code":1001,"message":"The message is not valid UTF-8; JSON must be encoded as UTF-8.","data":{"reason":"invalid_utf8"}}}""", Assert.Single(_sink.Messages));
    }

    [Fact]
    public async Task ProcessAsync_MalformedJson_IsInvalidJsonWithNullId()
    {
        var session = _harness.NewSession();

        await ProcessAsync(session, "{\"jsonrpc\":");

        var error = Wire.AssertError(Wire.Parse(Assert.Single(_sink.Messages)), McpErrorCode.InvalidMessage, "invalid_json");
        Assert.Equal("null", Wire.Parse(_sink.Messages[0]).GetProperty("id").GetRawText());
        Assert.StartsWith("The body is not valid JSON", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessAsync_InvalidMessageWithReadableId_AnswersThatId()
    {
        var session = _harness.NewSession();

        await ProcessAsync(session, """{"id":5,"method":"ping"}""");

        Assert.Equal("""{"jsonrpc":"2.0","id":5,"error":{"code":1001,"message":"The message has no \"jsonrpc\" member; add \"jsonrpc\": \"2.0\".","data":{"reason":"missing_field","field":"jsonrpc"}}}""", Assert.Single(_sink.Messages));
    }

    [Fact]
    public async Task ProcessAsync_Initialize_IsAnsweredBeforeItReturns()
    {
        var session = _harness.NewSession();

        await ProcessAsync(session, Wire.Request("1", McpMethods.Initialize, DispatcherHarness.InitializeParams("2025-06-18")));

        var result = Wire.AssertResult(Wire.Parse(Assert.Single(_sink.Messages)));
        Assert.Equal("2025-06-18", result.GetProperty("protocolVersion").GetString());
        Assert.Equal(ProtocolRevision.V2025_06_18, session.Revision);
    }

    [Fact]
    public async Task ProcessAsync_Request_IsAnsweredOnTheSink()
    {
        var session = await _harness.NewInitializedSessionAsync();

        await ProcessAsync(session, Wire.Request("2", McpMethods.Ping));
        var response = await _sink.WaitForResponseAsync(2);

        Assert.Equal("""{"jsonrpc":"2.0","id":2,"result":{}}""", response.GetRawText());
    }

    [Fact]
    public async Task ProcessAsync_Notification_SendsNothing()
    {
        var session = await _harness.NewInitializedSessionAsync();

        await ProcessAsync(session, Wire.Notification(McpMethods.NotificationInitialized));
        await ProcessAsync(session, Wire.Notification(McpMethods.NotificationCancelled, """{"requestId":1}"""));

        Assert.Empty(_sink.Messages);
    }

    [Fact]
    public async Task ProcessAsync_Request_ParamsOutliveTheInputBuffer()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _harness.AddTool("echo", async (ctx, args) =>
        {
            await release.Task;
            return CallToolResult.FromText(args.GetRequiredString("text"));
        });
        var session = await _harness.NewInitializedSessionAsync();
        var input = Wire.Utf8(Wire.Request("3", McpMethods.ToolsCall, """{"name":"echo","arguments":{"text":"original"}}"""));

        await _harness.Dispatcher.ProcessAsync(session, input, _sink, null, CancellationToken.None);
        Array.Fill(input, (byte)'x');
        release.SetResult();
        var response = await _sink.WaitForResponseAsync(3);

        Assert.Equal("original", Wire.AssertResult(response).GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task ProcessAsync_BatchIn20250326_AnswersEveryItemInOneArray()
    {
        var session = await _harness.NewInitializedSessionAsync("2025-03-26");

        await ProcessAsync(session, $"[{Wire.Request("1", McpMethods.Ping)}, 42, {Wire.Notification(McpMethods.NotificationInitialized)}, {Wire.Request("2", McpMethods.ToolsList)}]");
        var batch = await _sink.WaitForAsync(m => m.ValueKind == JsonValueKind.Array);

        Assert.Equal(3, batch.GetArrayLength());
        Wire.AssertResult(batch.EnumerateArray().Single(m => m.GetProperty("id").ValueKind == JsonValueKind.Number && m.GetProperty("id").GetInt64() == 1));
        var list = batch.EnumerateArray().Single(m => m.GetProperty("id").ValueKind == JsonValueKind.Number && m.GetProperty("id").GetInt64() == 2);
        Assert.Equal("""{"tools":[]}""", Wire.AssertResult(list).GetRawText());
        var invalid = batch.EnumerateArray().Single(m => m.GetProperty("id").ValueKind == JsonValueKind.Null);
        Wire.AssertError(invalid, McpErrorCode.InvalidMessage, "invalid_structure");
        Assert.Single(_sink.Messages);
    }

    [Fact]
    public async Task ProcessAsync_BatchWithInvalidItem_AnswersItsIdInAnArray()
    {
        var session = await _harness.NewInitializedSessionAsync("2024-11-05");

        await ProcessAsync(session, """[{"jsonrpc":"2.0","id":9,"method":5}]""");
        await _sink.WaitForAsync(m => m.ValueKind == JsonValueKind.Array);

        Assert.Equal("""[{"jsonrpc":"2.0","id":9,"error":{"code":1001,"message":"\"method\" must be a string.","data":{"reason":"invalid_field","field":"method"}}}]""", Assert.Single(_sink.Messages));
    }

    [Theory]
    [InlineData("2025-06-18")]
    [InlineData("2025-11-25")]
    public async Task ProcessAsync_BatchAfter20250618_IsBatchNotSupported(string version)
    {
        var session = await _harness.NewInitializedSessionAsync(version);

        await ProcessAsync(session, $"[{Wire.Request("1", McpMethods.Ping)}]");

        var error = Wire.AssertError(Wire.Parse(Assert.Single(_sink.Messages)), McpErrorCode.InvalidMessage, "batch_not_supported");
        Assert.Contains(version, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessAsync_EmptyBatch_IsInvalidStructure()
    {
        var session = await _harness.NewInitializedSessionAsync("2025-03-26");

        await ProcessAsync(session, " [ ] ");

        Wire.AssertError(Wire.Parse(Assert.Single(_sink.Messages)), McpErrorCode.InvalidMessage, "invalid_structure");
    }

    [Fact]
    public async Task ProcessAsync_ClientResponse_CompletesTheWaitingRequest()
    {
        _harness.AddTool("sample", static async (ctx, _) =>
        {
            var result = await ctx.SampleAsync(new CreateMessageRequestParams { MaxTokens = 1 });
            return CallToolResult.FromText(result.Model ?? "?");
        });
        var session = await _harness.NewInitializedSessionAsync(capabilities: """{"sampling":{}}""");

        await ProcessAsync(session, Wire.Request("4", McpMethods.ToolsCall, """{"name":"sample"}"""));
        var request = await _sink.WaitForMethodAsync(McpMethods.SamplingCreateMessage);
        await ProcessAsync(session, $$$$"""{"jsonrpc":"2.0","id":{{{{request.GetProperty("id").GetInt64()}}}},"result":{"model":"m2","content":{}}}""");
        var response = await _sink.WaitForResponseAsync(4);

        Assert.Equal("m2", Wire.AssertResult(response).GetProperty("content")[0].GetProperty("text").GetString());
    }

    private Task ProcessAsync(McpSession session, string json) => ProcessAsync(session, Wire.Utf8(json));

    private Task ProcessAsync(McpSession session, byte[] json) => _harness.Dispatcher.ProcessAsync(session, json, _sink, null, CancellationToken.None);
}
