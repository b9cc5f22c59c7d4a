using System.Text.Json;
using System.Text.Json.Serialization;

namespace McpServer.AspNetCore.Security;

/// <summary>One API key as stored: metadata and a digest, never the key itself.</summary>
public sealed class ApiKeyRecord
{
    /// <summary>Gets or sets the key id (12 hex characters, part of the key).</summary>
    public required string Id { get; set; }

    /// <summary>Gets or sets the name given at creation, to tell keys apart.</summary>
    public required string Name { get; set; }

    /// <summary>Gets or sets when the key was created.</summary>
    public DateTimeOffset Created { get; set; }

    /// <summary>Gets or sets when the key stops working; <see langword="null"/> for never.</summary>
    public DateTimeOffset? Expires { get; set; }

    /// <summary>Gets or sets the granted scopes.</summary>
    public IList<string> Scopes { get; set; } = [];

    /// <summary>Gets or sets the digest of the key (<c>sha256:</c> and base64url).</summary>
    public required string Hash { get; set; }

    /// <summary>Gets or sets when the key was revoked; <see langword="null"/> while it is valid.</summary>
    public DateTimeOffset? Revoked { get; set; }

    /// <summary>Gets or sets the digest of the key before its last rotation, valid until <see cref="PreviousExpires"/>.</summary>
    public string? PreviousHash { get; set; }

    /// <summary>Gets or sets until when the key before the last rotation still works.</summary>
    public DateTimeOffset? PreviousExpires { get; set; }

    /// <summary>Gets or sets when the key was last rotated.</summary>
    public DateTimeOffset? Rotated { get; set; }
}

/// <summary>The keys file: <c>{"version": 1, "keys": [...]}</c>.</summary>
public sealed class ApiKeyFileContent
{
    /// <summary>Gets or sets the format version (1).</summary>
    public int Version { get; set; } = 1;

    /// <summary>Gets or sets the keys, revoked ones included (they keep authentication on).</summary>
    public IList<ApiKeyRecord> Keys { get; set; } = [];
}

/// <summary>Reads and writes the keys file and its usage file.</summary>
public static class ApiKeyFile
{
    /// <summary>The keys file's name when the configuration does not name one.</summary>
    public const string DefaultFileName = "mcp-server.keys.json";

    /// <summary>The file beside the keys file where the server records when each key was last used.</summary>
    public static string UsagePath(string keysFile)
    {
        var name = keysFile.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? keysFile[..^5] : keysFile;
        return name + ".usage.json";
    }

    /// <summary>Reads a keys file; a missing file is an empty one.</summary>
    /// <exception cref="InvalidDataException">The file is not a keys file; the message says where and why.</exception>
    public static ApiKeyFileContent Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return new ApiKeyFileContent();
        }
        catch (DirectoryNotFoundException)
        {
            return new ApiKeyFileContent();
        }

        ApiKeyFileContent? content;
        try
        {
            content = JsonSerializer.Deserialize(bytes, SecurityJsonContext.Default.ApiKeyFileContent);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a valid keys file ({ex.Message}). Restore it from a backup, or move it away and create new keys with 'mcp-server keys create'.", ex);
        }

        if (content is null || content.Version != 1)
        {
            throw new InvalidDataException($"{path}: not a keys file of version 1. Restore it from a backup, or move it away and create new keys with 'mcp-server keys create'.");
        }

        foreach (var key in content.Keys)
        {
            if (key is null || !ApiKeyFormat.IsId(key.Id ?? string.Empty) || ApiKeyFormat.ParseHash(key.Hash) is null)
            {
                throw new InvalidDataException($"{path}: a key has a missing or malformed id or hash. Edit only names in this file; use 'mcp-server keys' for everything else.");
            }
        }

        return content;
    }

    /// <summary>Writes a keys file atomically (a new file renamed over the old), readable by its owner only.</summary>
    public static void Write(string path, ApiKeyFileContent content) =>
        WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(content, SecurityJsonContext.Default.ApiKeyFileContent));

    /// <summary>Reads the usage file: key id to the last time it authenticated a request.</summary>
    public static Dictionary<string, DateTimeOffset> ReadUsage(string keysFile)
    {
        try
        {
            var bytes = File.ReadAllBytes(UsagePath(keysFile));
            return JsonSerializer.Deserialize(bytes, SecurityJsonContext.Default.DictionaryStringDateTimeOffset) ?? [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
    }

    /// <summary>Writes the usage file.</summary>
    public static void WriteUsage(string keysFile, Dictionary<string, DateTimeOffset> usage) =>
        WriteAtomically(UsagePath(keysFile), JsonSerializer.SerializeToUtf8Bytes(usage, SecurityJsonContext.Default.DictionaryStringDateTimeOffset));

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, full, overwrite: true);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ApiKeyFileContent))]
[JsonSerializable(typeof(Dictionary<string, DateTimeOffset>))]
internal sealed partial class SecurityJsonContext : JsonSerializerContext;
