namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>
/// A test that needs the server to run without root's rights (root reads every file and binds every
/// port). As a normal user the server runs as is; as root it runs as <c>nobody</c> through
/// <c>setpriv</c>. Skipped, saying why, when neither is possible.
/// </summary>
public class UnprivilegedFactAttribute : FactAttribute
{
    public UnprivilegedFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix permissions only";
        }
        else if (Environment.UserName == "root" && ResolveSetpriv() is null)
        {
            Skip = "running as root, which may read every file and bind every port, and setpriv (to run the server as nobody) is not installed";
        }
        else if (Environment.UserName == "root" && !ReadableByOthers())
        {
            Skip = "running as root, which may read every file and bind every port, and the server's files are not readable by nobody (to run it as that user)";
        }
    }

    /// <summary>What to run the server under: nothing for a normal user, <c>setpriv</c> to nobody for root.</summary>
    public static IReadOnlyList<string> Wrapper =>
        Environment.UserName == "root" ? [ResolveSetpriv()!, "--reuid=65534", "--regid=65534", "--clear-groups"] : [];

    /// <summary>The user name the server will report.</summary>
    public static string ServerUser => Environment.UserName == "root" ? "nobody" : Environment.UserName;

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
