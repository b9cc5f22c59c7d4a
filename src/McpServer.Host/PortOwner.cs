using System.Globalization;

namespace McpServer.Host;

/// <summary>Finds which process listens on a TCP port, from /proc on Linux.</summary>
internal static class PortOwner
{
    /// <summary>Binds and releases <paramref name="address"/>:<paramref name="port"/>; the failure, or <see langword="null"/> when it could be had.</summary>
    public static System.Net.Sockets.SocketException? TryBind(System.Net.IPAddress address, int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(address, port);
            // As Kestrel binds: a port held only by connections in TIME_WAIT counts as free.
            listener.Server.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.ReuseAddress, true);
            listener.Start();
            return null;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            return ex;
        }
    }

    public static string Describe(int port)
    {
        try
        {
            var inodes = ListeningInodes(port);
            if (inodes.Count == 0)
            {
                return "the process holding it could not be found (it may belong to another user or network namespace)";
            }

            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                var name = Path.GetFileName(dir);
                if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }

                try
                {
                    foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                    {
                        var target = new FileInfo(fd).LinkTarget;
                        if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target[8..^1]))
                        {
                            var comm = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
                            return $"it is held by PID {pid} ({comm})";
                        }
                    }
                }
                catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
                {
                }
            }

            return "the process holding it could not be found (run as its owner or root to see it)";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "the process holding it could not be found (/proc is not readable)";
        }
    }

    private static HashSet<string> ListeningInodes(int port)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var hex = port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // local_address is ADDR:PORT in hex; state 0A is LISTEN; column 9 is the inode.
                if (cols.Length > 9 && cols[1].EndsWith(":" + hex, StringComparison.Ordinal) && cols[3] == "0A")
                {
                    result.Add(cols[9]);
                }
            }
        }

        return result;
    }
}
