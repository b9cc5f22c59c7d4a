using McpServer.Engine;
using McpServer.Sessions;

namespace McpServer.Tests.Engine;

public sealed class McpServerOptionsTests
{
    [Fact]
    public void Ctor_Ok()
    {
        var options = new McpServerOptions();

        Assert.Equal("mcp-server", options.ServerInfo.Name);
        Assert.Equal("mcp-server", options.ServerInfo.Title);
        Assert.False(string.IsNullOrEmpty(options.ServerInfo.Version));
        Assert.Null(options.Instructions);
        Assert.Equal(100, options.PageSize);
        Assert.Equal(TimeSpan.FromSeconds(60), options.ToolTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), options.ClientRequestTimeout);
        Assert.Equal(64, options.MaxInFlightPerSession);
    }

    [Fact]
    public void SessionOptions_Ctor_Ok()
    {
        var options = new SessionOptions();

        Assert.Equal(10_000, options.MaxSessions);
        Assert.Equal(TimeSpan.FromMinutes(30), options.IdleTimeout);
    }
}
