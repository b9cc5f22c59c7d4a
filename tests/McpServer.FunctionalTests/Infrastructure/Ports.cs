using System.Net;
using System.Net.Sockets;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>Loopback ports for tests that must name one before a server takes it.</summary>
public static class Ports
{
    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
