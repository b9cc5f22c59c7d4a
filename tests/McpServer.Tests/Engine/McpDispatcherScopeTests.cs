using McpServer.Host.Catalogs;
using McpServer.Protocol;
using McpServer.Sessions;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Engine;

/// <summary>What a key's scopes let a client do, and see, through the engine.</summary>
public sealed class McpDispatcherScopeTests : IDisposable
{
    private readonly DispatcherHarness _harness = new();

    public McpDispatcherScopeTests() => BuiltInCatalogs.TryAdd("demo", _harness.Catalog, TimeProvider.System);

    public void Dispose() => _harness.Dispose();

    private async Task<McpSession> SessionWith(params string[] scopes)
    {
        var session = await _harness.NewInitializedSessionAsync();
        session.Access = new ClientAccess("0123456789ab", scopes);
        return session;
    }

    [Fact]
    public async Task ToolsCall_WithoutTheToolsScope_Is1002InsufficientScope_NamingTheScope()
    {
        var session = await SessionWith("tools:call:echo");

        var denied = Wire.AssertError(await _harness.CallToolAsync(session, "add", """{"a":1,"b":2}"""), McpErrorCode.AuthenticationFailed, "insufficient_scope");
        var allowed = Wire.AssertResult(await _harness.CallToolAsync(session, "echo", """{"text":"hi"}"""));

        Assert.Equal("tools:call:add", denied.GetProperty("data").GetProperty("scope").GetString());
        Assert.Contains("0123456789ab", denied.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("hi", allowed.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task ToolsCall_UnknownTool_WithoutScope_SaysScopeNotUnknown()
    {
        var session = await SessionWith("resources:read");

        var denied = Wire.AssertError(await _harness.CallToolAsync(session, "no_such_tool"), McpErrorCode.AuthenticationFailed, "insufficient_scope");

        Assert.Equal("tools:call:no_such_tool", denied.GetProperty("data").GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Lists_ShowOnlyWhatTheKeyMayUse()
    {
        var echoOnly = await SessionWith("tools:call:echo");
        var everything = await SessionWith("tools:call", "resources:read", "prompts:get");

        var tools = Wire.AssertResult(await _harness.RequestAsync(echoOnly, McpMethods.ToolsList)).GetProperty("tools");
        Assert.Equal(["echo"], tools.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(0, Wire.AssertResult(await _harness.RequestAsync(echoOnly, McpMethods.ResourcesList)).GetProperty("resources").GetArrayLength());
        Assert.Equal(0, Wire.AssertResult(await _harness.RequestAsync(echoOnly, McpMethods.ResourcesTemplatesList)).GetProperty("resourceTemplates").GetArrayLength());
        Assert.Equal(0, Wire.AssertResult(await _harness.RequestAsync(echoOnly, McpMethods.PromptsList)).GetProperty("prompts").GetArrayLength());

        Assert.True(Wire.AssertResult(await _harness.RequestAsync(everything, McpMethods.ToolsList)).GetProperty("tools").GetArrayLength() > 1);
        Assert.True(Wire.AssertResult(await _harness.RequestAsync(everything, McpMethods.ResourcesList)).GetProperty("resources").GetArrayLength() > 0);
        Assert.True(Wire.AssertResult(await _harness.RequestAsync(everything, McpMethods.PromptsList)).GetProperty("prompts").GetArrayLength() > 0);
    }

    [Theory]
    [InlineData(McpMethods.ResourcesRead, """{"uri":"demo://readme"}""", "resources:read")]
    [InlineData(McpMethods.ResourcesSubscribe, """{"uri":"demo://readme"}""", "resources:read")]
    [InlineData(McpMethods.PromptsGet, """{"name":"greet","arguments":{"name":"Ada"}}""", "prompts:get")]
    [InlineData(McpMethods.CompletionComplete, """{"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"name","value":"A"}}""", "prompts:get")]
    public async Task ResourceAndPromptMethods_NeedTheirScope(string method, string parameters, string scope)
    {
        var session = await SessionWith("tools:call");

        var denied = Wire.AssertError(await _harness.RequestAsync(session, method, parameters), McpErrorCode.AuthenticationFailed, "insufficient_scope");

        Assert.Equal(scope, denied.GetProperty("data").GetProperty("scope").GetString());
    }

    [Fact]
    public async Task NoAccess_AuthenticationOff_EverythingIsAllowed()
    {
        var session = await _harness.NewInitializedSessionAsync();

        Wire.AssertResult(await _harness.CallToolAsync(session, "add", """{"a":1,"b":2}"""));
        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.ResourcesRead, """{"uri":"demo://readme"}"""));
    }
}
