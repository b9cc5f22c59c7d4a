using System.Net;
using McpServer.Host;
using Microsoft.AspNetCore.Http;

namespace McpServer.Tests.Host;

public sealed class StatusReportTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("::1", "::1", true)]
    [InlineData("::ffff:127.0.0.1", "::ffff:127.0.0.1", true)]
    [InlineData("192.0.2.2", "192.0.2.2", true)]
    [InlineData("::ffff:192.0.2.2", "192.0.2.2", true)]
    [InlineData("192.0.2.7", "192.0.2.2", false)]
    [InlineData("::ffff:10.0.0.7", "::ffff:10.0.0.1", false)]
    public void FromThisMachine_LoopbackOrTheConnectionsOwnAddress_IsTrue_AnotherMachineIsNot(string remote, string local, bool expected)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        http.Connection.LocalIpAddress = IPAddress.Parse(local);

        Assert.Equal(expected, StatusReport.FromThisMachine(http.Connection));
    }

    [Fact]
    public void FromThisMachine_NoRemoteAddress_IsFalse()
    {
        Assert.False(StatusReport.FromThisMachine(new DefaultHttpContext().Connection));
    }
}
