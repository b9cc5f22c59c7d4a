using System.Globalization;
using System.Text.Json;
using McpServer.Host.Logging;

namespace McpServer.Host.Config;

/// <summary>
/// <c>mcp-server.json</c>, read and checked: every problem at once, each with file:line:column, the
/// key path and what to do; unknown keys get the nearest valid key as a suggestion.
/// </summary>
internal sealed class ConfigFile
{
    private static readonly JsonDocumentOptions s_options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 32 };
    private readonly Dictionary<string, JsonElement> _values;

    private ConfigFile(string path, byte[] content, Dictionary<string, JsonElement> values)
    {
        Path = path;
        Content = content;
        _values = values;
    }

    /// <summary>The bytes read.</summary>
    public byte[] Content { get; }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The keys the file sets.</summary>
    public IReadOnlyCollection<string> Keys => _values.Keys;

    /// <summary>
    /// Which file to read: <paramref name="flag"/> (<c>--config</c>), else <c>MCP_SERVER_CONFIG</c>,
    /// else <c>./mcp-server.json</c> when it exists; <see langword="null"/> means the built-in defaults.
    /// </summary>
    public static string? Discover(string? flag, string? env, string workingDirectory)
    {
        if (!string.IsNullOrEmpty(flag))
        {
            return System.IO.Path.GetFullPath(flag, workingDirectory);
        }

        if (!string.IsNullOrEmpty(env))
        {
            return System.IO.Path.GetFullPath(env, workingDirectory);
        }

        var local = System.IO.Path.Combine(workingDirectory, ConfigKeys.FileName);
        return File.Exists(local) ? local : null;
    }

    /// <summary>Reads and checks <paramref name="path"/>; the file is <see langword="null"/> when there are errors.</summary>
    public static ConfigFile? Load(string path, List<string> errors, List<string> warnings)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            errors.Add($"{path}: no such file. Check the path given with --config or {ConfigKeys.ConfigEnv}.");
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            errors.Add($"{path}: no such file (its directory does not exist). Check the path given with --config or {ConfigKeys.ConfigEnv}.");
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            errors.Add($"{path}: cannot be read: permission denied ({Describe(path)}; mcp-server runs as user '{Environment.UserName}'). Make the file readable by that user, e.g. chmod 640 and chgrp to its group.");
            return null;
        }
        catch (IOException ex)
        {
            errors.Add($"{path}: cannot be read: {ex.Message}");
            return null;
        }

        CheckPermissions(path, warnings);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes, s_options);
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var column = (ex.BytePositionInLine ?? 0) + 1;
            errors.Add($"{path}:{line}:{column}: invalid JSON: {Trim(ex.Message)}");
            return null;
        }

        using (doc)
        {
            var positions = new Positions(bytes);
            var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            var before = errors.Count;
            Check(path, doc.RootElement, positions, values, errors);
            return errors.Count > before ? null : new ConfigFile(path, bytes, values);
        }
    }

    /// <summary>The value the file sets for <paramref name="path"/>.</summary>
    public bool TryGet(string path, out JsonElement value) => _values.TryGetValue(path, out value);

    public string? GetString(string path) => _values.TryGetValue(path, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public bool? GetBoolean(string path) => _values.TryGetValue(path, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    public long? GetInteger(string path) => _values.TryGetValue(path, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    public string[]? GetStrings(string path) => _values.TryGetValue(path, out var v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Select(e => e.GetString()!)] : null;

    private static void Check(string file, JsonElement root, Positions positions, Dictionary<string, JsonElement> values, List<string> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{file}:1:1: the configuration must be a JSON object with the sections {string.Join(", ", ConfigKeys.Sections)}.");
            return;
        }

        foreach (var section in root.EnumerateObject())
        {
            if (section.Name == "$schema")
            {
                continue;
            }

            var at = $"{file}:{positions.Of(section.Name)}";
            if (!ConfigKeys.Sections.Contains(section.Name, StringComparer.Ordinal))
            {
                errors.Add($"{at}: unknown key '{section.Name}'{Suggest(section.Name, ConfigKeys.Sections.Concat(ConfigKeys.All.Select(k => k.Path)))}");
                continue;
            }

            if (section.Value.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{at}: '{section.Name}' must be an object of settings, found {Kind(section.Value)}.");
                continue;
            }

            foreach (var member in section.Value.EnumerateObject())
            {
                var path = section.Name + "." + member.Name;
                var where = $"{file}:{positions.Of(path)}";
                if (ConfigKeys.Find(path) is not { } key)
                {
                    var inSection = ConfigKeys.All.Where(k => k.Section == section.Name).Select(k => k.Name);
                    var elsewhere = ConfigKeys.All.FirstOrDefault(k => k.Name == member.Name);
                    errors.Add(elsewhere is not null
                        ? $"{where}: unknown key '{path}': '{member.Name}' belongs in '{elsewhere.Section}' ({elsewhere.Path})."
                        : $"{where}: unknown key '{path}'{Suggest(member.Name, inSection, section.Name + ".")}");
                    continue;
                }

                if (CheckValue(key, member.Value) is { } problem)
                {
                    errors.Add($"{where}: {path} {problem}");
                    continue;
                }

                values[path] = member.Value.Clone();
            }
        }
    }

    private static string? CheckValue(ConfigKey key, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null && key.Default is null)
        {
            return null;
        }

        switch (key.Type)
        {
            case ConfigType.String:
                if (value.ValueKind != JsonValueKind.String)
                {
                    return $"must be a string, found {Kind(value)}.";
                }

                var text = value.GetString()!;
                if (key.Path == "logging.level")
                {
                    return LogLevels.TryParse(text, out _) ? null : $"is '{text}'; use one of {LogLevels.Accepted}.";
                }

                if (key.Allowed is { } allowed && !allowed.Contains(text, StringComparer.Ordinal))
                {
                    return $"is '{text}'; use one of {string.Join(", ", allowed)}.";
                }

                return text.Length == 0 ? "must not be empty." : null;
            case ConfigType.Integer:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n))
                {
                    return $"must be a whole number, found {Kind(value)}{(value.ValueKind == JsonValueKind.String ? " (write it without quotes)" : string.Empty)}.";
                }

                if (n < key.Min || n > key.Max)
                {
                    return $"is {n.ToString(CultureInfo.InvariantCulture)}; it must be between {key.Min?.ToString(CultureInfo.InvariantCulture)} and {key.Max?.ToString(CultureInfo.InvariantCulture)}.";
                }

                return null;
            case ConfigType.Boolean:
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? null
                    : $"must be true or false, found {Kind(value)}{(value.ValueKind == JsonValueKind.String ? " (write it without quotes)" : string.Empty)}.";
            case ConfigType.StringArray:
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0 || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                {
                    return $"must be a non-empty array of strings, found {Kind(value)}.";
                }

                if (key.Allowed is { } names && value.EnumerateArray().Select(e => e.GetString()!).FirstOrDefault(s => !names.Contains(s, StringComparer.Ordinal)) is { } bad)
                {
                    return $"names '{bad}'; use {string.Join(", ", names)}.";
                }

                return null;
            default:
                return null;
        }
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number " + value.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Suggest(string name, IEnumerable<string> candidates, string prefix = "")
    {
        var best = candidates
            .Select(c => (Candidate: c, Distance: Distance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(c => c.Distance)
            .FirstOrDefault();
        return best.Candidate is not null && best.Distance <= Math.Max(2, name.Length / 3)
            ? $"; did you mean '{prefix}{best.Candidate}'?"
            : $"; valid keys here: {string.Join(", ", candidates.Select(c => prefix + c))}.";
    }

    // Levenshtein distance, for the "did you mean" hint.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static string Trim(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        return (cut < 0 ? message : message[..cut]).Trim();
    }

    private static void CheckPermissions(string path, List<string> warnings)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            var what = (mode & UnixFileMode.OtherWrite) != 0 ? "writable" : "readable";
            warnings.Add($"{path} is {what} by every user on this machine ({Describe(path)}); run: chmod o-rwx {path}");
        }
    }

    internal static string Describe(string path)
    {
        try
        {
            return OperatingSystem.IsWindows() ? "file" : Owner(path) + "mode " + Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "mode unknown";
        }
    }

    // .NET does not expose a file's owner; stat(1) does. Only on the error path, so a process is fine.
    private static string Owner(string path)
    {
        try
        {
            using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%U:%G", path]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (stat is null)
            {
                return string.Empty;
            }

            var owner = stat.StandardOutput.ReadToEnd().Trim();
            return stat.WaitForExit(2000) && stat.ExitCode == 0 && owner.Length > 0 ? "owner " + owner + ", " : string.Empty;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>Line and column of each key path, for messages.</summary>
    private sealed class Positions
    {
        private readonly Dictionary<string, string> _byPath = new(StringComparer.Ordinal);

        public Positions(byte[] json)
        {
            var lineStarts = new List<int> { 0 };
            for (var i = 0; i < json.Length; i++)
            {
                if (json[i] == (byte)'\n')
                {
                    lineStarts.Add(i + 1);
                }
            }

            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var path = new List<string>();
            string? pending = null;
            try
            {
                while (reader.Read())
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.PropertyName:
                            pending = reader.GetString();
                            var key = string.Join('.', path.Append(pending!));
                            var offset = (int)reader.TokenStartIndex;
                            var line = lineStarts.BinarySearch(offset);
                            line = line >= 0 ? line : ~line - 1;
                            _byPath.TryAdd(key, $"{line + 1}:{offset - lineStarts[line] + 1}");
                            break;
                        case JsonTokenType.StartObject:
                            if (pending is not null)
                            {
                                path.Add(pending);
                                pending = null;
                            }
                            else if (reader.CurrentDepth > 0)
                            {
                                path.Add("[]");
                            }

                            break;
                        case JsonTokenType.EndObject:
                            if (path.Count > 0 && reader.CurrentDepth > 0)
                            {
                                path.RemoveAt(path.Count - 1);
                            }

                            break;
                        case JsonTokenType.StartArray:
                            path.Add(pending ?? "[]");
                            pending = null;
                            break;
                        case JsonTokenType.EndArray:
                            path.RemoveAt(path.Count - 1);
                            break;
                        default:
                            pending = null;
                            break;
                    }
                }
            }
            catch (JsonException)
            {
                // The document parsed already; nothing to add.
            }
        }

        public string Of(string path) => _byPath.TryGetValue(path, out var at) ? at : "1:1";
    }
}
