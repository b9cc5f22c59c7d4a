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

        var example = new Command("example", "Print a configuration file that sets every key to its default (a starting point: mcp-server config example > mcp-server.json).");
        example.SetAction(_ => Console.Out.Write(ConfigSchema.Example()));
        config.Subcommands.Add(example);
        return config;
    }

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
            MaxRequestBodyBytes = file.GetInteger("limits.maxRequestBodyBytes") ?? d.MaxRequestBodyBytes,
            MaxSessions = Int("limits.maxSessions", d.MaxSessions),
            SessionIdleTimeout = Seconds("limits.sessionIdleTimeoutSeconds", d.SessionIdleTimeout),
            MaxInFlightPerSession = Int("limits.maxInFlightPerSession", d.MaxInFlightPerSession),
            SseReplayBufferEvents = Int("limits.sseReplayBufferEvents", d.SseReplayBufferEvents),
            SseKeepAlive = Seconds("limits.sseKeepAliveSeconds", d.SseKeepAlive),
            ToolTimeout = Seconds("limits.toolTimeoutSeconds", d.ToolTimeout),
            ClientRequestTimeout = Seconds("limits.clientRequestTimeoutSeconds", d.ClientRequestTimeout),
            RequestStateLifetime = Seconds("limits.requestStateLifetimeSeconds", d.RequestStateLifetime),
            PageSize = Int("limits.pageSize", d.PageSize),
        };
    }
}
