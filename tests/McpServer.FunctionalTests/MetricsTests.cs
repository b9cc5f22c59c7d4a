using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>
/// <c>/metrics</c> scraped from the real process after real calls, its access rules with API keys,
/// turning metrics off, and OTLP export of metrics and traces to a collector played by the test.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class MetricsTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-metrics-");

    public void Dispose() => _dir.Delete(recursive: true);

    private const string EchoCall = """{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"echo","arguments":{"text":"m"}}}""";

    [Fact]
    public async Task Scrape_AfterCalls_FindsRequestToolErrorSessionConnectionAndIoSeries()
    {
        await using var server = await ServerProcess.StartHttpAsync(output);
        using var raw = new RawMcpHttp(server.McpUrl!);
        var session = await raw.InitializeAsync();
        for (var i = 0; i < 3; i++)
        {
            (await raw.PostAsync(EchoCall.Replace("ID", (10 + i).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), session)).Message();
        }

        (await raw.SendAsync(raw.PostStateless(20, "tools/call", "\"name\":\"echo\",\"arguments\":{\"text\":\"s\"}", "echo"))).Message();
        (await raw.PostAsync("""{"jsonrpc":"2.0","id":30,"method":"tools/call","params":{"name":"no_such_tool"}}""", session)).AssertError(HttpStatusCode.OK, -32602, "unknown_tool");
        (await raw.PostAsync("""{"jsonrpc":"2.0","id":31,"method":"made/up","params":{}}""", session)).AssertError(HttpStatusCode.OK, -32601, "method_not_found", "method");
        (await raw.PostAsync("""{"jsonrpc":"2.0","id":32,"method":"tools/list"}""")).AssertError(HttpStatusCode.BadRequest, 1001, "missing_session_id", "Mcp-Session-Id");

        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(server.BaseUrl!, "/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine(text);

        Assert.Equal(4, Value(text, "mcp_server_request_duration_seconds_count", ("mcp_method_name", "tools/call"), ("gen_ai_tool_name", "echo"), ("outcome", "ok")));
        Assert.Equal(1, Value(text, "mcp_server_request_duration_seconds_count", ("mcp_method_name", "initialize"), ("outcome", "ok")));
        // A method the server does not know is one series whatever its name, so clients cannot grow the series.
        Assert.Equal(1, Value(text, "mcp_server_request_duration_seconds_count", ("mcp_method_name", "_OTHER"), ("outcome", "error")));
        Assert.DoesNotContain("made/up", text, StringComparison.Ordinal);
        Assert.DoesNotContain("no_such_tool", text, StringComparison.Ordinal);
        Assert.Equal(4, Value(text, "mcp_server_request_duration_seconds_bucket", ("mcp_method_name", "tools/call"), ("gen_ai_tool_name", "echo"), ("le", "+Inf")));
        Assert.Equal(4, Value(text, "mcp_server_tool_calls_total", ("gen_ai_tool_name", "echo"), ("outcome", "ok")));
        Assert.Equal(1, Value(text, "mcp_server_request_errors_total", ("error_type", "unknown_tool"), ("rpc_jsonrpc_error_code", "-32602")));
        Assert.Equal(1, Value(text, "mcp_server_request_errors_total", ("error_type", "method_not_found"), ("rpc_jsonrpc_error_code", "-32601")));
        Assert.Equal(1, Value(text, "mcp_server_request_errors_total", ("error_type", "missing_session_id"), ("rpc_jsonrpc_error_code", "1001")));
        Assert.Equal(1, Value(text, "mcp_server_sessions_active"));
        Assert.Equal(1, Value(text, "mcp_server_sessions_opened_total"));
        Assert.True(Value(text, "mcp_server_connections_active") >= 1);
        Assert.True(Value(text, "mcp_server_io_bytes_total", ("network_io_direction", "receive")) > 500);
        Assert.True(Value(text, "mcp_server_io_bytes_total", ("network_io_direction", "transmit")) > 500);
        Assert.True(Value(text, "dotnet_process_memory_working_set_bytes") > 1024 * 1024);

        // Each scrape reads the instruments now: one more call shows up in the next one.
        (await raw.PostAsync(EchoCall.Replace("ID", "40", StringComparison.Ordinal), session)).Message();
        Assert.Equal(5, Value(await http.GetStringAsync(new Uri(server.BaseUrl!, "/metrics")), "mcp_server_tool_calls_total", ("gen_ai_tool_name", "echo"), ("outcome", "ok")));
    }

    [Fact]
    public async Task Scrape_CountsLimitRejectionsAndConfigReloads()
    {
        var config = Path.Combine(_dir.FullName, "mcp-server.json");
        await File.WriteAllTextAsync(config, """{"limits":{"toolCallsPerMinute":2}}""");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", config);
        using var raw = new RawMcpHttp(server.McpUrl!);
        var session = await raw.InitializeAsync();
        for (var i = 0; i < 3; i++)
        {
            await raw.PostAsync(EchoCall.Replace("ID", (10 + i).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), session);
        }

        var mark = server.LineCount;
        await File.WriteAllTextAsync(config, """{"limits":{"toolCallsPerMinute":5}}""");
        await Poll.UntilAsync(() => server.LinesSince(mark).Any(l => l.Contains("CONFIG_APPLIED", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the reload");
        await File.WriteAllTextAsync(config, """{"limits":{"toolCallsPerMinute":"many"}}""");
        await Poll.UntilAsync(() => server.LinesSince(mark).Any(l => l.Contains("ERROR_CONFIG_INVALID", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the refused reload");

        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(server.BaseUrl!, "/metrics"));
        output.WriteLine(text);
        Assert.Equal(1, Value(text, "mcp_server_limit_rejections_total", ("reason", "tool_rate_limited")));
        Assert.Equal(1, Value(text, "mcp_server_request_errors_total", ("error_type", "tool_rate_limited"), ("rpc_jsonrpc_error_code", "-32000")));
        Assert.Equal(2, Value(text, "mcp_server_tool_calls_total", ("gen_ai_tool_name", "echo"), ("outcome", "ok")));
        Assert.Equal(1, Value(text, "mcp_server_tool_calls_total", ("gen_ai_tool_name", "echo"), ("outcome", "error")));
        Assert.Equal(1, Value(text, "mcp_server_config_reloads_total", ("outcome", "applied")));
        Assert.Equal(1, Value(text, "mcp_server_config_reloads_total", ("outcome", "invalid")));

        // The shipped dashboard queries only series this server exports (all of them exist by now).
        var dashboard = await File.ReadAllTextAsync(Repo("deploy/observability/grafana-dashboard.json"));
        using var parsed = JsonDocument.Parse(dashboard);
        var queried = MetricName().Matches(dashboard).Select(m => m.Value).Distinct().ToList();
        Assert.True(queried.Count >= 10, string.Join(", ", queried));
        foreach (var metric in queried)
        {
            // A runtime gauge read before the first garbage collection has its TYPE line and no value yet.
            var series = metric.EndsWith("_bucket", StringComparison.Ordinal) || metric.EndsWith("_count", StringComparison.Ordinal) ? metric[..metric.LastIndexOf('_')] : metric;
            Assert.True(text.Contains("\n" + metric + "{", StringComparison.Ordinal) || text.Contains("# TYPE " + series + " ", StringComparison.Ordinal), $"the dashboard queries {metric}, which /metrics does not have");
        }

        var scrape = await File.ReadAllTextAsync(Repo("deploy/observability/prometheus.yml"));
        Assert.Contains("metrics_path: /metrics", scrape, StringComparison.Ordinal);
        Assert.Contains("--scope admin", scrape, StringComparison.Ordinal);
    }

    private static string Repo(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"\b(?:mcp_server|dotnet)_[a-z_]+")]
    private static partial Regex MetricName();

    [Fact]
    public async Task Scrape_WithApiKeys_NeedsTheAdminScope()
    {
        var keys = Path.Combine(_dir.FullName, "keys.json");
        var admin = await CreateKeyAsync(keys, "ops", "--scope", "admin");
        var client = await CreateKeyAsync(keys, "agent");
        await using var server = await ServerProcess.StartHttpAsync(output, "--keys-file", keys);
        var url = new Uri(server.BaseUrl!, "/metrics");
        using var http = new HttpClient();

        using (var none = await http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("missing_credentials", Reason(await none.Content.ReadAsStringAsync()));
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, url))
        {
            request.Headers.Authorization = new("Bearer", client);
            using var forbidden = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            Assert.Equal("insufficient_scope", Reason(await forbidden.Content.ReadAsStringAsync()));
            Assert.Contains("scope=\"admin\"", forbidden.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, url))
        {
            request.Headers.Authorization = new("Bearer", admin);
            using var ok = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains("mcp_server_request_errors_total", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Liveness and readiness reveal nothing and stay open to probes without a key.
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri(server.BaseUrl!, "/healthz")));
        Assert.Equal("ready\n", await http.GetStringAsync(new Uri(server.BaseUrl!, "/readyz")));
        Assert.DoesNotContain(server.Lines, l => l.Contains(admin, StringComparison.Ordinal) || l.Contains(client, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoMetrics_ServesNoMetricsEndpoint_StatusSaysSo_ToolsStillWork()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--no-metrics");
        using var raw = new RawMcpHttp(server.McpUrl!);
        await raw.AssertEchoWorksAsync(await raw.InitializeAsync());
        using var http = new HttpClient();
        using var metrics = await http.GetAsync(new Uri(server.BaseUrl!, "/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);

        await using var status = ServerProcess.Launch(output, "status", "--port", server.Port.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, await status.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("requests:      not recorded (telemetry.metrics is false)", status.StdoutLines);
    }

    [Fact]
    public async Task Otlp_ExportsMetricsAndOneSpanPerRequest_ParentFromTheHeaderOrMeta()
    {
        using var collector = new OtlpCollector();
        var config = Path.Combine(_dir.FullName, "otlp.json");
        await File.WriteAllTextAsync(config, $$$"""{"telemetry":{"otlpEndpoint":"{{{collector.Url}}}","otlpProtocol":"http/protobuf","otlpExportIntervalSeconds":1}}""");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var server = ServerProcess.LaunchWithEnvironment(
            output, new Dictionary<string, string> { ["OTEL_BSP_SCHEDULE_DELAY"] = "200", ["OTEL_SERVICE_NAME"] = "mcp-under-test" },
            "--host", "127.0.0.1", "--port", "0", "--config", config);
        var started = await server.WaitForStartedLineAsync();
        var mcpUrl = new Uri(UrlPattern().Match(started).Value);
        using var raw = new RawMcpHttp(mcpUrl);
        var session = await raw.InitializeAsync();

        // The client's trace context in the W3C header...
        const string HeaderTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string HeaderParent = "00f067aa0ba902b7";
        var request = raw.Post(EchoCall.Replace("ID", "10", StringComparison.Ordinal), session);
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{HeaderTrace}-{HeaderParent}-01");
        (await raw.SendAsync(request)).Message();

        // ...or in params._meta, which wins over the header.
        const string MetaTrace = "0af7651916cd43dd8448eb211c80319c";
        const string MetaParent = "b7ad6b7169203331";
        var stateless = raw.PostStateless(
            """{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},"_meta":{"traceparent":"00-""" + MetaTrace + "-" + MetaParent + """-01","io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""",
            "tools/call", "add");
        stateless.Headers.TryAddWithoutValidation("traceparent", $"00-{HeaderTrace}-{HeaderParent}-01");
        (await raw.SendAsync(stateless)).Message();

        await Poll.UntilAsync(() => collector.Received("/v1/traces", Convert.FromHexString(MetaTrace)) && collector.Received("/v1/traces", Convert.FromHexString(HeaderTrace)), TimeSpan.FromSeconds(15), "both spans at the collector");
        var echoSpan = collector.BodiesWith("/v1/traces", Convert.FromHexString(HeaderTrace));
        Assert.Contains(echoSpan, b => Contains(b, Convert.FromHexString(HeaderParent)) && Contains(b, "tools/call echo"u8) && Contains(b, "mcp.session.id"u8));
        var addSpan = collector.BodiesWith("/v1/traces", Convert.FromHexString(MetaTrace));
        Assert.Contains(addSpan, b => Contains(b, Convert.FromHexString(MetaParent)) && Contains(b, "tools/call add"u8) && Contains(b, "2026-07-28"u8));
        Assert.Contains(collector.Bodies("/v1/traces"), b => Contains(b, "mcp-under-test"u8));

        await Poll.UntilAsync(() => collector.Bodies("/v1/metrics").Any(b => Contains(b, "mcp.server.request.duration"u8) && Contains(b, "mcp.server.tool.calls"u8)), TimeSpan.FromSeconds(15), "metrics at the collector");
    }

    [Theory]
    [InlineData("collector:4317")]
    [InlineData("ftp://collector:4317")]
    public async Task Otlp_EndpointThatIsNoUrl_Exit2WithOneLineSayingWhatToGive(string endpoint)
    {
        await using var server = ServerProcess.Launch(output, "--host", "127.0.0.1", "--port", "0", "--otlp-endpoint", endpoint);
        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([$"mcp-server: telemetry.otlpEndpoint '{endpoint}' is not an http:// or https:// URL. Give the collector's address, e.g. http://collector:4317 (grpc) or http://collector:4318 (http/protobuf), or leave it unset."], server.StderrLines);
    }

    private static async Task<string> CreateKeyAsync(string keysFile, string name, params string[] extra)
    {
        await using var cli = ServerProcess.Launch(null, ["keys", "create", "--keys-file", keysFile, "--name", name, "--json", .. extra]);
        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        using var json = JsonDocument.Parse(string.Join('\n', cli.StdoutLines));
        return json.RootElement.GetProperty("key").GetString()!;
    }

    private static string? Reason(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("error").GetProperty("data").GetProperty("reason").GetString();
    }

    private static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>The value of the one series of <paramref name="metric"/> that has all <paramref name="labels"/> (0 when none has).</summary>
    private static double Value(string exposition, string metric, params (string Name, string Value)[] labels)
    {
        var matches = exposition.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(l => labels.All(p => l.Contains($"{p.Name}=\"{p.Value}\"", StringComparison.Ordinal)))
            .ToList();
        Assert.True(matches.Count <= 1, $"{matches.Count} series of {metric} match: {string.Join(" | ", matches)}");
        return matches.Count == 0 ? 0 : double.Parse(matches[0][(matches[0].LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"https?://[^\s/]+/mcp")]
    private static partial Regex UrlPattern();

    /// <summary>An OTLP/HTTP collector on loopback that keeps every protobuf body it is sent.</summary>
    private sealed class OtlpCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<(string Path, byte[] Body)> _bodies = [];
        private readonly Task _loop;

        public OtlpCollector()
        {
            var port = Ports.Free();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public IReadOnlyList<byte[]> Bodies(string path)
        {
            lock (_bodies)
            {
                return _bodies.Where(b => b.Path == path).Select(b => b.Body).ToList();
            }
        }

        public IReadOnlyList<byte[]> BodiesWith(string path, byte[] needle) => Bodies(path).Where(b => Contains(b, needle)).ToList();

        public bool Received(string path, byte[] needle) => BodiesWith(path, needle).Count > 0;

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                lock (_bodies)
                {
                    _bodies.Add((context.Request.Url!.AbsolutePath, body.ToArray()));
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
