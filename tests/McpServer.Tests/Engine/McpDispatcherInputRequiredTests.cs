using System.Text.Json;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace McpServer.Tests.Engine;

/// <summary>Multi-round-trip requests of revision 2026-07-28: InputRequiredResult, inputResponses and sealed requestState.</summary>
public sealed class McpDispatcherInputRequiredTests : IDisposable
{
    private static readonly JsonElement s_nameSchema = JsonDocument.Parse("""{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}""").RootElement;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly DispatcherHarness _harness;

    public McpDispatcherInputRequiredTests()
    {
        _harness = new DispatcherHarness(new McpServerOptions { TimeProvider = _time });
        _harness.AddTool("greet", static async (ctx, _) =>
        {
            var answer = await ctx.ElicitAsync("user_name", new ElicitRequestParams { Message = "What is your name?", RequestedSchema = s_nameSchema }, ctx.CancellationToken);
            return CallToolResult.FromText($"Hello, {answer.Content?.GetProperty("name").GetString()}! (round {ctx.InputRound})");
        });
        _harness.AddTool("two_steps", static async (ctx, _) =>
        {
            var first = await ctx.ElicitAsync("step1", new ElicitRequestParams { Message = "Name?", RequestedSchema = s_nameSchema }, ctx.CancellationToken);
            var second = await ctx.ElicitAsync("step2", new ElicitRequestParams { Message = "Colour?", RequestedSchema = s_nameSchema }, ctx.CancellationToken);
            return CallToolResult.FromText($"{first.Content?.GetProperty("name").GetString()} likes {second.Content?.GetProperty("name").GetString()}");
        });
    }

    public void Dispose() => _harness.Dispose();

    private Task<JsonElement> CallAsync(string tool, string extra = "", string arguments = "{}", string capabilities = """{"elicitation":{},"sampling":{},"roots":{}}""") =>
        _harness.RequestAsync(_harness.NewStatelessSession(capabilities), McpMethods.ToolsCall, $$$"""{"name":"{{{tool}}}","arguments":{{{arguments}}}{{{extra}}}}""");

    private static string Accept(string name) => $$$"""{"action":"accept","content":{"name":"{{{name}}}"}}""";

    // Takes a whole response or just its result.
    private static string StateOf(JsonElement message) =>
        (message.TryGetProperty("jsonrpc", out _) ? Wire.AssertResult(message) : message).GetProperty("requestState").GetString()!;

    [Fact]
    public async Task FirstAttempt_NeedsInput_ReturnsInputRequiredWithTheRequestAndSealedState()
    {
        var result = Wire.AssertResult(await CallAsync("greet"));

        Assert.Equal("input_required", result.GetProperty("resultType").GetString());
        var request = result.GetProperty("inputRequests").GetProperty("user_name");
        Assert.Equal("elicitation/create", request.GetProperty("method").GetString());
        Assert.Equal("What is your name?", request.GetProperty("params").GetProperty("message").GetString());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("requestState").GetString()));
        Assert.DoesNotContain("user_name", result.GetProperty("requestState").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_WithAnswerAndState_Completes()
    {
        var state = StateOf(await CallAsync("greet"));

        var result = Wire.AssertResult(await CallAsync("greet", $$$""","inputResponses":{"user_name":{{{Accept("Ann")}}}},"requestState":"{{{state}}}" """));

        Assert.Equal("Hello, Ann! (round 1)", result.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Retry_WithAnswerWithoutState_CompletesAsFirstRound()
    {
        var result = Wire.AssertResult(await CallAsync("greet", $$$""","inputResponses":{"user_name":{{{Accept("Bo")}}},"extra":{"action":"accept"}}"""));

        Assert.Equal("Hello, Bo! (round 0)", result.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Retry_WithWrongKey_AsksAgain()
    {
        var result = Wire.AssertResult(await CallAsync("greet", $$$""","inputResponses":{"wrong_key":{{{Accept("Ann")}}}}"""));

        Assert.Equal("input_required", result.GetProperty("resultType").GetString());
        Assert.True(result.GetProperty("inputRequests").TryGetProperty("user_name", out _));
    }

    [Fact]
    public async Task TwoRounds_CarryEarlierAnswersInTheState()
    {
        var first = Wire.AssertResult(await CallAsync("two_steps"));
        Assert.Equal(["step1"], Wire.PropertyNames(first.GetProperty("inputRequests")));

        var second = Wire.AssertResult(await CallAsync("two_steps", $$$""","inputResponses":{"step1":{{{Accept("Ann")}}}},"requestState":"{{{StateOf(first)}}}" """));
        Assert.Equal(["step2"], Wire.PropertyNames(second.GetProperty("inputRequests")));
        Assert.NotEqual(StateOf(first), StateOf(second));

        // The last retry answers only step2: step1 comes back from the sealed state.
        var third = Wire.AssertResult(await CallAsync("two_steps", $$$""","inputResponses":{"step2":{{{Accept("blue")}}}},"requestState":"{{{StateOf(second)}}}" """));
        Assert.Equal("Ann likes blue", third.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task TamperedState_IsRefusedWithInvalidParams()
    {
        var state = StateOf(await CallAsync("greet"));
        var tampered = state[..^2] + (state[^2] == 'A' ? "B" : "A") + state[^1];

        var error = Wire.AssertError(await CallAsync("greet", $$$""","inputResponses":{"user_name":{{{Accept("Ann")}}}},"requestState":"{{{tampered}}}" """), McpErrorCode.InvalidParams, "invalid_request_state");

        Assert.Contains("failed verification", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("requestState", error.GetProperty("data").GetProperty("field").GetString());
    }

    [Fact]
    public async Task StateWithSuffix_IsRefused()
    {
        var state = StateOf(await CallAsync("greet"));

        Wire.AssertError(await CallAsync("greet", $$$""","inputResponses":{"user_name":{{{Accept("Ann")}}}},"requestState":"{{{state}}}-TAMPERED" """), McpErrorCode.InvalidParams, "invalid_request_state");
    }

    [Fact]
    public async Task StateFromAnotherServerKey_IsRefused()
    {
        using var other = new DispatcherHarness(new McpServerOptions { TimeProvider = _time });
        other.AddTool("greet", static async (ctx, _) => CallToolResult.FromText((await ctx.ElicitAsync("user_name", new ElicitRequestParams { Message = "?" })).Action!));
        var foreign = Wire.AssertResult(await other.RequestAsync(other.NewStatelessSession(), McpMethods.ToolsCall, """{"name":"greet"}""")).GetProperty("requestState").GetString();

        Wire.AssertError(await CallAsync("greet", $$$""","inputResponses":{"user_name":{{{Accept("Ann")}}}},"requestState":"{{{foreign}}}" """), McpErrorCode.InvalidParams, "invalid_request_state");
    }

    [Fact]
    public async Task SharedProtector_StateFromAnotherReplica_Completes()
    {
        var protector = new EphemeralRequestStateProtector();
        using var a = new DispatcherHarness(new McpServerOptions { RequestStateProtector = protector });
        using var b = new DispatcherHarness(new McpServerOptions { RequestStateProtector = protector });
        foreach (var h in new[] { a, b })
        {
            h.AddTool("greet", static async (ctx, _) => CallToolResult.FromText("action=" + (await ctx.ElicitAsync("user_name", new ElicitRequestParams { Message = "?" })).Action));
        }

        var state = Wire.AssertResult(await a.RequestAsync(a.NewStatelessSession(), McpMethods.ToolsCall, """{"name":"greet"}""")).GetProperty("requestState").GetString();
        var done = Wire.AssertResult(await b.RequestAsync(b.NewStatelessSession(), McpMethods.ToolsCall, $$$"""{"name":"greet","inputResponses":{"user_name":{"action":"decline"}},"requestState":"{{{state}}}"}"""));

        Assert.Equal("action=decline", done.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task ExpiredState_IsRefusedWithItsOwnReason()
    {
        var state = StateOf(await CallAsync("greet"));
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        var error = Wire.AssertError(await CallAsync("greet", $$$""","inputResponses":{"user_name":{{{Accept("Ann")}}}},"requestState":"{{{state}}}" """), McpErrorCode.InvalidParams, "expired_request_state");

        Assert.Contains("expired at 2026-11-26 12:10:00Z", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StateJustBeforeExpiry_IsAccepted()
    {
        var state = StateOf(await CallAsync("greet"));
        _time.Advance(TimeSpan.FromMinutes(10));

        Wire.AssertResult(await CallAsync("greet", $$$""","inputResponses":{"user_name":{{{Accept("Ann")}}}},"requestState":"{{{state}}}" """));
    }

    [Theory]
    [InlineData("two_steps", "{}")]
    [InlineData("greet", """{"other":1}""")]
    public async Task StateOfAnotherRequest_IsRefusedAsMismatch(string tool, string arguments)
    {
        var state = StateOf(await CallAsync("greet"));

        Wire.AssertError(await CallAsync(tool, $$$""","requestState":"{{{state}}}" """, arguments), McpErrorCode.InvalidParams, "request_state_mismatch");
    }

    [Fact]
    public async Task SameArgumentsWithOtherWhitespace_StillMatch()
    {
        var state = StateOf(await CallAsync("greet", arguments: """{"a":[1,2],"b":"x"}"""));

        Wire.AssertResult(await CallAsync("greet", $$$""","inputResponses":{"user_name":{{{Accept("Ann")}}}},"requestState":"{{{state}}}" """, """{ "a" : [ 1, 2 ], "b" : "x" }"""));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"user_name\"")]
    public async Task InputResponsesNotAnObject_IsInvalidParams(string value)
    {
        var error = Wire.AssertError(await CallAsync("greet", $$$""","inputResponses":{{{value}}}"""), McpErrorCode.InvalidParams, "invalid_input_responses");

        Assert.Equal("inputResponses", error.GetProperty("data").GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("""{"action":"maybe"}""")]
    [InlineData("""{"action":7}""")]
    public async Task AnswerOfTheWrongShape_IsInvalidParamsNamingTheKey(string answer)
    {
        var error = Wire.AssertError(await CallAsync("greet", $$$""","inputResponses":{"user_name":{{{answer}}}}"""), McpErrorCode.InvalidParams, "invalid_input_response");

        Assert.Equal("inputResponses.user_name", error.GetProperty("data").GetProperty("field").GetString());
        Assert.Contains("elicitation/create", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestStateNotAString_IsInvalidParams()
    {
        Wire.AssertError(await CallAsync("greet", ""","requestState":42"""), McpErrorCode.InvalidParams, "invalid_request_state");
    }

    [Fact]
    public async Task UndeclaredCapability_IsMissingRequiredClientCapability()
    {
        var error = Wire.AssertError(await CallAsync("greet", capabilities: """{"sampling":{}}"""), McpErrorCode.MissingRequiredClientCapability, "capability_missing");

        Assert.True(error.GetProperty("data").GetProperty("requiredCapabilities").TryGetProperty("elicitation", out _));
    }

    [Fact]
    public async Task ConcurrentAsks_AllGoOutInOneRound()
    {
        _harness.AddTool("all", static async (ctx, _) =>
        {
            var name = ctx.ElicitAsync("name", new ElicitRequestParams { Message = "?" });
            var model = ctx.SampleAsync("model", new CreateMessageRequestParams { MaxTokens = 5 });
            var roots = ctx.ListRootsAsync("roots");
            await Task.WhenAll(name, model, roots);
            return CallToolResult.FromText($"{(await name).Action} {(await model).Model} {(await roots).Roots.Count}");
        });

        var first = Wire.AssertResult(await CallAsync("all"));
        Assert.Equal(["name", "model", "roots"], Wire.PropertyNames(first.GetProperty("inputRequests")));
        Assert.Equal("roots/list", first.GetProperty("inputRequests").GetProperty("roots").GetProperty("method").GetString());

        var done = Wire.AssertResult(await CallAsync("all", $$$""","inputResponses":{"name":{"action":"cancel"},"model":{"role":"assistant","content":{"type":"text","text":"hi"},"model":"m1"},"roots":{"roots":[{"uri":"file:///a"}]}},"requestState":"{{{StateOf(first)}}}" """));
        Assert.Equal("cancel m1 1", done.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task HandlerThatSwallowsTheEndOfItsAttempt_StillAnswersInputRequired()
    {
        _harness.AddTool("swallow", static async (ctx, _) =>
        {
            try
            {
                await ctx.ElicitAsync("k", new ElicitRequestParams { Message = "?" });
            }
            catch (Exception)
            {
                // A careless handler; the answer it would give lacks the input it asked for.
            }

            return CallToolResult.FromText("answered without input");
        });

        var result = Wire.AssertResult(await CallAsync("swallow"));

        Assert.Equal("input_required", result.GetProperty("resultType").GetString());
    }

    [Fact]
    public async Task UnnamedAsks_GetStableKeys()
    {
        _harness.AddTool("unnamed", static async (ctx, _) => CallToolResult.FromText((await ctx.ElicitAsync(new ElicitRequestParams { Message = "?" })).Action!));

        var first = Wire.AssertResult(await CallAsync("unnamed"));
        Assert.Equal(["elicitation-1"], Wire.PropertyNames(first.GetProperty("inputRequests")));

        var done = Wire.AssertResult(await CallAsync("unnamed", $$$""","inputResponses":{"elicitation-1":{"action":"decline"}},"requestState":"{{{StateOf(first)}}}" """));
        Assert.Equal("decline", done.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task HandlerState_IsCarriedToTheRetry()
    {
        _harness.AddTool("stateful", static async (ctx, _) =>
        {
            var seen = ctx.InputState;
            ctx.InputState = "checkpoint";
            await ctx.ElicitAsync("k", new ElicitRequestParams { Message = "?" });
            return CallToolResult.FromText("seen=" + (seen ?? "none"));
        });

        var first = Wire.AssertResult(await CallAsync("stateful"));
        var done = Wire.AssertResult(await CallAsync("stateful", $$$""","inputResponses":{"k":{"action":"accept"}},"requestState":"{{{StateOf(first)}}}" """));

        Assert.Equal("seen=checkpoint", done.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task PromptsGet_CanAskForInput()
    {
        _harness.Catalog.AddPrompt(new McpServer.Catalog.PromptDefinition(new Prompt { Name = "p" }, static async (ctx, _) =>
        {
            var answer = await ctx.ElicitAsync("ctx", new ElicitRequestParams { Message = "?" });
            return new GetPromptResult { Messages = [new PromptMessage { Role = "user", Content = new TextContent(answer.Action!) }] };
        }));

        var first = Wire.AssertResult(await _harness.RequestAsync(_harness.NewStatelessSession(), McpMethods.PromptsGet, """{"name":"p"}"""));
        Assert.Equal("input_required", first.GetProperty("resultType").GetString());

        var done = Wire.AssertResult(await _harness.RequestAsync(_harness.NewStatelessSession(), McpMethods.PromptsGet, $$$"""{"name":"p","inputResponses":{"ctx":{"action":"accept"}},"requestState":"{{{StateOf(first)}}}"}"""));
        Assert.Equal("accept", done.GetProperty("messages")[0].GetProperty("content").GetProperty("text").GetString());

        // The state names the prompt it belongs to.
        Wire.AssertError(await _harness.RequestAsync(_harness.NewStatelessSession(), McpMethods.ToolsCall, $$$"""{"name":"greet","requestState":"{{{StateOf(first)}}}"}"""), McpErrorCode.InvalidParams, "request_state_mismatch");
    }

    [Fact]
    public async Task SessionRevision_ElicitStillGoesToTheClientAsARequest()
    {
        var outbound = new CapturingSink();
        var session = await _harness.NewInitializedSessionAsync(capabilities: """{"elicitation":{}}""", outbound: outbound);
        var call = _harness.CallToolAsync(session, "greet");

        var request = await outbound.WaitForMethodAsync(McpMethods.ElicitationCreate);
        _harness.Dispatcher.OnResponse(session, Wire.Read($$$"""{"jsonrpc":"2.0","id":{{{request.GetProperty("id").GetRawText()}}},"result":{{{Accept("Cy")}}}}"""));

        Assert.Equal("Hello, Cy! (round 0)", Wire.AssertResult(await call).GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task InputRequiredResult_IsWrittenWithoutCompleteOrCachingFields()
    {
        var envelope = Wire.Read(Wire.Request("7", McpMethods.ToolsCall, """{"name":"greet"}"""));
        var result = await _harness.Dispatcher.ExecuteAsync(_harness.NewStatelessSession(), envelope, null, null, CancellationToken.None);
        using var buffer = new PooledBufferWriter();

        JsonRpcWriter.WriteStatelessResponse(buffer, envelope.Id, result, 0, "private");

        var written = Wire.Parse(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan)).GetProperty("result");
        Assert.Equal(["resultType", "inputRequests", "requestState"], Wire.PropertyNames(written));
        Assert.Equal("input_required", written.GetProperty("resultType").GetString());
    }
}
