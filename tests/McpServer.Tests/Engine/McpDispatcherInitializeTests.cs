using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Engine;

public sealed class McpDispatcherInitializeTests : IDisposable
{
    private readonly DispatcherHarness _harness = new(new McpServerOptions
    {
        Instructions = "Use the tools.",
        ServerInfo = new Implementation { Name = "srv", Title = "Server", Version = "9.8.7", Description = "A server", WebsiteUrl = "https://example.org" },
    });

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData("2024-11-05", ProtocolRevision.V2024_11_05)]
    [InlineData("2025-03-26", ProtocolRevision.V2025_03_26)]
    [InlineData("2025-06-18", ProtocolRevision.V2025_06_18)]
    [InlineData("2025-11-25", ProtocolRevision.V2025_11_25)]
    public async Task Initialize_SupportedVersion_EchoesItAndSetsRevision(string version, ProtocolRevision expected)
    {
        var session = _harness.NewSession();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.Initialize, DispatcherHarness.InitializeParams(version)));

        Assert.Equal(version, result.GetProperty("protocolVersion").GetString());
        Assert.Equal(expected, session.Revision);
        Assert.True(session.IsInitialized);
    }

    [Theory]
    [InlineData("2099-01-01")]
    [InlineData("2024-10-07")]
    [InlineData("latest")]
    public async Task Initialize_UnknownVersion_AnswersWithLatest(string version)
    {
        var session = _harness.NewSession();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.Initialize, DispatcherHarness.InitializeParams(version)));

        Assert.Equal("2025-11-25", result.GetProperty("protocolVersion").GetString());
        Assert.Equal(ProtocolRevision.V2025_11_25, session.Revision);
    }

    [Theory]
    [InlineData("""{"capabilities":{},"clientInfo":{"name":"c","version":"1"}}""")]
    [InlineData("""{"protocolVersion":"","capabilities":{}}""")]
    [InlineData("""{"protocolVersion":null}""")]
    public async Task Initialize_MissingProtocolVersion_IsInvalidParams(string paramsJson)
    {
        var session = _harness.NewSession();

        var response = await _harness.RequestAsync(session, McpMethods.Initialize, paramsJson);

        Wire.AssertError(response, McpErrorCode.InvalidParams, "missing_field");
        Assert.False(session.IsInitialized);
    }

    [Fact]
    public async Task Initialize_NoParams_IsInvalidParams()
    {
        var session = _harness.NewSession();

        var response = await _harness.RequestAsync(session, McpMethods.Initialize);

        Wire.AssertError(response, McpErrorCode.InvalidParams, "invalid_params");
        Assert.False(session.IsInitialized);
    }

    [Fact]
    public async Task Initialize_ProtocolVersionNotAString_IsInvalidParamsNamingTheMember()
    {
        var session = _harness.NewSession();

        var response = await _harness.RequestAsync(session, McpMethods.Initialize, """{"protocolVersion":20251125}""");

        var error = Wire.AssertError(response, McpErrorCode.InvalidParams, "invalid_params");
        Assert.Equal("params.protocolVersion", error.GetProperty("data").GetProperty("field").GetString());
        Assert.DoesNotContain("System.", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_Twice_IsAlreadyInitializedAndKeepsTheFirstRevision()
    {
        var session = await _harness.NewInitializedSessionAsync("2025-03-26");

        var response = await _harness.RequestAsync(session, McpMethods.Initialize, DispatcherHarness.InitializeParams("2025-11-25"));

        Wire.AssertError(response, McpErrorCode.InvalidRequest, "already_initialized");
        Assert.Equal(ProtocolRevision.V2025_03_26, session.Revision);
    }

    [Fact]
    public async Task Initialize_ClientInfoAndCapabilities_AreRecorded()
    {
        var session = await _harness.NewInitializedSessionAsync(capabilities: """{"sampling":{},"roots":{"listChanged":true}}""");

        Assert.Equal("unit-test", session.ClientInfo?.Name);
        Assert.Equal("1.2.3", session.ClientInfo?.Version);
        Assert.NotNull(session.ClientCapabilities?.Sampling);
        Assert.True(session.ClientCapabilities?.Roots?.ListChanged);
        Assert.Null(session.ClientCapabilities?.Elicitation);
    }

    [Fact]
    public async Task Initialize_NoCapabilities_RecordsEmptyCapabilities()
    {
        var session = _harness.NewSession();

        Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.Initialize, """{"protocolVersion":"2025-11-25"}"""));

        Assert.NotNull(session.ClientCapabilities);
        Assert.Null(session.ClientCapabilities.Sampling);
        Assert.Null(session.ClientInfo);
    }

    [Fact]
    public async Task Initialize_Latest_AdvertisesEveryCapabilityAndFullServerInfo()
    {
        var session = _harness.NewSession();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.Initialize, DispatcherHarness.InitializeParams("2025-11-25")));

        var caps = result.GetProperty("capabilities");
        Assert.True(caps.GetProperty("tools").GetProperty("listChanged").GetBoolean());
        Assert.True(caps.GetProperty("resources").GetProperty("subscribe").GetBoolean());
        Assert.True(caps.GetProperty("resources").GetProperty("listChanged").GetBoolean());
        Assert.True(caps.GetProperty("prompts").GetProperty("listChanged").GetBoolean());
        Assert.Equal("{}", caps.GetProperty("logging").GetRawText());
        Assert.Equal("{}", caps.GetProperty("completions").GetRawText());
        Assert.Equal("""{"name":"srv","title":"Server","version":"9.8.7","description":"A server","websiteUrl":"https://example.org"}""", result.GetProperty("serverInfo").GetRawText());
        Assert.Equal("Use the tools.", result.GetProperty("instructions").GetString());
    }

    [Theory]
    [InlineData("2024-11-05", false, false)]
    [InlineData("2025-03-26", true, false)]
    [InlineData("2025-06-18", true, true)]
    public async Task Initialize_OlderRevision_LeavesOutWhatItLacks(string version, bool completions, bool title)
    {
        var session = _harness.NewSession();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.Initialize, DispatcherHarness.InitializeParams(version)));

        Assert.Equal(completions, result.GetProperty("capabilities").TryGetProperty("completions", out _));
        var info = result.GetProperty("serverInfo");
        Assert.Equal(title, info.TryGetProperty("title", out _));
        Assert.False(info.TryGetProperty("description", out _));
        Assert.False(info.TryGetProperty("websiteUrl", out _));
        Assert.Equal("srv", info.GetProperty("name").GetString());
        Assert.Equal("9.8.7", info.GetProperty("version").GetString());
    }

    [Theory]
    [InlineData(McpMethods.ToolsList, null)]
    [InlineData(McpMethods.ToolsCall, """{"name":"x"}""")]
    [InlineData(McpMethods.ResourcesList, null)]
    [InlineData(McpMethods.ResourcesRead, """{"uri":"file:///x"}""")]
    [InlineData(McpMethods.PromptsList, null)]
    [InlineData(McpMethods.LoggingSetLevel, """{"level":"info"}""")]
    [InlineData("vendor/unknown", null)]
    public async Task Request_BeforeInitialize_IsNotInitialized(string method, string? paramsJson)
    {
        var session = _harness.NewSession();

        var response = await _harness.RequestAsync(session, method, paramsJson);

        Wire.AssertError(response, McpErrorCode.InvalidRequest, "not_initialized");
    }

    [Fact]
    public async Task Ping_BeforeInitialize_ReturnsEmptyResult()
    {
        var session = _harness.NewSession();

        var result = Wire.AssertResult(await _harness.RequestAsync(session, McpMethods.Ping));

        Assert.Equal("{}", result.GetRawText());
    }

    [Fact]
    public async Task UnknownMethod_AfterInitialize_IsMethodNotFound()
    {
        var session = await _harness.NewInitializedSessionAsync();

        var response = await _harness.RequestAsync(session, "tools/destroy");

        var error = Wire.AssertError(response, McpErrorCode.MethodNotFound, "method_not_found");
        Assert.Equal("method", error.GetProperty("data").GetProperty("field").GetString());
        Assert.Contains("'tools/destroy'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_EscapedMethodName_IsTreatedAsInitialize()
    {
        var session = _harness.NewSession();
        var envelope = Wire.Read("""{"jsonrpc":"2.0","id":1,"method":"initiali\u007ae","params":{"protocolVersion":"2025-11-25"}}""");

        var result = await _harness.Dispatcher.ExecuteAsync(session, envelope, null, null, CancellationToken.None);

        Assert.Null(result.Error);
        Assert.True(session.IsInitialized);
    }
}
