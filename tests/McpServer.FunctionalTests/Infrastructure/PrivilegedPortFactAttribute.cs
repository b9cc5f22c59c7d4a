using System.Globalization;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>
/// A test that needs the server to bind a privileged port without the privilege. As a normal user the
/// server runs as is; as root it runs as <c>nobody</c> through <c>setpriv</c> (root may bind any port).
/// Skipped, saying why, when neither is possible.
/// </summary>
public sealed class PrivilegedPortFactAttribute : FactAttribute
{
    public PrivilegedPortFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "privileged ports are a Unix notion";
        }
        else if (UnprivilegedPortStart() <= 1)
        {
            Skip = "net.ipv4.ip_unprivileged_port_start is 0 on this machine: every user may bind every port";
        }
        else if (Environment.UserName == "root" && ResolveSetpriv() is null)
        {
            Skip = "running as root, which may bind any port, and setpriv (to run the server as nobody) is not installed";
        }
        else if (Environment.UserName == "root" && !ReadableByOthers())
        {
            Skip = "running as root, which may bind any port, and the server's files are not readable by nobody (to run it as that user)";
        }
    }

    /// <summary>A port below the unprivileged range: 80, or the highest privileged one when the range starts lower.</summary>
    public static int Port => Math.Min(80, UnprivilegedPortStart() - 1);

    /// <summary>What to run the server under: nothing for a normal user, <c>setpriv</c> to nobody for root.</summary>
    public static IReadOnlyList<string> Wrapper =>
        Environment.UserName == "root" ? [ResolveSetpriv()!, "--reuid=65534", "--regid=65534", "--clear-groups"] : [];

    /// <summary>The user name the server will report.</summary>
    public static string ServerUser => Environment.UserName == "root" ? "nobody" : Environment.UserName;

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

    private static string? ResolveSetpriv() =>
        new[] { "/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv" }.FirstOrDefault(File.Exists);

    // nobody must reach the dll and the dotnet host: every directory on the way searchable by others.
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool ReadableByOthers()
    {
        var (fileName, args) = ServerProcess.Command();
        foreach (var file in args.Append(fileName).Where(Path.IsPathRooted))
        {
            if ((File.GetUnixFileMode(file) & UnixFileMode.OtherRead) == 0)
            {
                return false;
            }

            for (var dir = Path.GetDirectoryName(file); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                if ((File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
