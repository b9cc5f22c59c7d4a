using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using McpServer.Host.Config;
using McpServer.Host.Logging;

namespace McpServer.Host.Cli;

/// <summary>
/// <c>mcp-server doctor</c>: runs the troubleshooting guide's checks for a configuration (the same
/// <c>--config</c>, <c>--host</c> and <c>--port</c> as serving) and says, for each failure, what to do.
/// </summary>
internal static class Doctor
{
    private sealed record Check(string Name, bool Ok, string Detail, string? Fix);

    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Configuration file, as for serving. Default: MCP_SERVER_CONFIG, else ./mcp-server.json.", HelpName = "PATH" };
        var host = new Option<string>("--host") { Description = "Bind address to check, as for serving. Env: MCP_SERVER_HOST.", HelpName = "ADDR" };
        var port = new Option<int?>("--port") { Description = "Port to check, as for serving. Env: MCP_SERVER_PORT.", HelpName = "N" };
        var keysFile = new Option<string>("--keys-file") { Description = "API keys file, as for serving. Env: MCP_SERVER_KEYS_FILE.", HelpName = "PATH" };
        var allowAnonymous = new Option<bool>("--allow-anonymous") { Description = "As for serving: a bind beyond loopback without API keys is intended (a proxy in front authenticates). Env: MCP_SERVER_ALLOW_ANONYMOUS=true." };
        var json = new Option<bool>("--json") { Description = "Print the results as one JSON object (for scripts) instead of lines." };
        var command = new Command("doctor", "Check a configuration and a running server the way the troubleshooting guide does: configuration syntax and permissions, port, bind address, reachability, authentication, log level, limits. One line per check with the fix for each failure; exit 1 when something is wrong.");
        command.Options.Add(config);
        command.Options.Add(host);
        command.Options.Add(port);
        command.Options.Add(keysFile);
        command.Options.Add(allowAnonymous);
        command.Options.Add(json);
        command.SetAction((result, ct) => RunAsync(result.GetValue(config), result.GetValue(host), result.GetValue(port), result.GetValue(keysFile), result.GetValue(allowAnonymous), result.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? configFlag, string? hostFlag, int? portFlag, string? keysFlag, bool anonymousFlag, bool asJson, CancellationToken cancellationToken)
    {
        var checks = new List<Check>();
        void Report(Check check)
        {
            checks.Add(check);
            if (!asJson)
            {
                // Each line as soon as its check is done: the reachability check can take seconds.
                Console.Out.WriteLine($"{(check.Ok ? "✓" : "✗")} {check.Name}: {check.Detail}{(check.Fix is null ? string.Empty : Environment.NewLine + "    fix: " + check.Fix)}");
            }
        }

        // 1. Configuration file: syntax and permissions.
        var path = ConfigFile.Discover(configFlag, Environment.GetEnvironmentVariable(ConfigKeys.ConfigEnv), Environment.CurrentDirectory);
        ConfigFile? file = null;
        if (path is null)
        {
            Report(new Check("configuration", true, $"no file (looked for --config, {ConfigKeys.ConfigEnv}, ./{ConfigKeys.FileName}); the built-in defaults apply", null));
        }
        else
        {
            var errors = new List<string>();
            var warnings = new List<string>();
            file = ConfigFile.Load(path, errors, warnings);
            Report(file is not null
                ? new Check("configuration", true, $"{path} is valid ({file.Keys.Count} setting(s))", null)
                : new Check("configuration", false, $"{path} has {errors.Count} problem(s); the first: {errors[0]}", $"mcp-server config check --config {path} lists them all"));
            Report(warnings.Count == 0
                ? new Check("configuration permissions", true, $"{path}: {ConfigFile.Describe(path)}, not open to every user", null)
                : new Check("configuration permissions", false, warnings[0], $"chmod o-rwx {path}"));
        }

        var hostText = hostFlag ?? Environment.GetEnvironmentVariable("MCP_SERVER_HOST") ?? file?.GetString("server.host") ?? HostConstants.DefaultHost;
        var portValue = portFlag ?? (int.TryParse(Environment.GetEnvironmentVariable("MCP_SERVER_PORT"), out var envPort) ? (int?)envPort : null) ?? (int?)file?.GetInteger("server.port") ?? HostConstants.DefaultPort;

        // 2. Bind address against this machine's interfaces.
        IPAddress? address = null;
        if (!ServerHost.TryParseAddress(hostText, out var parsed))
        {
            Report(new Check("bind address", false, $"'{hostText}' is not an IP address or 'localhost'", "use 127.0.0.1 (this machine only), 0.0.0.0 (every IPv4 interface) or :: (every interface)"));
        }
        else
        {
            address = parsed;
            var local = IPAddress.IsLoopback(parsed) || parsed.Equals(IPAddress.Any) || parsed.Equals(IPAddress.IPv6Any) || BindFailure.LocalAddresses().Contains(parsed);
            var reach = IPAddress.IsLoopback(parsed) ? "this machine only" : parsed.Equals(IPAddress.Any) || parsed.Equals(IPAddress.IPv6Any) ? "every interface: other machines can connect" : "this interface: other machines on its network can connect";
            Report(local
                ? new Check("bind address", true, $"{hostText} ({reach})", null)
                : new Check("bind address", false, $"{hostText} is not an address of this machine (its addresses: {string.Join(", ", BindFailure.LocalAddresses())}); the server would exit with code 4", "use one of the addresses listed, 127.0.0.1, or 0.0.0.0"));
        }

        // 3. Port: free (nothing running), held by mcp-server, or held by something else.
        var probeHost = address is null || address.Equals(IPAddress.Any) ? IPAddress.Loopback : address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : address;
        var portFree = IsFree(probeHost, portValue);
        var owner = portFree ? null : PortOwner.Describe(portValue);
        if (portValue is < 1 or > 65535)
        {
            Report(new Check("port", false, $"{portValue} is not a port mcp-server can be reached on", "use 1-65535 (3000 by default)"));
        }
        else if (portFree)
        {
            Report(new Check("port", true, $"{portValue} is free: mcp-server can start there (none is running on it)", null));
        }
        else
        {
            var ours = owner!.Contains("(mcp-server)", StringComparison.Ordinal) || owner.Contains("(dotnet)", StringComparison.Ordinal);
            Report(new Check("port", ours, $"{portValue} is in use; {owner}", ours ? null : $"stop that process, or give mcp-server another port (--port N or server.port)"));
        }

        // 4. A server answering there.
        var tls = Environment.GetEnvironmentVariable("MCP_SERVER_TLS_CERT") is { Length: > 0 } || file?.GetString("server.tlsCertificateFile") is { Length: > 0 };
        var url = new UriBuilder(tls ? "https" : "http", probeHost.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + probeHost + "]" : probeHost.ToString(), portValue, HostConstants.McpPath).Uri;
        if (!portFree && portValue is >= 1 and <= 65535)
        {
            var reachable = await ProbeAsync(url, cancellationToken).ConfigureAwait(false);
            // The guide's "clients cannot connect": a server that answers here, but not where the configuration wants it.
            if (reachable.Ok && address is not null && await ListenersAsync(url, cancellationToken).ConfigureAwait(false) is { Count: > 0 } listeners
                && ListenMismatch(address, hostText, listeners) is { } mismatch)
            {
                reachable = new Check("server reachable", false, $"{url} answers, but {mismatch}", $"restart it with --host {hostText} (or server.host in the configuration it runs with)");
            }

            Report(reachable);
        }
        else if (address is not null && !IPAddress.IsLoopback(address) && !IsAny(address) && portValue is >= 1 and <= 65535
            && await ListenersAsync(new UriBuilder(url) { Host = "127.0.0.1" }.Uri, cancellationToken).ConfigureAwait(false) is { Count: > 0 } elsewhere)
        {
            Report(new Check("server reachable", false, $"nothing listens at {url}, but the running server listens on {string.Join(", ", elsewhere.Select(HostOf))} only", $"restart it with --host {hostText} (or server.host in the configuration it runs with)"));
        }
        else
        {
            Report(new Check("server reachable", false, $"nothing listens at {url}", "start it: mcp-server" + (configFlag is null ? string.Empty : " --config " + configFlag)));
        }

        // 5. Authentication: the keys file the server would use, and whether it must have keys.
        var exposed = address is not null && !IPAddress.IsLoopback(address);
        var auth = new AuthSettings(
            Environment.GetEnvironmentVariable("MCP_SERVER_OAUTH_ISSUER") is { Length: > 0 } issuer ? issuer : file?.GetString("auth.oauthIssuer"),
            Environment.GetEnvironmentVariable("MCP_SERVER_OAUTH_AUDIENCE") is { Length: > 0 } audience ? audience : file?.GetString("auth.oauthAudience"),
            anonymousFlag || Environment.GetEnvironmentVariable("MCP_SERVER_ALLOW_ANONYMOUS") is "1" or "true" or "TRUE" or "True" || file?.GetBoolean("auth.allowAnonymous") == true);
        Report(AuthenticationCheck(KeysFileLocation.Resolve(keysFlag, file, path), exposed, hostText, auth));

        // 6. Log level and the limits in force.
        var level = Environment.GetEnvironmentVariable("MCP_LOG_LEVEL") ?? file?.GetString("logging.level") ?? "info";
        Report(LogLevels.TryParse(level, out var parsedLevel)
            ? new Check("log level", true, $"{parsedLevel}{(parsedLevel <= Microsoft.Extensions.Logging.LogLevel.Debug ? " (every message is logged: fine for diagnosis, heavy for production)" : "; MCP_LOG_LEVEL=DEBUG shows every message")}", null)
            : new Check("log level", false, $"'{level}' is not a level", $"use one of {LogLevels.Accepted}"));
        var limits = ConfigCommands.Limits(file);
        Report(new Check("limits", true, $"connections {limits.MaxConnections}, sessions {limits.MaxSessions}, body {limits.MaxRequestBodyBytes / 1024} KiB, in flight per session {limits.MaxInFlightPerSession}, tool timeout {limits.ToolTimeout.TotalSeconds:0} s, idle session {limits.SessionIdleTimeout.TotalMinutes:0} min", null));

        var failed = checks.Count(c => !c.Ok);
        if (asJson)
        {
            using var stream = Console.OpenStandardOutput();
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteBoolean("ok", failed == 0);
            w.WriteStartArray("checks");
            foreach (var c in checks)
            {
                w.WriteStartObject();
                w.WriteString("check", c.Name);
                w.WriteBoolean("ok", c.Ok);
                w.WriteString("detail", c.Detail);
                if (c.Fix is not null)
                {
                    w.WriteString("fix", c.Fix);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.Flush();
            stream.Write("\n"u8);
        }
        else
        {
            Console.Out.WriteLine(failed == 0 ? $"All {checks.Count} checks passed." : $"{failed} of {checks.Count} checks failed.");
        }

        return failed == 0 ? HostConstants.ExitOk : HostConstants.ExitFailure;
    }

    private sealed record AuthSettings(string? OAuthIssuer, string? OAuthAudience, bool AllowAnonymous)
    {
        public bool OAuth => OAuthIssuer is not null && OAuthAudience is not null;
    }

    private static Check AuthenticationCheck(string keysFile, bool exposed, string hostText, AuthSettings auth)
    {
        if ((auth.OAuthIssuer is null) != (auth.OAuthAudience is null))
        {
            return new Check("authentication", false, $"only {(auth.OAuthIssuer is null ? "auth.oauthAudience" : "auth.oauthIssuer")} is set: OAuth needs both, and the server refuses to start (exit 2)", "set auth.oauthIssuer (the authorization server) and auth.oauthAudience (this server's resource URL, e.g. https://mcp.example.com/mcp), or neither");
        }

        var oauth = auth.OAuth ? $"; OAuth access tokens from {auth.OAuthIssuer} for {auth.OAuthAudience} are accepted" : string.Empty;

        McpServer.AspNetCore.Security.ApiKeyFileContent keys;
        try
        {
            keys = McpServer.AspNetCore.Security.ApiKeyFile.Read(keysFile);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return new Check("authentication", false, $"the keys file cannot be read: {ex.Message}", $"restore {keysFile} from a backup, or move it away and create keys again (mcp-server keys create --name NAME)");
        }

        var now = DateTimeOffset.UtcNow;
        var usable = keys.Keys.Count(k => k.Revoked is null && (k.Expires is not { } e || e > now));
        if (keys.Keys.Count == 0)
        {
            if (!exposed)
            {
                return new Check("authentication", true, auth.OAuth
                    ? $"bound to loopback only; no API keys in {keysFile}{oauth}: every request must present a token"
                    : $"bound to loopback only; no API keys in {keysFile}, so none are asked for", null);
            }

            if (auth.OAuth)
            {
                return new Check("authentication", true, $"bound to {hostText}; no API keys in {keysFile}{oauth}: every request must present a token", null);
            }

            return auth.AllowAnonymous
                ? new Check("authentication", true, $"bound to {hostText} without API keys, as auth.allowAnonymous (--allow-anonymous) says: the proxy in front must authenticate; every start logs SERVER_EXPOSED", null)
                : new Check("authentication", false, $"bound to {hostText} with no API keys ({keysFile} holds none): any machine that reaches it can call its tools", "create a key (mcp-server keys create --name NAME) and give it to the clients, or bind to 127.0.0.1");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(keysFile) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            return new Check("authentication", false, $"{keysFile} can be read or written by other users ({ConfigFile.Describe(keysFile)})", $"chmod 600 {keysFile}");
        }

        return usable > 0
            ? new Check("authentication", true, $"{usable} usable API key(s) of {keys.Keys.Count} in {keysFile}{oauth}: every request must present one", null)
            : auth.OAuth
                ? new Check("authentication", true, $"every key in {keysFile} is revoked or expired{oauth}: clients need a token", null)
                : new Check("authentication", false, $"every key in {keysFile} is revoked or expired: no client can connect", "mcp-server keys create --name NAME (or keys rotate ID for an expired one)");
    }

    private static async Task<Check> ProbeAsync(Uri url, CancellationToken cancellationToken)
    {
        // The probe checks that the server answers, not who it is: a certificate for another name is fine here.
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } }) { Timeout = TimeSpan.FromSeconds(5) };
        var body = """{"jsonrpc":"2.0","id":"doctor","method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"mcp-server doctor","version":"1"}}}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2026-07-28");
        request.Headers.TryAddWithoutValidation("Mcp-Method", "server/discover");
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized && text.Contains("\"code\":1002", StringComparison.Ordinal))
            {
                using var readyz = await http.GetAsync(new Uri(url, "/readyz"), cancellationToken).ConfigureAwait(false);
                return new Check("server reachable", readyz.IsSuccessStatusCode, $"{url} answered in {watch.ElapsedMilliseconds} ms and requires an API key (HTTP 401, error 1002); /readyz: {(readyz.IsSuccessStatusCode ? "ready" : "draining")}", readyz.IsSuccessStatusCode ? null : "wait for it to stop and start it again");
            }

            if (!response.IsSuccessStatusCode)
            {
                return new Check("server reachable", false, $"{url} answered HTTP {(int)response.StatusCode}: {Shorten(text)}", "is this an MCP server of revision 2026-07-28? mcp-server answers server/discover");
            }

            using var doc = JsonDocument.Parse(text);
            var info = doc.RootElement.GetProperty("result").GetProperty("_meta").GetProperty("io.modelcontextprotocol/serverInfo");
            using var ready = await http.GetAsync(new Uri(url, "/readyz"), cancellationToken).ConfigureAwait(false);
            return ready.IsSuccessStatusCode
                ? new Check("server reachable", true, $"{url} answered server/discover in {watch.ElapsedMilliseconds} ms ({info.GetProperty("name").GetString()} {info.GetProperty("version").GetString()}); /readyz: ready", null)
                : new Check("server reachable", false, $"{url} answers, but /readyz says {(int)ready.StatusCode}: it is draining (shutting down)", "wait for it to stop and start it again");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new Check("server reachable", false, $"{url} did not answer server/discover: {Shorten(ex.Message)}", "check that the process on that port is mcp-server and that it is not stuck (its log; kill -TERM and restart)");
        }
    }

    // The addresses the running server listens on, from its /admin/status; empty when it does not say.
    private static async Task<IReadOnlyList<IPAddress>> ListenersAsync(Uri mcpUrl, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } }) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri(mcpUrl, "/admin/status"), cancellationToken).ConfigureAwait(false));
            var result = new List<IPAddress>();
            foreach (var listener in doc.RootElement.GetProperty("listeners").EnumerateArray())
            {
                if (Uri.TryCreate(listener.GetString(), UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var a))
                {
                    result.Add(a);
                }
            }

            return result;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>Why the running server's listeners are not what the configuration wants; <see langword="null"/> when they are.</summary>
    internal static string? ListenMismatch(IPAddress wanted, string wantedText, IReadOnlyList<IPAddress> listening)
    {
        var text = string.Join(", ", listening.Select(HostOf));
        if (IPAddress.IsLoopback(wanted))
        {
            return listening.Any(a => !IPAddress.IsLoopback(a))
                ? $"the running server listens on {text}, not on {wantedText} only as the configuration says: other machines can connect to it"
                : null;
        }

        if (IsAny(wanted))
        {
            return listening.Any(IsAny) ? null
                : listening.All(IPAddress.IsLoopback)
                    ? $"the running server listens on {text} only: other machines cannot connect"
                    : $"the running server listens on {text} only, not on every interface as the configuration says";
        }

        return listening.Any(a => a.Equals(wanted) || IsAny(a)) ? null
            : $"the running server listens on {text} only, not on {wantedText}: clients of {wantedText} cannot connect";
    }

    private static bool IsAny(IPAddress a) => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any);

    private static string HostOf(IPAddress a) => a.ToString();

    private static string Shorten(string text) => text.Length > 160 ? text[..160] + "..." : text;

    private static bool IsFree(IPAddress address, int port) => port is >= 1 and <= 65535 && PortOwner.TryBind(address, port) is null;
}
