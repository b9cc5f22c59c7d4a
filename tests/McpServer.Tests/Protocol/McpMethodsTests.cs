using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Protocol;

public sealed class McpMethodsTests
{
    // Not InlineData: xUnit serializes inline values during discovery, and a copy is never the same instance.
    public static TheoryData<string> KnownMethods => new(
        McpMethods.Initialize, McpMethods.Ping, McpMethods.ToolsList, McpMethods.ToolsCall, McpMethods.ResourcesList,
        McpMethods.ResourcesTemplatesList, McpMethods.ResourcesRead, McpMethods.ResourcesSubscribe, McpMethods.ResourcesUnsubscribe,
        McpMethods.PromptsList, McpMethods.PromptsGet, McpMethods.CompletionComplete, McpMethods.LoggingSetLevel,
        McpMethods.NotificationInitialized, McpMethods.NotificationCancelled, McpMethods.NotificationProgress,
        McpMethods.NotificationRootsListChanged);

    [Theory]
    [MemberData(nameof(KnownMethods), DisableDiscoveryEnumeration = true)]
    public void Intern_KnownMethod_ReturnsTheSharedString(string method)
    {
        var envelope = Wire.Read(Wire.Request("1", method));

        Assert.Same(method, envelope.Method);
    }

    [Fact]
    public void Intern_UnknownMethod_ReturnsItsText()
    {
        var envelope = Wire.Read(Wire.Request("1", "vendor/custom"));

        Assert.Equal("vendor/custom", envelope.Method);
    }
}
