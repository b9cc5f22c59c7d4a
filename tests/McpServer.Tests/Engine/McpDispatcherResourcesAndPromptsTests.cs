using System.Globalization;
using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Engine;

public sealed class McpDispatcherResourcesAndPromptsTests : IDisposable
{
    private readonly DispatcherHarness _harness = new(new McpServerOptions { PageSize = 2 });

    public McpDispatcherResourcesAndPromptsTests()
    {
        _harness.Catalog.AddResource(new ResourceDefinition(new Resource { Uri = "file:///readme", Name = "readme", MimeType = "text/plain" }, static (_, uri, vars) =>
            ValueTask.FromResult(new ReadResourceResult { Contents = [new ResourceContents { Uri = uri, Text = "fixed:" + vars.Count.ToString(CultureInfo.InvariantCulture) }] })));
        _harness.Catalog.AddResourceTemplate(new ResourceTemplateDefinition(
            new ResourceTemplate { UriTemplate = "file:///logs/{name}", Name = "log" },
            static (_, uri, vars) => ValueTask.FromResult(new ReadResourceResult { Contents = [new ResourceContents { Uri = uri, Text = "log:" + vars["name"] }] }),
            new Dictionary<string, CompletionHandler> { ["name"] = static (value, _, _) => ValueTask.FromResult<IEnumerable<string>>(["app.log", "db.log"]) }));
        _harness.Catalog.AddResourceTemplate(new ResourceTemplateDefinition(
            new ResourceTemplate { UriTemplate = "file:///{+path}", Name = "any" },
            static (_, uri, vars) => ValueTask.FromResult(new ReadResourceResult { Contents = [new ResourceContents { Uri = uri, Text = "any:" + vars["path"] }] })));
        _harness.Catalog.AddPrompt(new PromptDefinition(
            new Prompt
            {
                Name = "greet",
                Arguments = [new PromptArgument { Name = "who", Required = true }, new PromptArgument { Name = "tone", Required = false }],
            },
            static (_, args) => ValueTask.FromResult(new GetPromptResult
            {
                Description = "greeting",
                Messages = [new PromptMessage { Content = new TextContent($"Hello {args["who"]} ({(args.TryGetValue("tone", out var t) ? t : "plain")})") }],
            }),
            new Dictionary<string, CompletionHandler>
            {
                ["who"] = static (value, context, _) => ValueTask.FromResult(Enumerable.Range(0, 150).Select(i => value + i.ToString(CultureInfo.InvariantCulture))),
                ["tone"] = static (value, context, _) => ValueTask.FromResult<IEnumerable<string>>([value + "|" + (context.TryGetValue("who", out var w) ? w : "-")]),
            }));
        _harness.Catalog.AddPrompt(new PromptDefinition(new Prompt { Name = "broken" }, static (_, _) => throw new InvalidOperationException("secret connection string")));
    }

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task ResourcesList_PageSize2_ListsFixedResources()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ResourcesList));

        Assert.Equal("""{"resources":[{"uri":"file:///readme","name":"readme","mimeType":"text/plain"}]}""", result.GetRawText());
    }

    [Fact]
    public async Task ResourcesTemplatesList_ListsTemplatesInOrder()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ResourcesTemplatesList));

        Assert.Equal("""{"resourceTemplates":[{"uriTemplate":"file:///logs/{name}","name":"log"},{"uriTemplate":"file:///{+path}","name":"any"}]}""", result.GetRawText());
    }

    [Fact]
    public async Task ResourcesRead_FixedResource_ReadsItWithNoVariables()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ResourcesRead, """{"uri":"file:///readme"}"""));

        Assert.Equal("""{"contents":[{"uri":"file:///readme","text":"fixed:0"}]}""", result.GetRawText());
    }

    [Fact]
    public async Task ResourcesRead_TemplateMatch_PassesDecodedVariables()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ResourcesRead, """{"uri":"file:///logs/app%20one.log"}"""));

        Assert.Equal("log:app one.log", result.GetProperty("contents")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task ResourcesRead_FirstMatchingTemplate_Wins()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var nested = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ResourcesRead, """{"uri":"file:///logs/a/b"}"""));

        Assert.Equal("any:logs/a/b", nested.GetProperty("contents")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("http://other/x")]
    [InlineData("file:/readme")]
    public async Task ResourcesRead_Unknown_IsResourceNotFound(string uri)
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.ResourcesRead, $$"""{"uri":"{{uri}}"}""");

        var error = Wire.AssertError(response, McpErrorCode.ResourceNotFound, "resource_not_found");
        Assert.Contains(uri, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(McpMethods.ResourcesRead, null)]
    [InlineData(McpMethods.ResourcesRead, """{"uri":""}""")]
    [InlineData(McpMethods.ResourcesSubscribe, "{}")]
    [InlineData(McpMethods.ResourcesUnsubscribe, null)]
    public async Task ResourcesMethod_NoUri_IsMissingField(string method, string? paramsJson)
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, method, paramsJson);

        Wire.AssertError(response, McpErrorCode.InvalidParams, "missing_field");
    }

    [Fact]
    public async Task ResourcesSubscribe_ThenUnsubscribe_TracksTheSubscription()
    {
        var session = await _harness.NewInitializedSessionAsync();

        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ResourcesSubscribe, """{"uri":"file:///readme"}"""));
        var subscribed = session.IsSubscribed("file:///readme");
        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ResourcesUnsubscribe, """{"uri":"file:///readme"}"""));

        Assert.True(subscribed);
        Assert.False(session.IsSubscribed("file:///readme"));
    }

    [Fact]
    public async Task PromptsList_PageSize2_ListsPromptsInOrder()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.PromptsList));

        Assert.Equal(["greet", "broken"], result.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.False(result.TryGetProperty("nextCursor", out _));
    }

    [Fact]
    public async Task PromptsGet_Arguments_RenderThePrompt()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.PromptsGet, """{"name":"greet","arguments":{"who":"Ada","tone":"warm"}}"""));

        Assert.Equal("""{"description":"greeting","messages":[{"role":"user","content":{"type":"text","text":"Hello Ada (warm)"}}]}""", result.GetRawText());
    }

    [Fact]
    public async Task PromptsGet_OptionalArgumentMissing_Renders()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.PromptsGet, """{"name":"greet","arguments":{"who":"Ada"}}"""));

        Assert.Equal("Hello Ada (plain)", result.GetProperty("messages")[0].GetProperty("content").GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("""{"name":"greet"}""")]
    [InlineData("""{"name":"greet","arguments":{"tone":"warm"}}""")]
    [InlineData("""{"name":"greet","arguments":{}}""")]
    public async Task PromptsGet_RequiredArgumentMissing_IsMissingArgument(string paramsJson)
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.PromptsGet, paramsJson);

        var error = Wire.AssertError(response, McpErrorCode.InvalidParams, "missing_argument");
        Assert.Contains("'who'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromptsGet_UnknownPrompt_IsUnknownPrompt()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.PromptsGet, """{"name":"nope"}""");

        Wire.AssertError(response, McpErrorCode.InvalidParams, "unknown_prompt");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("{}")]
    [InlineData("""{"name":""}""")]
    public async Task PromptsGet_NoName_IsMissingField(string? paramsJson)
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.PromptsGet, paramsJson);

        Wire.AssertError(response, McpErrorCode.InvalidParams, "missing_field");
    }

    [Fact]
    public async Task PromptsGet_ArgumentNotAString_IsInvalidParams()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.PromptsGet, """{"name":"greet","arguments":{"who":5}}""");

        Wire.AssertError(response, McpErrorCode.InvalidParams, "invalid_params");
    }

    [Fact]
    public async Task PromptsGet_HandlerThrows_IsInternalErrorWithoutTheExceptionMessage()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.PromptsGet, """{"name":"broken"}""");

        var error = Wire.AssertError(response, McpErrorCode.InternalError, "internal_error");
        Assert.DoesNotContain("secret", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, session.InFlightCount);
    }

    [Fact]
    public async Task CompletionComplete_MoreThan100Values_CapsAt100WithTotalAndHasMore()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.CompletionComplete, """{"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"who","value":"v"}}"""));

        var completion = result.GetProperty("completion");
        var values = completion.GetProperty("values").EnumerateArray().Select(v => v.GetString()).ToArray();
        Assert.Equal(100, values.Length);
        Assert.Equal("v0", values[0]);
        Assert.Equal("v99", values[99]);
        Assert.Equal(150, completion.GetProperty("total").GetInt32());
        Assert.True(completion.GetProperty("hasMore").GetBoolean());
    }

    [Fact]
    public async Task CompletionComplete_FewValues_ReportsTotalAndNoMore()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.CompletionComplete, """{"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"tone","value":"wa"},"context":{"arguments":{"who":"Ada"}}}"""));

        Assert.Equal("""{"completion":{"values":["wa|Ada"],"total":1,"hasMore":false}}""", result.GetRawText());
    }

    [Fact]
    public async Task CompletionComplete_ResourceTemplate_UsesItsCompletions()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.CompletionComplete, """{"ref":{"type":"ref/resource","uri":"file:///logs/{name}"},"argument":{"name":"name","value":""}}"""));

        Assert.Equal("""{"completion":{"values":["app.log","db.log"],"total":2,"hasMore":false}}""", result.GetRawText());
    }

    [Theory]
    [InlineData("""{"ref":{"type":"ref/resource","uri":"file:///readme"},"argument":{"name":"x","value":""}}""")]
    [InlineData("""{"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"unknown","value":""}}""")]
    [InlineData("""{"ref":{"type":"ref/resource","uri":"file:///{+path}"},"argument":{"name":"path","value":""}}""")]
    public async Task CompletionComplete_NoHandler_ReturnsNoValues(string paramsJson)
    {
        var session = await _harness.NewInitializedSessionAsync();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.CompletionComplete, paramsJson));

        Assert.Equal("""{"completion":{"values":[],"total":0,"hasMore":false}}""", result.GetRawText());
    }

    [Theory]
    [InlineData("""{"ref":{"type":"ref/prompt","name":"nope"},"argument":{"name":"x"}}""", "unknown_prompt")]
    [InlineData("""{"ref":{"type":"ref/resource","uri":"file:///nope/{x}"},"argument":{"name":"x"}}""", "unknown_resource")]
    [InlineData("""{"ref":{"type":"ref/tool","name":"x"},"argument":{"name":"x"}}""", "invalid_field")]
    [InlineData("""{"ref":{"type":"ref/prompt"},"argument":{"name":"x"}}""", "invalid_field")]
    [InlineData("""{"ref":{"type":"ref/prompt","name":"greet"}}""", "missing_field")]
    [InlineData("""{"argument":{"name":"x"}}""", "missing_field")]
    [InlineData(null, "missing_field")]
    public async Task CompletionComplete_BadReference_IsInvalidParams(string? paramsJson, string reason)
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, McpMethods.CompletionComplete, paramsJson);

        Wire.AssertError(response, McpErrorCode.InvalidParams, reason);
    }
}
