using System.Security.Cryptography.X509Certificates;
using System.Net;
using System.Net.Sockets;
using McpServer.AspNetCore;
using McpServer.Engine;
using McpServer.Host.Catalogs;
using McpServer.Host.Config;
using Microsoft.Extensions.Options;
using McpServer.Host.Logging;
using McpServer.Stdio;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace McpServer.Host;

/// <summary>Runs mcp-server from <see cref="ServeSettings"/>: over HTTP on Kestrel, or over stdio.</summary>
public static partial class ServerHost
{
    /// <summary>Serves until stopped; returns the process exit code.</summary>
    public static Task<int> RunAsync(ServeSettings settings, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var name in settings.Catalogs)
        {
            if (!BuiltInCatalogs.Names.Contains(name))
            {
                stderr.WriteLine($"mcp-server: unknown catalogue '{name}'. Built-in catalogues: {string.Join(", ", BuiltInCatalogs.Names)}.");
                return Task.FromResult(HostConstants.ExitUsage);
            }
        }

        return settings.Stdio ? RunStdioAsync(settings, cancellationToken) : RunHttpAsync(settings, stderr, cancellationToken);
    }

    internal static void ConfigureLogging(ILoggingBuilder logging, ServeSettings settings, bool toStderr)
    {
        logging.ClearProviders();
        // The server's own events follow a switch that a configuration reload can turn.
        LogLevelSwitch.Current = settings.LogLevel;
        logging.SetMinimumLevel(LogLevel.Trace);
        logging.AddFilter(static (_, level) => LogLevelSwitch.IsEnabled(level));
        // ASP.NET Core's own chatter stays out of the way unless the operator asks for debug output.
        logging.AddFilter("Microsoft", settings.LogLevel <= LogLevel.Debug ? settings.LogLevel : LogLevel.Warning);
        // While this category is enabled at any level, ASP.NET Core opens a log scope and an Activity for
        // every request (measured: a large share of the per-request cost); our own events cover requests.
        // The host logs a failed bind with its stack trace; the server says the same in one line on stderr.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", settings.LogLevel <= LogLevel.Debug ? settings.LogLevel : LogLevel.None);
        // Data Protection warns that keys are stored unencrypted; docs/transports.md says to keep the key ring directory private.
        logging.AddFilter("Microsoft.AspNetCore.DataProtection", settings.LogLevel <= LogLevel.Debug ? settings.LogLevel : LogLevel.Error);
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", settings.LogLevel <= LogLevel.Trace ? LogLevel.Trace : LogLevel.None);
        // The console provider with the one formatter in use, not AddConsole(): that also registers the three
        // built-in formatters, each with an options monitor, a change-token source and configuration binding,
        // some 25 generic services that Native AOT has to construct at start-up (benchmarks/README.md#native-aot).
        var console = new ConsoleLoggerOptions
        {
            FormatterName = settings.LogFormat == "json" ? McpConsoleFormatter.JsonName : McpConsoleFormatter.TextName,
            LogToStandardErrorThreshold = toStderr ? LogLevel.Trace : LogLevel.None,
        };
        ClosedOptions.Add<LoggerFactoryOptions>(logging.Services);
        logging.Services.AddSingleton<ILoggerProvider>(_ => new ConsoleLoggerProvider(
            new FixedConsoleLoggerOptions(console),
            [settings.LogFormat == "json" ? new McpJsonConsoleFormatter() : new McpTextConsoleFormatter()]));
    }

    private static void AddServer(IServiceCollection services, ServeSettings settings, bool loopbackOnly)
    {
        if (settings.KeyRing is { } keyRing)
        {
            KeyRing.AddTo(services, keyRing);
        }

        var limits = settings.Limits;
        var mcp = services.AddMcpServer(o => ApplyLimits(limits, o, null, null))
            .WithSessions(o => ApplyLimits(limits, null, o, null))
            .WithHttpTransport(o =>
            {
                ApplyLimits(limits, null, null, o);
                o.SseKeepAliveInterval = limits.SseKeepAlive;
                ApplyAllowLists(settings, o, loopbackOnly);
            })
            .WithAuthentication(o =>
            {
                o.KeysFile = settings.KeysFile;
                o.FailureLimit = settings.AuthFailureLimit;
                o.OAuthIssuer = settings.OAuthIssuer;
                o.OAuthAudience = settings.OAuthAudience;
                o.OAuthMetadataAddress = settings.OAuthMetadataAddress;
                o.OAuthRequireHttpsMetadata = settings.OAuthRequireHttpsMetadata;
            })
            .WithCatalog((sp, catalog) =>
            {
                var time = sp.GetRequiredService<TimeProvider>();
                foreach (var name in settings.Catalogs.Distinct(StringComparer.Ordinal))
                {
                    BuiltInCatalogs.TryAdd(name, catalog, time);
                }
            });
        if (settings.OAuthIssuer is not null)
        {
            // The token scheme is not the default one: only requests carrying a token pay for it.
            AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
            mcp.WithOAuth();
        }
    }

    private static async Task<int> RunStdioAsync(ServeSettings settings, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => ConfigureLogging(l, settings, toStderr: true));
        AddServer(services, settings, loopbackOnly: true);
        Metrics.Telemetry.Add(services, new Microsoft.Extensions.Configuration.ConfigurationManager(), settings, prometheus: false);
        await using var provider = services.BuildServiceProvider();
        // No host starts them here: the OTLP exporters run once resolved.
        _ = provider.GetService<OpenTelemetry.Metrics.MeterProvider>();
        _ = provider.GetService<OpenTelemetry.Trace.TracerProvider>();
        var dispatcher = provider.GetRequiredService<McpDispatcher>();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("McpServer");
        LogStdioStarted(logger, dispatcher.Options.ServerInfo.Version, string.Join(", ", settings.Catalogs));
        LogKeyRing(logger, settings.KeyRing);
        using var pidFile = PidFile.Write(settings.PidFile, logger);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        await StdioTransport.RunAsync(dispatcher, Console.OpenStandardInput(), Console.OpenStandardOutput(), settings.DrainTimeout, stop.Token, (int)Math.Min(settings.Limits.MaxRequestBodyBytes, int.MaxValue)).ConfigureAwait(false);
        LogStdioStopped(logger);
        return HostConstants.ExitOk;
    }

    private static async Task<int> RunHttpAsync(ServeSettings settings, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!TryParseAddress(settings.Host, out var address))
        {
            stderr.WriteLine($"mcp-server: --host '{settings.Host}' is not an IP address or 'localhost'. Use 127.0.0.1 (this machine only), 0.0.0.0 (every IPv4 interface) or :: (every interface).");
            return HostConstants.ExitUsage;
        }

        if (settings.Port is < 0 or > 65535)
        {
            stderr.WriteLine($"mcp-server: --port {settings.Port} is out of range; use 1-65535, or 0 for any free port.");
            return HostConstants.ExitUsage;
        }

        if (settings.OtlpEndpoint is { } otlp && !(Uri.TryCreate(otlp, UriKind.Absolute, out var collector) && collector.Scheme is "http" or "https"))
        {
            stderr.WriteLine($"mcp-server: telemetry.otlpEndpoint '{otlp}' is not an http:// or https:// URL. Give the collector's address, e.g. http://collector:4317 (grpc) or http://collector:4318 (http/protobuf), or leave it unset.");
            return HostConstants.ExitUsage;
        }

        var loopback = IPAddress.IsLoopback(address);
        if ((settings.OAuthIssuer is null) != (settings.OAuthAudience is null))
        {
            stderr.WriteLine("mcp-server: OAuth needs both auth.oauthIssuer (the authorization server) and auth.oauthAudience (this server's resource URL, e.g. https://mcp.example.com/mcp); only one is set.");
            return HostConstants.ExitUsage;
        }

        if (!loopback && !settings.AllowAnonymous && settings.OAuthIssuer is null && CountKeys(settings.KeysFile) == 0)
        {
            stderr.WriteLine($"mcp-server: refusing to serve {BindFailure.HostPort(settings.Host, settings.Port)} without authentication: any machine that reaches it could call its tools. "
                + $"Create an API key first (mcp-server keys create --name NAME{(settings.KeysFile is null ? string.Empty : " --keys-file " + settings.KeysFile)}) and give it to the clients, "
                + "bind to 127.0.0.1, or, when a proxy in front authenticates, start with --allow-anonymous (auth.allowAnonymous).");
            return HostConstants.ExitUsage;
        }

        X509Certificate2? certificate = null;
        if (settings.TlsCertificateFile is not null || settings.TlsKeyFile is not null)
        {
            if (settings.TlsCertificateFile is null || settings.TlsKeyFile is null)
            {
                stderr.WriteLine($"mcp-server: HTTPS needs both a certificate and its private key: give --tls-cert and --tls-key (server.tlsCertificateFile and server.tlsKeyFile); only the {(settings.TlsCertificateFile is null ? "key" : "certificate")} was given.");
                return HostConstants.ExitUsage;
            }

            certificate = TlsCertificate.Load(settings.TlsCertificateFile, settings.TlsKeyFile, out var tlsProblem);
            if (certificate is null)
            {
                stderr.WriteLine($"mcp-server: cannot serve HTTPS: {tlsProblem}. Give a PEM certificate (-----BEGIN CERTIFICATE-----) and the PEM private key that belongs to it (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA/EC PRIVATE KEY-----), both readable by this user.");
                return HostConstants.ExitUsage;
            }
        }

        s_maxConnections = settings.Limits.MaxConnections;
        // The empty builder: no appsettings files (and no file watcher on the working directory),
        // no host filtering middleware; just Kestrel, routing and what is added below.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore();
        if (certificate is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.Services.AddRoutingCore();
        // The framework's options read at start-up, as closed registrations: the AOT build would otherwise
        // construct their generic options types by reflection (see ClosedOptions).
        ClosedOptions.Add<KestrelServerOptions>(builder.Services);
        ClosedOptions.Add<SocketTransportOptions>(builder.Services);
        ClosedOptions.Add<HostOptions>(builder.Services);
        ClosedOptions.Add<ConsoleLifetimeOptions>(builder.Services);
        ClosedOptions.Add<RouteOptions>(builder.Services);
        ClosedOptions.Add<RouteHandlerOptions>(builder.Services);
        ClosedOptions.Add<Microsoft.AspNetCore.Http.Features.FormOptions>(builder.Services);
        ClosedOptions.Add<Microsoft.Extensions.Validation.ValidationOptions>(builder.Services);
        ConfigureLogging(builder.Logging, settings, toStderr: false);
        // The drain timeout, and a moment more so ERROR_DRAIN_TIMEOUT names what is cut before it is.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.DrainTimeout + ShutdownDrain.CutMargin);
        builder.Services.AddSingleton<IHostLifetime, ShutdownDrain.SignalFreeLifetime>();
        ILogger? connectionLogger = null;
        var listen = new ListenConfiguration(address, settings.Port, certificate is not null);
        TlsCertificate? tls = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // The endpoint comes from configuration Kestrel watches, so a reload can move it (server.host, server.port).
            k.Configure(listen.Build(), reloadOnChange: true).Endpoint(ListenConfiguration.EndpointName, endpoint =>
            {
                if (certificate is not null)
                {
                    // Read per handshake, so a renewed certificate applies to the next connection.
                    endpoint.HttpsOptions.ServerCertificateSelector = (_, _) => tls?.Current ?? certificate;
                }

                ConnectionEvents(endpoint.ListenOptions);
            });
            void ConnectionEvents(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions options) => options.Use(next => async connection =>
            {
                // One line when a client connects and one when it leaves, as the operator guide describes.
                var log = connectionLogger ??= k.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("McpServer.Connections");
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var remote = connection.RemoteEndPoint?.ToString() ?? "?";
                var active = Interlocked.Increment(ref s_activeConnections);
                try
                {
                    var max = s_maxConnections;
                    if (active > max)
                    {
                        // Over the limit: a clear 503 with a JSON-RPC body, rather than a reset connection.
                        LogConnectionRejected(log, connection.ConnectionId, remote, max);
                        McpMetrics.RecordLimit("too_many_connections", McpServer.Protocol.McpErrorCode.ServerError);
                        await RejectConnectionAsync(connection, max).ConfigureAwait(false);
                        return;
                    }

                    LogConnectionOpened(log, connection.ConnectionId, remote);
                    try
                    {
                        await next(connection).ConfigureAwait(false);
                    }
                    finally
                    {
                        LogConnectionClosed(log, connection.ConnectionId, remote, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref s_activeConnections);
                }
            });
        });
        AddServer(builder.Services, settings, loopback);
        Metrics.Telemetry.Add(builder.Services, builder.Configuration, settings, prometheus: true);
        Metrics.HostMetrics.ObserveConnections(static () => Volatile.Read(ref s_activeConnections));

        await using var app = builder.Build();
        app.MapMcpServer(HostConstants.McpPath);
        if (settings.Metrics)
        {
            Metrics.Telemetry.Map(app);
        }

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var clock = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("McpServer");
        PidFile? pidFile = null;
        using var drain = new ShutdownDrain(lifetime, app.Services.GetRequiredService<McpDispatcher>().Sessions, logger, clock, settings.ShutdownDelay, settings.DrainTimeout, code =>
        {
            Volatile.Read(ref pidFile)?.Dispose();
            // The console logger writes from a queue on its own thread: disposing it writes what is queued,
            // SERVER_ABORTED included, which an exit would otherwise cut off (always so in the AOT build).
            foreach (var provider in app.Services.GetServices<ILoggerProvider>())
            {
                provider.Dispose();
            }

            Environment.Exit(code);
        });
        drain.Listen();
        app.MapGet("/healthz", static (HttpContext http) => http.Response.WriteAsync("ok\n"));
        app.MapGet("/readyz", (HttpContext http) =>
        {
            var ready = drain.Ready;
            http.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            return http.Response.WriteAsync(ready ? "ready\n" : "draining\n");
        });
        ConfigReloader? reloader = null;
        var startedAt = clock.GetUtcNow();
        using var metrics = settings.Metrics ? new McpServer.Host.Metrics.MetricsCollector(clock) : null;
        var cpu = new McpServer.Host.Metrics.CpuUsage(clock);
        app.MapGet("/admin/status", (HttpContext http) => StatusReport.WriteAsync(http, app.Services, startedAt, reloader, drain.Ready, Volatile.Read(ref s_activeConnections), Volatile.Read(ref s_maxConnections), metrics, cpu));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (BindFailure.Find(ex) is { } socket)
        {
            // Kestrel throws the socket's own error for some failures (an address not of this machine,
            // a privileged port) and wraps others: one line either way, never a stack trace.
            stderr.WriteLine("mcp-server: " + BindFailure.Describe(socket, settings.Host, settings.Port));
            return socket.SocketErrorCode == SocketError.AddressAlreadyInUse ? HostConstants.ExitPortInUse : HostConstants.ExitBindFailed;
        }
        catch (IOException ex)
        {
            stderr.WriteLine($"mcp-server: cannot listen on {BindFailure.HostPort(settings.Host, settings.Port)}: {ex.InnerException?.Message ?? ex.Message}. Check that the address belongs to this machine and that ports below 1024 are run with the needed privilege.");
            return HostConstants.ExitBindFailed;
        }

        // The pid file and the configuration watch (and SIGHUP) come before the start-up line, so
        // whoever waits for that line finds them in place.
        using var pidFileInUse = pidFile = PidFile.Write(settings.PidFile, logger);
        using var watch = reloader = settings.ConfigFile is { } configFile
            ? new ConfigReloader(settings, configFile, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("McpServer.Config"), app.Services.GetRequiredService<TimeProvider>(), (old, next) => ApplyLive(app.Services, listen, logger, drain, old, next))
            : null;
        watch?.Start();

        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? $"http://{settings.Host}:{settings.Port}";
        var reach = Reach(address);
        LogStarted(logger, app.Services.GetRequiredService<McpDispatcher>().Options.ServerInfo.Version, url + HostConstants.McpPath, reach, string.Join(", ", settings.Catalogs.Distinct(StringComparer.Ordinal)));
        if (!loopback && !app.Services.GetRequiredService<McpServer.AspNetCore.Security.McpAuthenticator>().Enabled)
        {
            LogExposed(logger, settings.Host);
        }

        LogKeyRing(logger, settings.KeyRing);
        if (certificate is not null)
        {
            tls = TlsCertificate.Watch(settings.TlsCertificateFile!, settings.TlsKeyFile!, certificate, logger);
            LogTls(logger, TlsCertificate.Describe(certificate), settings.TlsCertificateFile!, settings.TlsKeyFile!);
        }

        using var tlsWatch = tls;
        // The METRICS event: the figures of the last interval, from the engine's instruments.
        using var metricsTimer = settings.MetricsInterval > TimeSpan.Zero && metrics is not null
            ? clock.CreateTimer(_ => LogMetricsWindow(logger, metrics.TakeWindow(), cpu.TakeInterval(), app.Services), null, settings.MetricsInterval, settings.MetricsInterval)
            : null;

        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        LogStopped(logger);
        return HostConstants.ExitOk;
    }

    private static void LogMetricsWindow(ILogger logger, McpServer.Host.Metrics.MetricsWindow w, double cpuPercent, IServiceProvider services)
    {
        var sessions = services.GetRequiredService<McpDispatcher>().Sessions.Sessions.Count();
        LogMetrics(logger, w.Length.TotalSeconds, w.Requests, w.RatePerSecond, w.P50Ms, w.P99Ms, w.ErrorText, Volatile.Read(ref s_activeConnections), sessions,
            Environment.WorkingSet / (1024 * 1024), GC.GetTotalMemory(false) / (1024 * 1024), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), cpuPercent, Environment.ProcessorCount);
    }

    /// <summary>The <c>limits</c> section onto the engine's options: at start, and again on every reload.</summary>
    // The Host allow-list: the configured names, else the loopback names on loopback and any host
    // beyond it; the Origin allow-list: the configured origins besides loopback ones.
    private static void ApplyAllowLists(ServeSettings settings, McpHttpOptions http, bool loopback)
    {
        http.AllowedHosts = settings.AllowedHosts is { } hosts ? [.. hosts] : loopback ? new McpHttpOptions().AllowedHosts : null;
        http.AllowedOrigins = settings.AllowedOrigins is { } origins ? [.. origins] : [];
    }

    private static int CountKeys(string? keysFile)
    {
        if (keysFile is null)
        {
            return 0;
        }

        try
        {
            return McpServer.AspNetCore.Security.ApiKeyFile.Read(keysFile).Keys.Count;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // Unreadable: the server says so (ERROR_KEYS_FILE) and refuses every request until it can read it.
            return 1;
        }
    }

    private static void ApplyLimits(ServeLimits limits, McpServerOptions? engine, McpServer.Sessions.SessionOptions? sessions, McpHttpOptions? http)
    {
        if (engine is not null)
        {
            engine.MaxInFlightPerSession = limits.MaxInFlightPerSession;
            engine.ToolTimeout = limits.ToolTimeout;
            engine.ClientRequestTimeout = limits.ClientRequestTimeout;
            engine.RequestStateLifetime = limits.RequestStateLifetime;
            engine.PageSize = limits.PageSize;
            engine.SlowRequestThreshold = limits.SlowRequestThreshold;
            engine.MaxConcurrentCallsPerTool = limits.MaxConcurrentCallsPerTool;
            engine.ToolCallsPerMinute = limits.ToolCallsPerMinute;
        }

        if (sessions is not null)
        {
            sessions.MaxSessions = limits.MaxSessions;
            sessions.IdleTimeout = limits.SessionIdleTimeout;
        }

        if (http is not null)
        {
            http.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            http.RequestsPerMinutePerClient = limits.RequestsPerMinutePerClient;
            http.SseReplayBufferSize = limits.SseReplayBufferEvents;
        }
    }

    private static int s_activeConnections;
    private static int s_maxConnections = int.MaxValue;

    private static async Task RejectConnectionAsync(Microsoft.AspNetCore.Connections.ConnectionContext connection, int max)
    {
        var body = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,\"message\":\"The server has " + max.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + " connections open, its limit (limits.maxConnections); retry shortly.\",\"data\":{\"reason\":\"too_many_connections\"}}}";
        var head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: "
            + System.Text.Encoding.UTF8.GetByteCount(body).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n\r\n";
        try
        {
            await connection.Transport.Output.WriteAsync(System.Text.Encoding.UTF8.GetBytes(head + body)).ConfigureAwait(false);
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
            // Let the client read the answer before the socket closes.
            using var linger = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            while (true)
            {
                var read = await connection.Transport.Input.ReadAsync(linger.Token).ConfigureAwait(false);
                connection.Transport.Input.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ConnectionResetException or InvalidOperationException)
        {
        }
    }

    /// <summary>Applies what can change while serving: limits, log level, catalogues (the rest waits for a restart).</summary>
    private static string? ApplyLive(IServiceProvider services, ListenConfiguration listen, ILogger logger, ShutdownDrain drain, ServeSettings old, ServeSettings next)
    {
        // A new address or port first: if it cannot be had, nothing of the new version is applied.
        if (!string.Equals(old.Host, next.Host, StringComparison.Ordinal) || old.Port != next.Port)
        {
            if (!TryParseAddress(next.Host, out var address))
            {
                return $"server.host '{next.Host}' is not an IP address or 'localhost'";
            }

            if (!IPAddress.IsLoopback(address) && !next.AllowAnonymous && next.OAuthIssuer is null && CountKeys(next.KeysFile) == 0)
            {
                return $"refusing to serve {BindFailure.HostPort(next.Host, next.Port)} without authentication: create an API key first (mcp-server keys create --name NAME), or set auth.allowAnonymous when a proxy in front authenticates";
            }

            if (next.Port != 0 && PortOwner.TryBind(address, next.Port) is { } ex)
            {
                return ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                    ? $"cannot listen on {BindFailure.HostPort(next.Host, next.Port)}: the port is already in use; {PortOwner.Describe(next.Port)}"
                    : BindFailure.Describe(ex, next.Host, next.Port).TrimEnd('.');
            }

            var previous = listen.Url;
            var httpOptions = services.GetRequiredService<IOptions<McpHttpOptions>>().Value;
            var previousAllowed = httpOptions.AllowedHosts;
            ApplyAllowLists(next, httpOptions, IPAddress.IsLoopback(address));
            listen.Set(address, next.Port);
            LogRebound(logger, listen.Url + HostConstants.McpPath, previous + HostConstants.McpPath, Reach(address));
            _ = ConfirmReboundAsync(services, listen, logger, address, next.Port, previous, previousAllowed);
            if (!IPAddress.IsLoopback(address))
            {
                LogExposed(logger, next.Host);
            }
        }

        s_maxConnections = next.Limits.MaxConnections;
        drain.Delay = next.ShutdownDelay;
        if (TryParseAddress(next.Host, out var bound))
        {
            ApplyAllowLists(next, services.GetRequiredService<IOptions<McpHttpOptions>>().Value, IPAddress.IsLoopback(bound));
        }

        ApplyLimits(
            next.Limits,
            services.GetRequiredService<McpDispatcher>().Options,
            services.GetRequiredService<IOptions<McpServer.Sessions.SessionOptions>>().Value,
            services.GetRequiredService<IOptions<McpHttpOptions>>().Value);
        LogLevelSwitch.Current = next.LogLevel;
        if (!old.Catalogs.SequenceEqual(next.Catalogs, StringComparer.Ordinal))
        {
            var catalog = services.GetRequiredService<McpServer.Catalog.McpCatalog>();
            var time = services.GetRequiredService<TimeProvider>();
            // Add the new set first, then drop what it lacks: a definition in both never goes missing.
            var wanted = new McpServer.Catalog.McpCatalog();
            foreach (var name in next.Catalogs.Distinct(StringComparer.Ordinal))
            {
                BuiltInCatalogs.TryAdd(name, wanted, time);
                BuiltInCatalogs.TryAdd(name, catalog, time);
            }

            catalog.RemoveAllExcept(wanted);
        }

        return null;
    }

    // The port was free when checked; if something took it before Kestrel bound it, go back.
    private static async Task ConfirmReboundAsync(IServiceProvider services, ListenConfiguration listen, ILogger logger, IPAddress address, int port, string previous, IList<string>? previousAllowed)
    {
        var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null)
        {
            return;
        }

        var wanted = ListenConfiguration.UrlFor(address, port);
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(100).ConfigureAwait(false);
            if (addresses.Any(a => port == 0 ? a.StartsWith(wanted[..wanted.LastIndexOf(':')], StringComparison.Ordinal) : string.Equals(a, wanted, StringComparison.Ordinal)))
            {
                return;
            }
        }

        var back = new Uri(previous);
        _ = TryParseAddress(back.Host.Trim('[', ']'), out var backAddress);
        services.GetRequiredService<IOptions<McpHttpOptions>>().Value.AllowedHosts = previousAllowed;
        listen.Set(backAddress, back.Port);
        LogReboundFailed(logger, wanted + HostConstants.McpPath, previous + HostConstants.McpPath);
    }

    /// <summary>Who can connect to a server bound to <paramref name="address"/>, for the start-up and rebind lines.</summary>
    internal static string Reach(IPAddress address) =>
        IPAddress.IsLoopback(address) ? "loopback only: not reachable from other machines"
        : address.Equals(IPAddress.Any) ? "every IPv4 interface: reachable from other machines"
        : address.Equals(IPAddress.IPv6Any) ? "every interface, IPv6 and IPv4: reachable from other machines"
        : $"only on {address}: reachable from other machines that can reach this address, not on this machine's other addresses";

    internal static bool TryParseAddress(string host, out IPAddress address)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
            return true;
        }

        // IPAddress.TryParse takes "1" for 0.0.0.1; an operator who typed that meant something else.
        var text = host.Trim('[', ']');
        if (!text.Contains('.', StringComparison.Ordinal) && !text.Contains(':', StringComparison.Ordinal))
        {
            address = IPAddress.None;
            return false;
        }

        return IPAddress.TryParse(text, out address!);
    }

    [LoggerMessage(1, LogLevel.Information, "mcp-server {Version} listening on {Url} ({Reach}); catalogues: {Catalogs}.", EventName = "SERVER_STARTED")]
    private static partial void LogStarted(ILogger logger, string version, string url, string reach, string catalogs);

    [LoggerMessage(32, LogLevel.Information, "HTTPS with {Certificate} from {CertificateFile} and {KeyFile}; both files are watched.", EventName = "TLS_CERTIFICATE")]
    private static partial void LogTls(ILogger logger, string certificate, string certificateFile, string keyFile);

    [LoggerMessage(2, LogLevel.Warning, "Bound to {Host}: any machine that can reach this host can call its tools, and no authentication is configured.", EventName = "SERVER_EXPOSED")]
    private static partial void LogExposed(ILogger logger, string host);

    private static void LogKeyRing(ILogger logger, string? keyRing) => LogKeyRingInUse(logger, keyRing is null
        ? "a key of this process only (multi-round-trip requests must come back to this process; give replicas a shared --key-ring)"
        : $"the key ring in {keyRing} (replicas given the same directory continue each other's multi-round-trip requests)");

    [LoggerMessage(8, LogLevel.Information, "Request state is sealed with {KeyRing}.", EventName = "KEY_RING")]
    private static partial void LogKeyRingInUse(ILogger logger, string keyRing);

    [LoggerMessage(10, LogLevel.Warning, "Connection {ConnectionId} from {ClientAddress} refused with 503: {Max} connections are open, the limit (limits.maxConnections).", EventName = "CONNECTION_REJECTED")]
    private static partial void LogConnectionRejected(ILogger logger, string connectionId, string clientAddress, int max);

    [LoggerMessage(13, LogLevel.Information, "Last {WindowSeconds:0} s: {Requests} requests ({RatePerSecond:0.0}/s), p50 {P50Ms:0.00} ms, p99 {P99Ms:0.00} ms; errors: {Errors}; connections {Connections}, sessions {Sessions}; memory {WorkingSetMiB} MiB (managed heap {HeapMiB} MiB); GC {Gen0}/{Gen1}/{Gen2} (gen 0/1/2); CPU {CpuPercent:0.0} % of one core ({Cores} cores).", EventName = "METRICS")]
    private static partial void LogMetrics(ILogger logger, double windowSeconds, long requests, double ratePerSecond, double p50Ms, double p99Ms, string errors, int connections, int sessions, long workingSetMiB, long heapMiB, int gen0, int gen1, int gen2, double cpuPercent, int cores);

    [LoggerMessage(14, LogLevel.Information, "Now listening on {Url} ({Reach}) instead of {Previous}: the configuration moved the endpoint; connections already open finish where they are.", EventName = "SERVER_REBOUND")]
    private static partial void LogRebound(ILogger logger, string url, string previous, string reach);

    [LoggerMessage(15, LogLevel.Error, "Could not listen on {Url} after the reload (the port was taken after it was checked); back on {Previous}. Fix the file or roll back.", EventName = "ERROR_REBIND")]
    private static partial void LogReboundFailed(ILogger logger, string url, string previous);

    [LoggerMessage(3, LogLevel.Information, "mcp-server stopped.", EventName = "SERVER_STOPPED")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(6, LogLevel.Information, "Connection {ConnectionId} opened from {ClientAddress}.", EventName = "CONNECTION_OPENED")]
    private static partial void LogConnectionOpened(ILogger logger, string connectionId, string clientAddress);

    [LoggerMessage(7, LogLevel.Information, "Connection {ConnectionId} from {ClientAddress} closed after {DurationMs:0} ms.", EventName = "CONNECTION_CLOSED")]
    private static partial void LogConnectionClosed(ILogger logger, string connectionId, string clientAddress, double durationMs);

    // The same event names in stdio mode: an operator greps for one name whatever the transport.
#pragma warning disable SYSLIB1025
    [LoggerMessage(4, LogLevel.Information, "mcp-server {Version} serving MCP on stdin/stdout; catalogues: {Catalogs}.", EventName = "SERVER_STARTED")]
    private static partial void LogStdioStarted(ILogger logger, string version, string catalogs);

    [LoggerMessage(5, LogLevel.Information, "Input ended; mcp-server stopped.", EventName = "SERVER_STOPPED")]
    private static partial void LogStdioStopped(ILogger logger);
#pragma warning restore SYSLIB1025
}
