using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using McpServer.AspNetCore.Security;
using McpServer.Host.Config;
using McpServer.Sessions;

namespace McpServer.Host.Cli;

/// <summary>
/// <c>mcp-server keys create|list|revoke|rotate</c>: API keys in the keys file. A key is printed
/// once, at creation or rotation; the file keeps only its digest and metadata, with mode 0600. A
/// running server picks up every change within about a second.
/// </summary>
internal static class KeysCommands
{
    private const int ExitProblem = 1;

    public static Command Create()
    {
        var command = new Command("keys", "Manage the API keys clients authenticate with. As soon as the keys file holds a key (revoked ones included), every HTTP request to the server must present one, as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'. A running server applies changes within about a second.");
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(RevokeCommand());
        command.Subcommands.Add(RotateCommand());
        return command;
    }

    private static (Option<string> Config, Option<string> KeysFile) FileOptions(Command command)
    {
        var config = new Option<string>("--config") { Description = "Configuration file of the server (its auth.keysFile, or the directory for the default keys file). Default: MCP_SERVER_CONFIG, else ./mcp-server.json.", HelpName = "PATH" };
        var keysFile = new Option<string>("--keys-file") { Description = "Keys file. Default: MCP_SERVER_KEYS_FILE, else auth.keysFile of the configuration, else mcp-server.keys.json beside the configuration file or in the working directory.", HelpName = "PATH" };
        command.Options.Add(config);
        command.Options.Add(keysFile);
        return (config, keysFile);
    }

    private static string KeysPath(ParseResult result, Option<string> config, Option<string> keysFile)
    {
        var configPath = ConfigFile.Discover(result.GetValue(config), Environment.GetEnvironmentVariable(ConfigKeys.ConfigEnv), Environment.CurrentDirectory);
        var file = configPath is null ? null : ConfigFile.Load(configPath, [], []);
        return KeysFileLocation.Resolve(result.GetValue(keysFile), file, configPath);
    }

    private static Command CreateCommand()
    {
        var name = new Option<string>("--name") { Description = "A name to tell the key apart (who or what uses it), unique among keys not revoked.", HelpName = "NAME", Required = true };
        var expires = new Option<string>("--expires") { Description = "When the key stops working: a duration (90d, 12h, 30m) or a date/time (2027-01-31, 2027-01-31T12:00:00Z). Default: never.", HelpName = "WHEN" };
        var scope = new Option<string[]>("--scope") { Description = $"What the key may do; repeat for several: {ClientAccess.ToolsCall}, {ClientAccess.ToolsCallPrefix}NAME (one tool), {ClientAccess.ResourcesRead}, {ClientAccess.PromptsGet}, {ClientAccess.Admin}. Default: {string.Join(" ", ClientAccess.DefaultScopes)}.", HelpName = "SCOPE", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "Print {\"id\", \"key\", \"name\", \"scopes\", \"expires\"} as JSON, for scripts." };
        var command = new Command("create", "Create an API key and print it once: only its digest is stored.");
        command.Options.Add(name);
        command.Options.Add(expires);
        command.Options.Add(scope);
        command.Options.Add(json);
        var (config, keysFile) = FileOptions(command);
        command.SetAction(async (result, ct) =>
        {
            var path = KeysPath(result, config, keysFile);
            var keyName = result.GetValue(name)!.Trim();
            if (keyName.Length == 0)
            {
                return await FailAsync("--name must not be empty: give the key a name that says who uses it.", HostConstants.ExitUsage).ConfigureAwait(false);
            }

            var now = DateTimeOffset.UtcNow;
            DateTimeOffset? expiry = null;
            if (result.GetValue(expires) is { Length: > 0 } when)
            {
                if (ParseExpiry(when, now) is not { } parsed)
                {
                    return await FailAsync($"--expires '{when}' is neither a duration (90d, 12h, 30m) nor a date (2027-01-31 or 2027-01-31T12:00:00Z).", HostConstants.ExitUsage).ConfigureAwait(false);
                }

                if (parsed <= now)
                {
                    return await FailAsync($"--expires '{when}' is in the past ({parsed:yyyy-MM-ddTHH:mm:ssZ}); give a later date or a duration.", HostConstants.ExitUsage).ConfigureAwait(false);
                }

                expiry = parsed;
            }

            var scopes = result.GetValue(scope) is { Length: > 0 } given ? given.Select(s => s.Trim()).Distinct(StringComparer.Ordinal).ToArray() : ClientAccess.DefaultScopes.ToArray();
            foreach (var s in scopes)
            {
                if (!IsScope(s))
                {
                    return await FailAsync($"--scope '{s}' is not a scope. Use {ClientAccess.ToolsCall}, {ClientAccess.ToolsCallPrefix}NAME, {ClientAccess.ResourcesRead}, {ClientAccess.PromptsGet} or {ClientAccess.Admin}.", HostConstants.ExitUsage).ConfigureAwait(false);
                }
            }

            return await UpdateAsync(path, content =>
            {
                if (content.Keys.Any(k => k.Revoked is null && string.Equals(k.Name, keyName, StringComparison.Ordinal)))
                {
                    return $"a key named '{keyName}' exists already in {path}; choose another name, or rotate that key (mcp-server keys rotate ID).";
                }

                string id, key;
                do
                {
                    (id, key) = ApiKeyFormat.Generate();
                }
                while (content.Keys.Any(k => k.Id == id));

                content.Keys.Add(new ApiKeyRecord { Id = id, Name = keyName, Created = now, Expires = expiry, Scopes = scopes, Hash = ApiKeyFormat.Hash(key) });
                return (Action)(() => PrintKey(result.GetValue(json), "Created", id, key, keyName, scopes, expiry, path, null));
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command ListCommand()
    {
        var json = new Option<bool>("--json") { Description = "Print the keys as a JSON array (never the secrets: they are not stored)." };
        var command = new Command("list", "List the keys: id, name, state, scopes, created, expires, last used. Secrets are never shown (they are not stored).");
        command.Options.Add(json);
        var (config, keysFile) = FileOptions(command);
        command.SetAction(async (result, ct) =>
        {
            var path = KeysPath(result, config, keysFile);
            ApiKeyFileContent content;
            try
            {
                content = ApiKeyFile.Read(path);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                return await FailAsync(ex.Message).ConfigureAwait(false);
            }

            var usage = ApiKeyFile.ReadUsage(path);
            var now = DateTimeOffset.UtcNow;
            if (result.GetValue(json))
            {
                using var stream = Console.OpenStandardOutput();
                using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
                writer.WriteStartArray();
                foreach (var k in content.Keys)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", k.Id);
                    writer.WriteString("name", k.Name);
                    writer.WriteString("state", State(k, now));
                    writer.WriteStartArray("scopes");
                    foreach (var s in k.Scopes)
                    {
                        writer.WriteStringValue(s);
                    }

                    writer.WriteEndArray();
                    writer.WriteString("created", k.Created);
                    WriteDate(writer, "expires", k.Expires);
                    WriteDate(writer, "revoked", k.Revoked);
                    WriteDate(writer, "rotated", k.Rotated);
                    WriteDate(writer, "previousKeyExpires", k.PreviousHash is null ? null : k.PreviousExpires);
                    WriteDate(writer, "lastUsed", usage.TryGetValue(k.Id, out var used) ? used : null);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.Flush();
                stream.WriteByte((byte)'\n');
                return 0;
            }

            if (content.Keys.Count == 0)
            {
                await Console.Out.WriteLineAsync($"No keys in {path}: the server does not ask for authentication. Create one with: mcp-server keys create --name NAME").ConfigureAwait(false);
                return 0;
            }

            await Console.Out.WriteLineAsync($"{content.Keys.Count} key(s) in {path}:").ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"{"ID",-12}  {"NAME",-20}  {"STATE",-8}  {"CREATED",-20}  {"EXPIRES",-20}  {"LAST USED",-20}  SCOPES").ConfigureAwait(false);
            foreach (var k in content.Keys)
            {
                var used = usage.TryGetValue(k.Id, out var u) ? Format(u) : "never";
                await Console.Out.WriteLineAsync($"{k.Id,-12}  {Cut(k.Name, 20),-20}  {State(k, now),-8}  {Format(k.Created),-20}  {(k.Expires is { } e ? Format(e) : "never"),-20}  {used,-20}  {string.Join(' ', k.Scopes)}").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command RevokeCommand()
    {
        var id = new Argument<string>("ID") { Description = "The key's id (the 12 characters after mcpk_; see keys list)." };
        var command = new Command("revoke", "Revoke a key: requests with it get 401 revoked_credentials within about a second. The key stays listed (and keeps authentication on).");
        command.Arguments.Add(id);
        var (config, keysFile) = FileOptions(command);
        command.SetAction(async (result, ct) =>
        {
            var path = KeysPath(result, config, keysFile);
            var keyId = result.GetValue(id)!.Trim();
            return await UpdateAsync(path, content =>
            {
                if (content.Keys.FirstOrDefault(k => k.Id == keyId) is not { } key)
                {
                    return $"no key with id '{keyId}' in {path}; see mcp-server keys list.";
                }

                if (key.Revoked is { } when)
                {
                    return $"key {keyId} ({key.Name}) was revoked already, at {Format(when)}.";
                }

                key.Revoked = DateTimeOffset.UtcNow;
                return (Action)(() => Console.Out.WriteLine($"Revoked key {keyId} ({key.Name}). A running server refuses it within about a second."));
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command RotateCommand()
    {
        var id = new Argument<string>("ID") { Description = "The key's id (see keys list)." };
        var overlap = new Option<string>("--overlap") { Description = "How long the old key keeps working beside the new one, so clients can switch without failing: a duration (24h, 7d). Default: 0, the old key stops at once.", HelpName = "DURATION" };
        var json = new Option<bool>("--json") { Description = "Print {\"id\", \"key\", ...} as JSON, for scripts." };
        var command = new Command("rotate", "Give a key a new secret and print it once. Its id, name, scopes, expiry and sessions stay; the old secret stops working (after --overlap, if given).");
        command.Arguments.Add(id);
        command.Options.Add(overlap);
        command.Options.Add(json);
        var (config, keysFile) = FileOptions(command);
        command.SetAction(async (result, ct) =>
        {
            var path = KeysPath(result, config, keysFile);
            var keyId = result.GetValue(id)!.Trim();
            var now = DateTimeOffset.UtcNow;
            var period = TimeSpan.Zero;
            if (result.GetValue(overlap) is { Length: > 0 } text)
            {
                if (ParseDuration(text) is not { } parsed)
                {
                    return await FailAsync($"--overlap '{text}' is not a duration: use a number and d, h or m (24h, 7d).", HostConstants.ExitUsage).ConfigureAwait(false);
                }

                period = parsed;
            }

            return await UpdateAsync(path, content =>
            {
                if (content.Keys.FirstOrDefault(k => k.Id == keyId) is not { } record)
                {
                    return $"no key with id '{keyId}' in {path}; see mcp-server keys list.";
                }

                if (record.Revoked is not null)
                {
                    return $"key {keyId} ({record.Name}) is revoked; create a new key instead (mcp-server keys create --name NAME).";
                }

                var key = ApiKeyFormat.Generate(keyId);
                record.PreviousHash = period > TimeSpan.Zero ? record.Hash : null;
                record.PreviousExpires = period > TimeSpan.Zero ? now + period : null;
                record.Hash = ApiKeyFormat.Hash(key);
                record.Rotated = now;
                var note = period > TimeSpan.Zero ? $"The old key keeps working until {Format(now + period)}." : "The old key stopped working.";
                return (Action)(() => PrintKey(result.GetValue(json), "Rotated", keyId, key, record.Name, record.Scopes, record.Expires, path, note));
            }).ConfigureAwait(false);
        });
        return command;
    }

    // Read, change and write the file under a lock, so two commands at once do not lose a change.
    // The change returns an error message, or what to print once the file is written.
    private static async Task<int> UpdateAsync(string path, Func<ApiKeyFileContent, object> change)
    {
        FileStream? guard = null;
        var lockPath = path + ".lock";
        for (var attempt = 0; guard is null; attempt++)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                guard = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, System.IO.FileOptions.DeleteOnClose);
            }
            catch (IOException) when (attempt < 50)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return await FailAsync($"cannot lock {path} ({ex.Message}); is another 'mcp-server keys' running? Check that this user may write {Path.GetDirectoryName(path)}.").ConfigureAwait(false);
            }
        }

        using (guard)
        {
            ApiKeyFileContent content;
            try
            {
                content = ApiKeyFile.Read(path);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                return await FailAsync(ex.Message).ConfigureAwait(false);
            }

            var outcome = change(content);
            if (outcome is string problem)
            {
                return await FailAsync(problem).ConfigureAwait(false);
            }

            try
            {
                ApiKeyFile.Write(path, content);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return await FailAsync($"cannot write {path}: {ex.Message}. Check that this user may write {Path.GetDirectoryName(path)}.").ConfigureAwait(false);
            }

            ((Action)outcome)();
            return 0;
        }
    }

    private static void PrintKey(bool json, string verb, string id, string key, string name, IList<string> scopes, DateTimeOffset? expires, string path, string? note)
    {
        if (json)
        {
            using var stream = Console.OpenStandardOutput();
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteString("id", id);
                writer.WriteString("key", key);
                writer.WriteString("name", name);
                writer.WriteStartArray("scopes");
                foreach (var s in scopes)
                {
                    writer.WriteStringValue(s);
                }

                writer.WriteEndArray();
                WriteDate(writer, "expires", expires);
                writer.WriteString("keysFile", path);
                writer.WriteEndObject();
            }

            stream.WriteByte((byte)'\n');
            return;
        }

        Console.Out.WriteLine($"{verb} API key {id} ({name}); scopes: {string.Join(' ', scopes)}; expires: {(expires is { } e ? Format(e) : "never")}. Keys file: {path}");
        if (note is not null)
        {
            Console.Out.WriteLine(note);
        }

        Console.Out.WriteLine();
        Console.Out.WriteLine(key);
        Console.Out.WriteLine();
        Console.Out.WriteLine("Store it now: it is shown only this once. Clients send it as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'.");
    }

    private static bool IsScope(string scope) =>
        scope is ClientAccess.ToolsCall or ClientAccess.ResourcesRead or ClientAccess.PromptsGet or ClientAccess.Admin
        || (scope.StartsWith(ClientAccess.ToolsCallPrefix, StringComparison.Ordinal) && scope.Length > ClientAccess.ToolsCallPrefix.Length && !scope.Any(char.IsWhiteSpace));

    internal static DateTimeOffset? ParseExpiry(string text, DateTimeOffset now)
    {
        if (ParseDuration(text) is { } duration)
        {
            return now + duration;
        }

        if (DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
        {
            return date;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var exact) && text.Contains('T', StringComparison.Ordinal) ? exact : null;
    }

    internal static TimeSpan? ParseDuration(string text)
    {
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0 || n > 100 * 365 * 24 * 60)
        {
            return null;
        }

        return char.ToLowerInvariant(text[^1]) switch
        {
            'd' when n <= 100 * 365 => TimeSpan.FromDays(n),
            'h' when n <= 100 * 365 * 24 => TimeSpan.FromHours(n),
            'm' => TimeSpan.FromMinutes(n),
            _ => null,
        };
    }

    private static string State(ApiKeyRecord key, DateTimeOffset now) =>
        key.Revoked is not null ? "revoked" : key.Expires is { } e && e <= now ? "expired" : "active";

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";

    private static string Cut(string value, int length) => value.Length <= length ? value : value[..(length - 1)] + "…";

    private static void WriteDate(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            writer.WriteString(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static async Task<int> FailAsync(string message, int exitCode = ExitProblem)
    {
        await Console.Error.WriteLineAsync("mcp-server keys: " + message).ConfigureAwait(false);
        return exitCode;
    }
}
