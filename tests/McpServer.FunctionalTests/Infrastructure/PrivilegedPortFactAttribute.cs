using System.Globalization;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>An <see cref="UnprivilegedFactAttribute"/> test that binds a privileged port; skipped where no port is privileged.</summary>
public sealed class PrivilegedPortFactAttribute : UnprivilegedFactAttribute
{
    public PrivilegedPortFactAttribute()
    {
        if (Skip is null && UnprivilegedPortStart() <= 1)
        {
            Skip = "net.ipv4.ip_unprivileged_port_start is 0 on this machine: every user may bind every port";
        }
    }

    /// <summary>A port below the unprivileged range: 80, or the highest privileged one when the range starts lower.</summary>
    public static int Port => Math.Min(80, UnprivilegedPortStart() - 1);

    private static int UnprivilegedPortStart()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 1024;
        }
    }
}
