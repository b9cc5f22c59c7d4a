using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace McpServer.Host;

/// <summary>The shared key ring that seals multi-round-trip request state across replicas.</summary>
internal static class KeyRing
{
    /// <summary>The Data Protection application name: the same on every replica, whatever its working directory.</summary>
    public const string ApplicationName = "mcp-server";

    /// <summary>Creates the directory (mode 0700) if needed and checks it can be written; returns the problem, or <see langword="null"/>.</summary>
    public static string? Prepare(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            if (File.Exists(full))
            {
                return "it is a file, not a directory";
            }

            if (!Directory.Exists(full))
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(full);
                }
                else
                {
                    Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            // Data Protection writes its keys here; find out now rather than on the first request.
            var probe = Path.Combine(full, ".write-test-" + Environment.ProcessId);
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            // Name the directory that refused, as for an unreadable configuration file.
            var full = Path.GetFullPath(path);
            var denied = Directory.Exists(full) ? full : Path.GetDirectoryName(full) ?? full;
            return $"permission denied: {denied} cannot be written ({Config.ConfigFile.Describe(denied)}; mcp-server runs as user '{Environment.UserName}')";
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or NotSupportedException)
        {
            return ex.Message.TrimEnd('.');
        }
    }

    /// <summary>Registers Data Protection with its keys in <paramref name="directory"/>.</summary>
    public static void AddTo(IServiceCollection services, string directory) =>
        services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToFileSystem(new DirectoryInfo(directory));
}
