using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>A test that binds the server to one address of this machine that is not loopback; skipped, saying why, on a machine without one.</summary>
public sealed class LanAddressFactAttribute : FactAttribute
{
    public LanAddressFactAttribute()
    {
        if (Address is null)
        {
            Skip = "this machine has no IPv4 address besides loopback to bind to";
        }
    }

    /// <summary>An IPv4 address of an interface that is up, neither loopback nor link-local; <see langword="null"/> when there is none.</summary>
    public static IPAddress? Address { get; } = Find();

    private static IPAddress? Find()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a) && !a.ToString().StartsWith("169.254.", StringComparison.Ordinal));
        }
        catch (NetworkInformationException)
        {
            return null;
        }
    }
}
