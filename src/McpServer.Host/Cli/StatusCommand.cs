using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using McpServer.Host.Config;

namespace McpServer.Host.Cli;

/// <summary><c>mcp-server status</c>: asks the running server (its loopback-only <c>/admin/status</c>) how it is doing.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Configuration file the server runs with (to find its port). Default: MCP_SERVER_CONFIG, else ./mcp-server.json.", HelpName = "PATH" };
        var host = new Option<string>("--host") { Description = "Address of the running server. Env: MCP_SERVER_HOST. Default: server.host of the configuration, else 127.0.0.1; a server bound to 0.0.0.0 or :: is asked on loopback.", HelpName = "ADDR" };
        var port = new Option<int?>("--port") { Description = "Port of the running server. Env: MCP_SERVER_PORT. Default: server.port of the configuration, else 3000.", HelpName = "N" };
        var json = new Option<bool>("--json") { Description = "Print the server's answer as JSON." };
        var command = new Command("status", "Ask the running server on this machine (on loopback, or on the address it is bound to) for its state: uptime, configuration version, listeners, connections, sessions, requests in flight, memory. Exit 1 when no server answers.");
        command.Options.Add(config);
        command.Options.Add(host);
        command.Options.Add(port);
        command.Options.Add(json);
        command.SetAction(async (result, ct) =>
        {
            var path = ConfigFile.Discover(result.GetValue(config), Environment.GetEnvironmentVariable(ConfigKeys.ConfigEnv), Environment.CurrentDirectory);
            var file = path is null ? null : ConfigFile.Load(path, [], []);
            var p = result.GetValue(port) ?? (int.TryParse(Environment.GetEnvironmentVariable("MCP_SERVER_PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? (int?)e : null) ?? (int?)file?.GetInteger("server.port") ?? HostConstants.DefaultPort;
            // With HTTPS configured the server speaks nothing else; on loopback its certificate need not name 127.0.0.1.
            var tls = Environment.GetEnvironmentVariable("MCP_SERVER_TLS_CERT") is { Length: > 0 } || file?.GetString("server.tlsCertificateFile") is { Length: > 0 };
            var target = AskAt(result.GetValue(host) ?? Environment.GetEnvironmentVariable("MCP_SERVER_HOST") ?? file?.GetString("server.host") ?? HostConstants.DefaultHost);
            if (target is null)
            {
                await Console.Error.WriteLineAsync($"mcp-server: --host '{result.GetValue(host) ?? Environment.GetEnvironmentVariable("MCP_SERVER_HOST") ?? file?.GetString("server.host")}' is not an IP address or 'localhost'; give the address the server is bound to.").ConfigureAwait(false);
                return 2;
            }

            var doctor = $"mcp-server doctor{(target == "127.0.0.1" ? string.Empty : " --host " + target.Trim('[', ']'))} --port {p}";
            var url = new Uri($"{(tls ? "https" : "http")}://{target}:{p.ToString(CultureInfo.InvariantCulture)}/admin/status");
            using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } }) { Timeout = TimeSpan.FromSeconds(5) };
            var asked = url;
            string body;
            try
            {
                HttpResponseMessage response;
                try
                {
                    response = await http.GetAsync(url, ct).ConfigureAwait(false);
                }
                catch (HttpRequestException) when (!tls)
                {
                    // Not told about HTTPS (a --tls-cert flag of the server is not in the configuration): try it.
                    url = new Uri($"https://{target}:{p.ToString(CultureInfo.InvariantCulture)}/admin/status");
                    response = await http.GetAsync(url, ct).ConfigureAwait(false);
                }

                using var answered = response;
                body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    await Console.Error.WriteLineAsync(response.StatusCode == HttpStatusCode.Forbidden && body.Contains("\"reason\":\"admin_", StringComparison.Ordinal)
                        ? $"mcp-server: {url} refused to answer (HTTP 403): {AdminRefusal(body)}"
                        : $"mcp-server: {url} answered HTTP {(int)response.StatusCode}; is the process on port {p} mcp-server? Run {doctor}.").ConfigureAwait(false);
                    return 1;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"mcp-server: no server answers at {asked} ({ex.Message}). Is it running, on that address and port? Run {doctor}.").ConfigureAwait(false);
                return 1;
            }

            if (result.GetValue(json))
            {
                await Console.Out.WriteLineAsync(body).ConfigureAwait(false);
                return 0;
            }

            using var doc = JsonDocument.Parse(body);
            var r = doc.RootElement;
            var configPart = r.GetProperty("config");
            var configText = configPart.GetProperty("path").ValueKind == JsonValueKind.Null
                ? "none (built-in defaults)"
                : $"{configPart.GetProperty("path").GetString()} version {configPart.GetProperty("version").GetInt32()} (hash {configPart.GetProperty("hash").GetString()}, applied {configPart.GetProperty("appliedAt").GetDateTimeOffset().UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)";
            var memory = r.GetProperty("memory");
            var limits = r.GetProperty("limits");
            var uptime = TimeSpan.FromSeconds(r.GetProperty("uptimeSeconds").GetDouble());
            var requests = "not recorded (telemetry.metrics is false)";
            if (r.GetProperty("metrics") is { ValueKind: JsonValueKind.Object } metrics)
            {
                var since = metrics.GetProperty("sinceStart");
                var errors = string.Join(", ", since.GetProperty("errors").EnumerateObject().Select(e => $"{e.Name} {e.Value.GetInt64()}"));
                requests = $"{since.GetProperty("requests").GetInt64()} since start ({since.GetProperty("ratePerSecond").GetDouble():0.0}/s), p50 {since.GetProperty("p50Ms").GetDouble():0.00} ms, p99 {since.GetProperty("p99Ms").GetDouble():0.00} ms; errors: {(errors.Length == 0 ? "none" : errors)}";
            }

            var cpu = r.GetProperty("cpu");
            var cpuText = $"{cpu.GetProperty("percentSinceStart").GetDouble():0.0} % of one core since start"
                + (cpu.TryGetProperty("percentLastInterval", out var recent) ? $", {recent.GetDouble():0.0} % over the last {cpu.GetProperty("lastIntervalSeconds").GetDouble():0} s" : string.Empty)
                + $"; {cpu.GetProperty("cores").GetInt32()} cores";
            await Console.Out.WriteLineAsync($"""
                {r.GetProperty("name").GetString()} {r.GetProperty("version").GetString()} (PID {r.GetProperty("pid").GetInt32()}): {r.GetProperty("state").GetString()}, up {(int)uptime.TotalHours}h {uptime.Minutes}m {uptime.Seconds}s
                listening on:  {string.Join(", ", r.GetProperty("listeners").EnumerateArray().Select(l => l.GetString()))}
                configuration: {configText}; log level {configPart.GetProperty("logLevel").GetString()}
                connections:   {r.GetProperty("connections").GetInt32()} of {limits.GetProperty("maxConnections").GetInt32()}
                sessions:      {r.GetProperty("sessions").GetInt32()} of {limits.GetProperty("maxSessions").GetInt32()}; requests in flight {r.GetProperty("inFlight").GetInt32()}; subscriptions {r.GetProperty("subscriptions").GetInt32()}
                requests:      {requests}
                cpu:           {cpuText}
                memory:        {memory.GetProperty("workingSetBytes").GetInt64() / (1024 * 1024)} MiB working set, {memory.GetProperty("managedHeapBytes").GetInt64() / (1024 * 1024)} MiB managed heap ({(memory.TryGetProperty("gcCommittedBytes", out var committed) ? committed.GetInt64() / (1024 * 1024) : 0)} MiB committed by the GC); GC {memory.GetProperty("gen0Collections").GetInt32()}/{memory.GetProperty("gen1Collections").GetInt32()}/{memory.GetProperty("gen2Collections").GetInt32()} (gen 0/1/2)
                """).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    // Where to ask: the bound address itself, or loopback for a server on every interface.
    private static string? AskAt(string host)
    {
        if (!ServerHost.TryParseAddress(host, out var address))
        {
            return null;
        }

        if (address.Equals(IPAddress.Any))
        {
            return "127.0.0.1";
        }

        if (address.Equals(IPAddress.IPv6Any))
        {
            return "[::1]";
        }

        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
    }

    private static string AdminRefusal(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.GetProperty("error").GetProperty("message").GetString() ?? body;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return body;
        }
    }
}
