using System.Net;
using McpServer.Host;

namespace McpServer.Tests.Host;

public sealed class ServerHostTests
{
    [Theory]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("LocalHost", "127.0.0.1")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("[::1]", "::1")]
    [InlineData("192.168.1.20", "192.168.1.20")]
    [InlineData("fe80::1", "fe80::1")]
    public void TryParseAddress_AddressOrLocalhost_ReturnsTheAddress(string host, string expected)
    {
        Assert.True(ServerHost.TryParseAddress(host, out var address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("")]
    [InlineData("localhost:8080")]
    [InlineData("127.0.0.1:80")]
    [InlineData("256.0.0.1")]
    [InlineData("not an address")]
    public void TryParseAddress_NotAnAddress_ReturnsFalse(string host)
    {
        Assert.False(ServerHost.TryParseAddress(host, out _));
    }
}
