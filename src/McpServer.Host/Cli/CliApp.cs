using System.CommandLine;
using McpServer.Host.Catalogs;
using McpServer.Host.Config;
using McpServer.Host.Logging;
using Microsoft.Extensions.Logging;

namespace McpServer.Host.Cli;

/// <summary>The <c>mcp-server</c> command line.</summary>
public static class CliApp
{
    /// <summary>Parses <paramref name="args"/> and runs the command; returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand(
            "mcp-server: a Model Context Protocol server. Serves tools, resources and prompts over Streamable HTTP (/mcp), "
            + "legacy HTTP+SSE (/sse and /messages) or stdio; /healthz and /readyz report liveness and readiness; /metrics serves Prometheus metrics (docs/observability.md).\n"
            + "Exit codes: 0 stopped cleanly, 1 unexpected failure, 2 bad command line, 3 port already in use, 4 address cannot be bound.");
        var serveOptions = new ServeOptions();
        serveOptions.AddTo(root);
        root.SetAction((result, ct) => serveOptions.RunAsync(result, ct));

        var serve = new Command("serve", "Serve MCP (the default command).");
        var serveOptions2 = new ServeOptions();
        serveOptions2.AddTo(serve);
        serve.SetAction((result, ct) => serveOptions2.RunAsync(result, ct));
        root.Subcommands.Add(serve);
        root.Subcommands.Add(ConfigCommands.Create());
        root.Subcommands.Add(Doctor.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(KeysCommands.Create());

        return root.Parse(args).InvokeAsync();
    }

    private sealed class ServeOptions
    {
        private readonly Option<string> _host = new("--host")
        {
            Description = "Address to bind: 127.0.0.1 (default, this machine only), 0.0.0.0 (every IPv4 interface) or :: (every interface). Env: MCP_SERVER_HOST.",
            HelpName = "ADDR",
        };

        private readonly Option<int?> _port = new("--port")
        {
            Description = $"Port to bind (default {HostConstants.DefaultPort}; 0 picks a free port). Env: MCP_SERVER_PORT.",
            HelpName = "N",
        };

        private readonly Option<string[]> _catalog = new("--catalog")
        {
            Description = $"Built-in catalogue to serve; repeat for several. One of: {string.Join(", ", BuiltInCatalogs.Names)}. Default: demo.",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = false,
        };

        private readonly Option<bool> _stdio = new("--stdio")
        {
            Description = "Speak MCP as newline-delimited JSON-RPC on stdin/stdout instead of HTTP; logs go to stderr.",
        };

        private readonly Option<string> _config = new("--config")
        {
            Description = "Configuration file (JSON; comments and trailing commas allowed; schema in docs/mcp-server.schema.json). Default: ./mcp-server.json when present, else built-in defaults. Flags and environment variables override it. Env: MCP_SERVER_CONFIG.",
            HelpName = "PATH",
        };

        private readonly Option<string> _keyRing = new("--key-ring")
        {
            Description = "Directory of the key ring that seals multi-round-trip request state (revision 2026-07-28); give every replica the same directory so any of them can continue an exchange. Created with mode 0700 if missing. Default: a key per process. Env: MCP_SERVER_KEY_RING.",
            HelpName = "DIR",
        };

        private readonly Option<string> _keysFile = new("--keys-file")
        {
            Description = "API keys file, as written by 'mcp-server keys'. As soon as it holds a key, every HTTP request must present one (Authorization: Bearer KEY or X-API-Key: KEY); changes apply within about a second. Default: mcp-server.keys.json beside the configuration file, or in the working directory. Env: MCP_SERVER_KEYS_FILE.",
            HelpName = "PATH",
        };

        private readonly Option<string> _tlsCert = new("--tls-cert")
        {
            Description = "PEM certificate file (with its chain) to serve HTTPS; needs --tls-key. The files are watched: a renewed certificate applies to new connections without restart. Env: MCP_SERVER_TLS_CERT.",
            HelpName = "PATH",
        };

        private readonly Option<string> _tlsKey = new("--tls-key")
        {
            Description = "PEM private key file of --tls-cert. Env: MCP_SERVER_TLS_KEY.",
            HelpName = "PATH",
        };

        private readonly Option<bool> _allowAnonymous = new("--allow-anonymous")
        {
            Description = "Serve on an address other machines can reach (--host 0.0.0.0, ::, a LAN address) without API keys, e.g. behind a proxy that authenticates. Without it such a start is refused (exit 2) until the keys file holds a key; with it every start logs SERVER_EXPOSED. Env: MCP_SERVER_ALLOW_ANONYMOUS=true.",
        };

        private readonly Option<bool> _noMetrics = new("--no-metrics")
        {
            Description = "Record no metrics: no /metrics, no OTLP metrics, no METRICS event (telemetry.metrics). Env: MCP_SERVER_METRICS=false.",
        };

        private readonly Option<string> _otlpEndpoint = new("--otlp-endpoint")
        {
            Description = "OpenTelemetry collector to export metrics and traces to, e.g. http://collector:4317 (telemetry.otlpEndpoint). Env: OTEL_EXPORTER_OTLP_ENDPOINT.",
            HelpName = "URL",
        };

        private readonly Option<string> _pidFile = new("--pid-file")
        {
            Description = "Write the process id to this file once the server listens; the file is removed when it stops. Env: MCP_SERVER_PID_FILE.",
            HelpName = "PATH",
        };

        private readonly Option<string> _logLevel = new("--log-level")
        {
            Description = $"Lowest level logged: {LogLevels.Accepted}. Default info. Env: MCP_LOG_LEVEL.",
            HelpName = "LEVEL",
        };

        private readonly Option<string> _logFormat = new("--log-format")
        {
            Description = "Log line format: text (default) or json (one object per line).",
            HelpName = "FORMAT",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(_host);
            command.Options.Add(_port);
            command.Options.Add(_catalog);
            command.Options.Add(_stdio);
            command.Options.Add(_config);
            command.Options.Add(_keyRing);
            command.Options.Add(_keysFile);
            command.Options.Add(_allowAnonymous);
            command.Options.Add(_tlsCert);
            command.Options.Add(_tlsKey);
            command.Options.Add(_noMetrics);
            command.Options.Add(_otlpEndpoint);
            command.Options.Add(_pidFile);
            command.Options.Add(_logLevel);
            command.Options.Add(_logFormat);
        }

        public async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
        {
            var stderr = Console.Error;
            var configPath = ConfigFile.Discover(result.GetValue(_config), Environment.GetEnvironmentVariable(ConfigKeys.ConfigEnv), Environment.CurrentDirectory);
            ConfigFile? file = null;
            if (configPath is not null)
            {
                var errors = new List<string>();
                var warnings = new List<string>();
                file = ConfigFile.Load(configPath, errors, warnings);
                foreach (var warning in warnings)
                {
                    await stderr.WriteLineAsync("mcp-server: warning: " + warning).ConfigureAwait(false);
                }

                if (file is null)
                {
                    await ConfigCommands.WriteErrorsAsync(stderr, configPath, errors, "nothing was started").ConfigureAwait(false);
                    return HostConstants.ExitUsage;
                }
            }

            if (Build(result, file, stderr, out var settings) is { } failed)
            {
                return failed;
            }

            // On a reload the file changes; flags and environment variables still override it.
            settings = settings with { Rebuild = changed => Build(result, changed, TextWriter.Null, out var rebuilt) is null ? rebuilt : null };
            return await ServerHost.RunAsync(settings, stderr, cancellationToken).ConfigureAwait(false);
        }

        // A path from the flag or the environment is relative to the working directory; from the file, to the file.
        private static string? PathSetting(string? flag, string env, ConfigFile? file, string key)
        {
            if (!string.IsNullOrEmpty(flag))
            {
                return Path.GetFullPath(flag);
            }

            if (Environment.GetEnvironmentVariable(env) is { Length: > 0 } fromEnv)
            {
                return Path.GetFullPath(fromEnv);
            }

            return file?.GetString(key) is { Length: > 0 } fromFile ? Path.GetFullPath(fromFile, Path.GetDirectoryName(file.Path)!) : null;
        }

        private int? Build(ParseResult result, ConfigFile? file, TextWriter stderr, out ServeSettings settings)
        {
            var levelText = result.GetValue(_logLevel) ?? Environment.GetEnvironmentVariable("MCP_LOG_LEVEL") ?? file?.GetString("logging.level");
            var level = LogLevel.Information;
            if (!string.IsNullOrEmpty(levelText) && !LogLevels.TryParse(levelText, out level))
            {
                stderr.WriteLine($"mcp-server: log level '{levelText}' is not known. Use one of: {LogLevels.Accepted}.");
                settings = null!;
                return HostConstants.ExitUsage;
            }

            var format = result.GetValue(_logFormat) ?? file?.GetString("logging.format") ?? "text";
            if (format is not ("text" or "json"))
            {
                stderr.WriteLine($"mcp-server: --log-format '{format}' is not known. Use text or json.");
                settings = null!;
                return HostConstants.ExitUsage;
            }

            var host = result.GetValue(_host) ?? Environment.GetEnvironmentVariable("MCP_SERVER_HOST") ?? file?.GetString("server.host") ?? HostConstants.DefaultHost;
            var port = result.GetValue(_port);
            if (port is null && Environment.GetEnvironmentVariable("MCP_SERVER_PORT") is { Length: > 0 } envPort)
            {
                if (!int.TryParse(envPort, out var p))
                {
                    stderr.WriteLine($"mcp-server: MCP_SERVER_PORT '{envPort}' is not a number.");
                    settings = null!;
                    return HostConstants.ExitUsage;
                }

                port = p;
            }

            port ??= (int?)file?.GetInteger("server.port");
            var keyRing = result.GetValue(_keyRing) ?? Environment.GetEnvironmentVariable("MCP_SERVER_KEY_RING") ?? file?.GetString("server.keyRing");
            if (!string.IsNullOrEmpty(keyRing) && file?.GetString("server.keyRing") == keyRing)
            {
                // A relative key ring in the file is relative to the file.
                keyRing = Path.GetFullPath(keyRing, Path.GetDirectoryName(file.Path)!);
            }

            if (!string.IsNullOrEmpty(keyRing) && KeyRing.Prepare(keyRing) is { } keyRingProblem)
            {
                stderr.WriteLine($"mcp-server: --key-ring '{keyRing}' cannot be used: {keyRingProblem}. Give a directory this user can create or write, the same for every replica.");
                settings = null!;
                return HostConstants.ExitUsage;
            }

            var catalogs = result.GetValue(_catalog) is { Length: > 0 } names ? names : file?.GetStrings("server.catalogs") ?? ["demo"];
            settings = new ServeSettings
            {
                Host = host,
                Port = port ?? HostConstants.DefaultPort,
                Catalogs = catalogs,
                Stdio = result.GetValue(_stdio),
                LogLevel = level,
                LogFormat = format,
                KeyRing = string.IsNullOrEmpty(keyRing) ? null : Path.GetFullPath(keyRing),
                DrainTimeout = TimeSpan.FromSeconds(file?.GetInteger("server.drainTimeoutSeconds") ?? 30),
                ShutdownDelay = TimeSpan.FromSeconds(file?.GetInteger("server.shutdownDelaySeconds") ?? 0),
                ConfigHistory = (int)(file?.GetInteger("server.configHistory") ?? ConfigHistory.DefaultKeep),
                ConfigPath = file?.Path,
                ConfigFile = file,
                KeysFile = KeysFileLocation.Resolve(result.GetValue(_keysFile), file, null),
                AuthFailureLimit = (int)(file?.GetInteger("auth.failureLimitPerMinute") ?? 10),
                AllowAnonymous = result.GetValue(_allowAnonymous)
                    || Environment.GetEnvironmentVariable("MCP_SERVER_ALLOW_ANONYMOUS") is "1" or "true" or "TRUE" or "True"
                    || file?.GetBoolean("auth.allowAnonymous") == true,
                AllowedHosts = file?.GetStrings("server.allowedHosts"),
                OAuthIssuer = Environment.GetEnvironmentVariable("MCP_SERVER_OAUTH_ISSUER") is { Length: > 0 } issuer ? issuer : file?.GetString("auth.oauthIssuer"),
                OAuthAudience = Environment.GetEnvironmentVariable("MCP_SERVER_OAUTH_AUDIENCE") is { Length: > 0 } audience ? audience : file?.GetString("auth.oauthAudience"),
                OAuthMetadataAddress = Environment.GetEnvironmentVariable("MCP_SERVER_OAUTH_METADATA") is { Length: > 0 } metadata ? metadata : file?.GetString("auth.oauthMetadataAddress"),
                OAuthRequireHttpsMetadata = file?.GetBoolean("auth.oauthRequireHttpsMetadata") ?? true,
                TlsCertificateFile = PathSetting(result.GetValue(_tlsCert), "MCP_SERVER_TLS_CERT", file, "server.tlsCertificateFile"),
                TlsKeyFile = PathSetting(result.GetValue(_tlsKey), "MCP_SERVER_TLS_KEY", file, "server.tlsKeyFile"),
                AllowedOrigins = file?.GetStrings("server.allowedOrigins"),
                MetricsInterval = TimeSpan.FromSeconds(file?.GetInteger("logging.metricsIntervalSeconds") ?? 60),
                Metrics = !result.GetValue(_noMetrics)
                    && Environment.GetEnvironmentVariable("MCP_SERVER_METRICS") is not ("0" or "false" or "FALSE" or "False")
                    && file?.GetBoolean("telemetry.metrics") != false,
                OtlpEndpoint = (result.GetValue(_otlpEndpoint) ?? file?.GetString("telemetry.otlpEndpoint") ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")) is { Length: > 0 } otlp ? otlp : null,
                OtlpProtocol = file?.GetString("telemetry.otlpProtocol") ?? (Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL") is "http/protobuf" ? "http/protobuf" : "grpc"),
                OtlpExportInterval = TimeSpan.FromSeconds(file?.GetInteger("telemetry.otlpExportIntervalSeconds") ?? 15),
                TraceSamplePercent = (int)(file?.GetInteger("telemetry.traceSamplePercent") ?? 100),
                PidFile = (result.GetValue(_pidFile) ?? Environment.GetEnvironmentVariable("MCP_SERVER_PID_FILE") ?? file?.GetString("server.pidFile")) is { Length: > 0 } pid
                    ? Path.GetFullPath(pid, file is not null && result.GetValue(_pidFile) is null && Environment.GetEnvironmentVariable("MCP_SERVER_PID_FILE") is null ? Path.GetDirectoryName(file.Path)! : Environment.CurrentDirectory)
                    : null,
                Limits = ConfigCommands.Limits(file),
            };
            return null;
        }
    }
}
