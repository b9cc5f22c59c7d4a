using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Protocol;

public sealed class McpMethodsTests
{
    [Theory]
    [InlineData(McpMethods.Initialize)]
    [InlineData(McpMethods.Ping)]
    [InlineData(McpMethods.ToolsList)]
    [InlineData(McpMethods.ToolsCall)]
    [InlineData(McpMethods.ResourcesList)]
    [InlineData(McpMethods.ResourcesTemplatesList)]
    [InlineData(McpMethods.ResourcesRead)]
    [InlineData(McpMethods.ResourcesSubscribe)]
    [InlineData(McpMethods.ResourcesUnsubscribe)]
    [InlineData(McpMethods.PromptsList)]
    [InlineData(McpMethods.PromptsGet)]
    [InlineData(McpMethods.CompletionComplete)]
    [InlineData(McpMethods.LoggingSetLevel)]
    [InlineData(McpMethods.NotificationInitialized)]
    [InlineData(McpMethods.NotificationCancelled)]
    [InlineData(McpMethods.NotificationProgress)]
    [InlineData(McpMethods.NotificationRootsListChanged)]
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
