using System.Globalization;
using System.Security.Cryptography;

namespace McpServer.Host.Config;

/// <summary>One applied version of the configuration file.</summary>
internal sealed record ConfigVersion(int Number, DateTimeOffset AppliedAt, string Hash, string Path);

/// <summary>
/// The versions of a configuration file the server applied, kept beside it in
/// <c>NAME.history/</c> (the last <see cref="Keep"/>), so <c>mcp-server config history</c> and
/// <c>config rollback</c> find them from the file's path alone.
/// </summary>
internal sealed class ConfigHistory(string configPath, int keep = ConfigHistory.DefaultKeep)
{
    /// <summary>How many versions are kept by default (<c>server.configHistory</c>): a few kilobytes each.</summary>
    public const int DefaultKeep = 10;

    /// <summary>How many versions are kept; older ones are deleted when a new one is recorded.</summary>
    public int Keep { get; set; } = Math.Max(1, keep);

    public string ConfigPath { get; } = configPath;

    public string Directory { get; } = configPath + ".history";

    public static string HashOf(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content))[..12];

    /// <summary>The kept versions, oldest first.</summary>
    public IReadOnlyList<ConfigVersion> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var versions = new List<ConfigVersion>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            // NNNN-yyyyMMddTHHmmssZ-HASH.json
            var parts = System.IO.Path.GetFileNameWithoutExtension(file).Split('-');
            if (parts.Length == 3 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                && DateTimeOffset.TryParseExact(parts[1], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                versions.Add(new ConfigVersion(n, at, parts[2], file));
            }
        }

        versions.Sort((a, b) => a.Number.CompareTo(b.Number));
        return versions;
    }

    /// <summary>Records <paramref name="content"/> as the applied version, unless it already is the latest.</summary>
    public ConfigVersion Record(byte[] content, DateTimeOffset now)
    {
        var hash = HashOf(content);
        var versions = List();
        if (versions.Count > 0 && versions[^1].Hash == hash)
        {
            return versions[^1];
        }

        System.IO.Directory.CreateDirectory(Directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var number = versions.Count > 0 ? versions[^1].Number + 1 : 1;
        var path = System.IO.Path.Combine(Directory, $"{number.ToString("D4", CultureInfo.InvariantCulture)}-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{hash}.json");
        WriteAtomically(path, content);
        foreach (var old in versions.Take(Math.Max(0, versions.Count + 1 - Keep)))
        {
            File.Delete(old.Path);
        }

        return new ConfigVersion(number, now, hash, path);
    }

    /// <summary>
    /// Puts version <paramref name="number"/> (default: the one before the latest) back in place of the
    /// configuration file, atomically; a running server sees the change and applies it.
    /// </summary>
    public ConfigVersion Restore(int? number, out string? problem)
    {
        var versions = List();
        problem = null;
        ConfigVersion? target;
        if (number is { } n)
        {
            target = versions.FirstOrDefault(v => v.Number == n);
            if (target is null)
            {
                problem = versions.Count == 0 ? "no versions are recorded yet (the server records one each time it applies the file)"
                    : $"there is no version {n}; kept: {string.Join(", ", versions.Select(v => v.Number))}";
                return null!;
            }
        }
        else if (versions.Count < 2)
        {
            problem = versions.Count == 0 ? "no versions are recorded yet (the server records one each time it applies the file)"
                : "only one version is recorded, so there is nothing earlier to return to";
            return null!;
        }
        else
        {
            target = versions[^2];
        }

        WriteAtomically(ConfigPath, File.ReadAllBytes(target.Path));
        return target;
    }

    // A reader sees the old file or the new one, never half of one: write beside it, then rename over it.
    private static void WriteAtomically(string path, byte[] content)
    {
        var temp = path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllBytes(temp, content);
        if (!OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
        }
        else if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }
}
