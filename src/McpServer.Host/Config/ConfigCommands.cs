using System.CommandLine;

namespace McpServer.Host.Config;

/// <summary><c>mcp-server config check</c>, and the mapping of the file's <c>limits</c> section.</summary>
internal static class ConfigCommands
{
    public static Command Create()
    {
        var config = new Command("config", "Work with the configuration file (mcp-server.json).");
        var path = new Option<string>("--config")
        {
            Description = "Configuration file to check. Default: MCP_SERVER_CONFIG, else ./mcp-server.json.",
            HelpName = "PATH",
        };
        var check = new Command("check", "Validate the configuration file without starting the server: every problem with file:line:column and the fix. Exit 0 when valid, 1 when not.");
        check.Options.Add(path);
        check.SetAction(async (result, _) =>
        {
            var file = ConfigFile.Discover(result.GetValue(path), Environment.GetEnvironmentVariable(ConfigKeys.ConfigEnv), Environment.CurrentDirectory);
            if (file is null)
            {
                await Console.Out.WriteLineAsync($"mcp-server: no configuration file (looked for --config, {ConfigKeys.ConfigEnv} and ./{ConfigKeys.FileName}); the built-in defaults apply.").ConfigureAwait(false);
                return 0;
            }

            var errors = new List<string>();
            var warnings = new List<string>();
            var loaded = ConfigFile.Load(file, errors, warnings);
            foreach (var warning in warnings)
            {
                await Console.Error.WriteLineAsync("mcp-server: warning: " + warning).ConfigureAwait(false);
            }

            if (loaded is null)
            {
                await WriteErrorsAsync(Console.Error, file, errors, "fix them and check again").ConfigureAwait(false);
                return 1;
            }

            await Console.Out.WriteLineAsync($"✓ {file}: valid ({loaded.Keys.Count} setting(s); every other key has its default).").ConfigureAwait(false);
            return 0;
        });
        config.Subcommands.Add(check);

        var schema = new Command("schema", "Print the JSON Schema of the configuration file (the one in docs/mcp-server.schema.json).");
        schema.SetAction(_ => Console.Out.Write(ConfigSchema.Generate()));
        config.Subcommands.Add(schema);

        var historyPath = new Option<string>("--config") { Description = path.Description, HelpName = "PATH" };
        var history = new Command("history", $"List the versions of the configuration file the server applied (the last server.configHistory, {ConfigHistory.DefaultKeep} by default, kept beside the file in NAME.history/), with time and hash.");
        history.Options.Add(historyPath);
        history.SetAction(async (result, _) =>
        {
            if (Find(result.GetValue(historyPath)) is not { } file)
            {
                await Console.Error.WriteLineAsync(NoFile).ConfigureAwait(false);
                return 1;
            }

            var versions = new ConfigHistory(file).List();
            if (versions.Count == 0)
            {
                await Console.Out.WriteLineAsync($"{file}: no versions recorded yet (the server records one each time it applies the file).").ConfigureAwait(false);
                return 0;
            }

            var current = File.Exists(file) ? ConfigHistory.HashOf(await File.ReadAllBytesAsync(file).ConfigureAwait(false)) : null;
            await Console.Out.WriteLineAsync($"{file}: {versions.Count} version(s), newest last").ConfigureAwait(false);
            await Console.Out.WriteLineAsync("version  applied (UTC)          hash").ConfigureAwait(false);
            foreach (var v in versions)
            {
                var mark = v.Hash == current ? "  <- the file now" : string.Empty;
                await Console.Out.WriteLineAsync($"{v.Number,7}  {v.AppliedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {v.Hash}{mark}").ConfigureAwait(false);
            }

            return 0;
        });
        config.Subcommands.Add(history);

        var rollbackPath = new Option<string>("--config") { Description = path.Description, HelpName = "PATH" };
        var to = new Option<int?>("--to") { Description = "The version to restore (see config history). Default: the one before the newest.", HelpName = "N" };
        var rollback = new Command("rollback", "Put an earlier applied version back in place of the configuration file, atomically; a running server applies it within about two seconds.");
        rollback.Options.Add(rollbackPath);
        rollback.Options.Add(to);
        rollback.SetAction(async (result, _) =>
        {
            if (Find(result.GetValue(rollbackPath)) is not { } file)
            {
                await Console.Error.WriteLineAsync(NoFile).ConfigureAwait(false);
                return 1;
            }

            var restored = new ConfigHistory(file).Restore(result.GetValue(to), out var problem);
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync($"mcp-server: cannot roll back {file}: {problem}.").ConfigureAwait(false);
                return 1;
            }

            await Console.Out.WriteLineAsync($"Restored version {restored.Number} (applied {restored.AppliedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, hash {restored.Hash}) to {file}; a running server applies it within about two seconds (CONFIG_APPLIED in its log).").ConfigureAwait(false);
            return 0;
        });
        config.Subcommands.Add(rollback);

        var example = new Command("example", "Print a configuration file that sets every key to its default (a starting point: mcp-server config example > mcp-server.json).");
        example.SetAction(_ => Console.Out.Write(ConfigSchema.Example()));
        config.Subcommands.Add(example);
        return config;
    }

    private static string NoFile => $"mcp-server: no configuration file (looked for --config, {ConfigKeys.ConfigEnv} and ./{ConfigKeys.FileName}).";

    private static string? Find(string? flag) => ConfigFile.Discover(flag, Environment.GetEnvironmentVariable(ConfigKeys.ConfigEnv), Environment.CurrentDirectory);

    public static async Task WriteErrorsAsync(TextWriter writer, string path, List<string> errors, string then)
    {
        await writer.WriteLineAsync($"mcp-server: {path} has {errors.Count} problem(s); {then}:").ConfigureAwait(false);
        foreach (var e in errors)
        {
            await writer.WriteLineAsync("  " + e).ConfigureAwait(false);
        }
    }

    public static ServeLimits Limits(ConfigFile? file)
    {
        var d = new ServeLimits();
        if (file is null)
        {
            return d;
        }

        TimeSpan Seconds(string key, TimeSpan fallback) => file.GetInteger(key) is { } s ? TimeSpan.FromSeconds(s) : fallback;
        int Int(string key, int fallback) => file.GetInteger(key) is { } n ? (int)n : fallback;
        return new ServeLimits
        {
            MaxConnections = Int("limits.maxConnections", d.MaxConnections),
            MaxRequestBodyBytes = file.GetInteger("limits.maxRequestBodyBytes") ?? d.MaxRequestBodyBytes,
            MaxSessions = Int("limits.maxSessions", d.MaxSessions),
            SessionIdleTimeout = Seconds("limits.sessionIdleTimeoutSeconds", d.SessionIdleTimeout),
            MaxInFlightPerSession = Int("limits.maxInFlightPerSession", d.MaxInFlightPerSession),
            SseReplayBufferEvents = Int("limits.sseReplayBufferEvents", d.SseReplayBufferEvents),
            SseKeepAlive = Seconds("limits.sseKeepAliveSeconds", d.SseKeepAlive),
            MaxConcurrentCallsPerTool = Int("limits.maxConcurrentCallsPerTool", d.MaxConcurrentCallsPerTool),
            RequestsPerMinutePerClient = Int("limits.requestsPerMinutePerClient", d.RequestsPerMinutePerClient),
            ToolCallsPerMinute = Int("limits.toolCallsPerMinute", d.ToolCallsPerMinute),
            ToolTimeout = Seconds("limits.toolTimeoutSeconds", d.ToolTimeout),
            ClientRequestTimeout = Seconds("limits.clientRequestTimeoutSeconds", d.ClientRequestTimeout),
            RequestStateLifetime = Seconds("limits.requestStateLifetimeSeconds", d.RequestStateLifetime),
            PageSize = Int("limits.pageSize", d.PageSize),
            SlowRequestThreshold = file.GetInteger("limits.slowRequestMilliseconds") is { } ms ? TimeSpan.FromMilliseconds(ms) : d.SlowRequestThreshold,
        };
    }
}
