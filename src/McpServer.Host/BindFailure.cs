using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace McpServer.Host;

/// <summary>
/// Why an address and port could not be bound, in one line that says what to do: the port is taken,
/// the address is not this machine's, or the port needs a privilege this user lacks.
/// </summary>
internal static class BindFailure
{
    /// <summary><c>HOST:PORT</c>, with an IPv6 address in brackets (<c>[::]:3000</c>).</summary>
    public static string HostPort(string host, int port)
    {
        var text = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host;
        return text + ":" + port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The socket error behind a failed start (Kestrel wraps some in an IOException), or <see langword="null"/>.</summary>
    public static SocketException? Find(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket;
            }

            if (e is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                return new SocketException((int)SocketError.AddressAlreadyInUse);
            }
        }

        return null;
    }

    /// <summary>What went wrong binding <paramref name="host"/>:<paramref name="port"/> and what to do, without the leading <c>mcp-server: </c>.</summary>
    public static string Describe(SocketException ex, string host, int port) => ex.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse =>
            $"cannot listen on {HostPort(host, port)}: the port is already in use; {PortOwner.Describe(port)}. Stop that process, or start mcp-server with --port N.",
        SocketError.AddressNotAvailable =>
            $"cannot listen on {HostPort(host, port)}: {host} is not an address of this machine (its addresses: {string.Join(", ", LocalAddresses())}). "
            + "Bind to one of them, to 127.0.0.1 (this machine only) or to 0.0.0.0 (every interface) with --host ADDR or server.host.",
        SocketError.AccessDenied =>
            $"cannot listen on {HostPort(host, port)}: permission denied: ports below {UnprivilegedPortStart()} need root or the CAP_NET_BIND_SERVICE capability, "
            + $"and mcp-server runs as user {Environment.UserName}. Use --port {Math.Max(UnprivilegedPortStart(), HostConstants.DefaultPort)} or another port from {UnprivilegedPortStart()} up "
            + $"(with a proxy or port forward in front for port {port}), or grant the capability: sudo setcap cap_net_bind_service=+ep {Executable()}.",
        _ =>
            $"cannot listen on {HostPort(host, port)}: {ex.Message} (socket error {ex.SocketErrorCode}). Check that the address belongs to this machine (ip -brief address) and that nothing prevents binding the port.",
    };

    /// <summary>The unicast addresses of this machine's interfaces.</summary>
    public static IReadOnlyCollection<IPAddress> LocalAddresses()
    {
        var set = new List<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var a in nic.GetIPProperties().UnicastAddresses)
                {
                    if (!set.Contains(a.Address))
                    {
                        set.Add(a.Address);
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
        }

        return set;
    }

    // Linux lets an administrator lower the privileged range (net.ipv4.ip_unprivileged_port_start).
    private static int UnprivilegedPortStart()
    {
        try
        {
            return int.TryParse(File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 1024;
        }
    }

    // The capability belongs on the mcp-server executable, never on a shared dotnet host.
    private static string Executable() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "mcp-server" ? path : "$(command -v mcp-server)";
}
