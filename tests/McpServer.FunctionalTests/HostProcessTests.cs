using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>The process around the protocol: start-up line, exit codes, log format, probes, SIGTERM.</summary>
public sealed class HostProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Start_PortZero_LogsServerStartedWithLoopbackUrl()
    {
        await using var server = await ServerProcess.StartHttpAsync(output);

        var started = Assert.Single(server.StdoutLines, l => l.Contains("SERVER_STARTED", StringComparison.Ordinal));
        Assert.Contains($"SERVER_STARTED mcp-server 0.1.0 listening on http://127.0.0.1:{server.Port}/mcp (", started, StringComparison.Ordinal);
        Assert.Contains(" INFO ", started, StringComparison.Ordinal);
        Assert.NotEqual(0, server.Port);
        Assert.Equal("127.0.0.1", server.McpUrl!.Host);
    }

    [Fact]
    public async Task Probes_Running_HealthzAndReadyzAnswer200()
    {
        await using var server = await ServerProcess.StartHttpAsync(output);
        using var http = new HttpClient();

        Assert.Equal("ok\n", await http.GetStringAsync(new Uri(server.BaseUrl!, "/healthz")));
        Assert.Equal("ready\n", await http.GetStringAsync(new Uri(server.BaseUrl!, "/readyz")));
    }

    [Fact]
    public async Task Connection_OpenedAndClosed_LogsBothEventsWithItsAddress()
    {
        await using var server = await ServerProcess.StartHttpAsync(output);
        using (var http = new HttpClient())
        {
            Assert.Equal("ok\n", await http.GetStringAsync(new Uri(server.BaseUrl!, "/healthz")));
        }

        await Poll.UntilAsync(
            () => server.StdoutLines.Any(l => l.Contains(" INFO  CONNECTION_CLOSED ", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10),
            "a CONNECTION_CLOSED line");
        var opened = Assert.Single(server.StdoutLines, l => l.Contains("CONNECTION_OPENED", StringComparison.Ordinal));
        Assert.Contains(" INFO  CONNECTION_OPENED Connection ", opened, StringComparison.Ordinal);
        Assert.Contains("opened from 127.0.0.1:", opened, StringComparison.Ordinal);
        var closed = Assert.Single(server.StdoutLines, l => l.Contains("CONNECTION_CLOSED", StringComparison.Ordinal));
        Assert.Matches(@"closed after \d+ ms\.", closed);
    }

    [Fact]
    public async Task Start_UnknownCatalog_ExitsWithUsageCode2()
    {
        await using var server = ServerProcess.Launch(output, "--port", "0", "--catalog", "nope");

        var code = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, code);
        Assert.Contains(server.StderrLines, l => l.Contains("unknown catalogue 'nope'", StringComparison.Ordinal));
        Assert.DoesNotContain(server.StdoutLines, l => l.Contains("SERVER_STARTED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_PortInUse_ExitsWithCode3AndSaysSo()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;

        await using var server = ServerProcess.Launch(output, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var code = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, code);
        var line = Assert.Single(server.StderrLines);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}: the port is already in use; it is held by PID {Environment.ProcessId}", line, StringComparison.Ordinal);
        Assert.EndsWith("Stop that process, or start mcp-server with --port N.", line, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_AddressNotOfThisMachine_ExitsWithCode4_OneLineSayingWhatToDo()
    {
        // Documentation addresses (RFC 5737): never routed, so not an address of this machine unless someone chose it.
        var local = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address).ToHashSet();
        var foreign = new[] { "203.0.113.77", "198.51.100.77", "10.99.99.99" }.First(a => !local.Contains(IPAddress.Parse(a)));

        await using var server = ServerProcess.Launch(output, "--host", foreign, "--port", "0", "--allow-anonymous");
        var code = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(4, code);
        var line = Assert.Single(server.StderrLines);
        Assert.StartsWith($"mcp-server: cannot listen on {foreign}:0: {foreign} is not an address of this machine (its addresses: ", line, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", line, StringComparison.Ordinal);
        Assert.EndsWith("Bind to one of them, to 127.0.0.1 (this machine only) or to 0.0.0.0 (every interface) with --host ADDR or server.host.", line, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
        Assert.DoesNotContain(server.StdoutLines, l => l.Contains("SERVER_STARTED", StringComparison.Ordinal));
    }

    [PrivilegedPortFact]
    public async Task Start_PrivilegedPortWithoutThePrivilege_ExitsWithCode4_OneLineSayingWhatToDo()
    {
        var port = PrivilegedPortFactAttribute.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var server = ServerProcess.LaunchUnder(output, UnprivilegedFactAttribute.Wrapper, "--host", "127.0.0.1", "--port", port);
        var code = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(4, code);
        var line = Assert.Single(server.StderrLines);
        Assert.StartsWith($"mcp-server: cannot listen on 127.0.0.1:{port}: permission denied: ports below ", line, StringComparison.Ordinal);
        Assert.Contains($"need root or the CAP_NET_BIND_SERVICE capability, and mcp-server runs as user {UnprivilegedFactAttribute.ServerUser}. Use --port ", line, StringComparison.Ordinal);
        Assert.Contains("sudo setcap cap_net_bind_service=+ep ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_PortInUseOnEveryIpv6Interface_NamesTheAddressInBrackets()
    {
        using var blocker = new TcpListener(IPAddress.IPv6Any, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;

        await using var server = ServerProcess.Launch(output, "--host", "::", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--allow-anonymous");

        Assert.Equal(3, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith($"mcp-server: cannot listen on [::]:{port}: the port is already in use; it is held by PID {Environment.ProcessId}", Assert.Single(server.StderrLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogFormatJson_EveryStdoutLineIsAJsonObject()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--log-format", "json");
        using var raw = new RawMcpHttp(server.McpUrl!);
        await raw.PostAsync("not json", await raw.InitializeAsync());
        await Poll.UntilAsync(() => server.StdoutLines.Any(l => l.Contains("ERROR_PARSE", StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "the ERROR_PARSE line");

        foreach (var line in server.StdoutLines)
        {
            using var doc = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }
    }

    [Fact]
    public async Task Sigterm_Idle_ExitsWithZeroAndLogsStopped()
    {
        await using var server = await ServerProcess.StartHttpAsync(output);

        await server.TerminateAsync();
        var code = await server.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(0, code);
        Assert.Contains(server.StdoutLines, l => l.Contains("SERVER_STOPPED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigterm_WithPlainJsonCallInFlight_AnswersTheCallThenExits()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--log-level", "debug");
        using var raw = new RawMcpHttp(server.McpUrl!);
        var session = await raw.InitializeAsync();
        var mark = server.LineCount;
        var call = raw.PostAsync("""{"jsonrpc":"2.0","id":55,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":1500}}}""", session);
        await Poll.UntilAsync(
            () => server.LinesSince(mark).Any(l => l.Contains("MESSAGE_RECEIVED", StringComparison.Ordinal) && l.Contains("tools/call", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10),
            "the server to receive the tools/call");

        await server.TerminateAsync();
        var response = await call;

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Slept 1500 ms.", response.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Sigterm_WithStreamingCallInFlight_FinishesTheCallThenExits()
    {
        await using var server = await ServerProcess.StartHttpAsync(output);
        using var raw = new RawMcpHttp(server.McpUrl!);
        var session = await raw.InitializeAsync();
        using var call = await SseResponse.SendAsync(raw.Client, raw.Post("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":1000},"_meta":{"progressToken":1}}}""", session));
        Assert.True((await call.NextAsync())!.IsPriming());

        await server.TerminateAsync();
        var events = await call.ReadToEndAsync(TimeSpan.FromSeconds(15));

        var last = events.Last(e => e.Data.Length > 0);
        Assert.True(last.IsResponseTo(5), last.Data);
        Assert.Equal("Slept 1000 ms.", last.Json().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Start_OnEveryInterface_WithoutKeys_IsRefused_WithAllowAnonymous_WarnsAtStart()
    {
        var keys = Path.Combine(Path.GetTempPath(), "mcp-none-" + Guid.NewGuid().ToString("N") + ".keys.json");
        await using var refused = ServerProcess.Launch(output, "--host", "0.0.0.0", "--port", "0", "--keys-file", keys);
        await using var server = ServerProcess.Launch(output, "--host", "0.0.0.0", "--port", "0", "--keys-file", keys, "--allow-anonymous");

        Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(refused.StderrLines, l => l.StartsWith("mcp-server: refusing to serve 0.0.0.0:0 without authentication: any machine that reaches it could call its tools. Create an API key first (mcp-server keys create --name NAME --keys-file " + keys + ")", StringComparison.Ordinal)
            && l.Contains("--allow-anonymous", StringComparison.Ordinal));
        Assert.DoesNotContain(refused.Lines, l => l.Contains("SERVER_STARTED", StringComparison.Ordinal));

        var started = await server.WaitForStartedLineAsync();
        Assert.Contains("listening on http://0.0.0.0:", started, StringComparison.Ordinal);
        Assert.Contains("(every IPv4 interface: reachable from other machines)", started, StringComparison.Ordinal);
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("SERVER_EXPOSED", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "SERVER_EXPOSED");
        Assert.Contains(server.Lines, l => l.Contains(" WARN  SERVER_EXPOSED Bound to 0.0.0.0: any machine that can reach this host can call its tools, and no authentication is configured.", StringComparison.Ordinal));
    }

    [LanAddressFact]
    public async Task Start_OnOneLanAddress_StartupLineSaysOnlyThatAddress()
    {
        var address = LanAddressFactAttribute.Address!.ToString();
        await using var server = ServerProcess.Launch(output, "--host", address, "--port", "0", "--allow-anonymous");

        var started = await server.WaitForStartedLineAsync();

        Assert.Contains($"listening on http://{address}:", started, StringComparison.Ordinal);
        Assert.Contains($"(only on {address}: reachable from other machines that can reach this address, not on this machine's other addresses)", started, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnEveryIpv6Interface_StartupLineSaysIpv6AndIpv4()
    {
        await using var server = ServerProcess.Launch(output, "--host", "::", "--port", "0", "--allow-anonymous");

        var started = await server.WaitForStartedLineAsync();

        Assert.Contains("listening on http://[::]:", started, StringComparison.Ordinal);
        Assert.Contains("(every interface, IPv6 and IPv4: reachable from other machines)", started, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DEBUG", true)]
    [InlineData("debug", true)]
    [InlineData("Warn", false)]
    public async Task McpLogLevel_FromTheEnvironment_SetsWhatIsLogged(string level, bool debugShown)
    {
        await using var server = ServerProcess.LaunchWithEnvironment(output, new Dictionary<string, string> { ["MCP_LOG_LEVEL"] = level, ["MCP_SERVER_PORT"] = "0" }, "--catalog", "demo");
        if (level == "Warn")
        {
            // At WARN the start-up line (INFO) is not logged: wait for the port from /proc instead.
            await Poll.UntilAsync(() => server.HasExited || File.Exists($"/proc/{server.Id}/status"), TimeSpan.FromSeconds(5), "the process");
            await Task.Delay(1500);
            Assert.False(server.HasExited);
            Assert.DoesNotContain(server.Lines, l => l.Contains(" INFO ", StringComparison.Ordinal) || l.Contains(" DEBUG ", StringComparison.Ordinal));
            return;
        }

        var started = await server.WaitForStartedLineAsync();
        var url = new Uri(System.Text.RegularExpressions.Regex.Match(started, @"http://\S+/mcp").Value);
        using var raw = new RawMcpHttp(url);
        await raw.InitializeAsync();

        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("MESSAGE_RECEIVED", StringComparison.Ordinal)) == debugShown, TimeSpan.FromSeconds(10), "MESSAGE_RECEIVED at DEBUG");
        var received = server.Lines.First(l => l.Contains("MESSAGE_RECEIVED", StringComparison.Ordinal));
        Assert.Matches(@"Received initialize \(id \S+, \d+ bytes\) in session \S* on connection [0-9A-Z]+ from 127\.0\.0\.1:\d+\.", received);
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("MESSAGE_SENT", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "MESSAGE_SENT");
        Assert.Matches(@"Sent the response to initialize \(id \S+, \d+ bytes\) in session \S+ on connection [0-9A-Z]+ from 127\.0\.0\.1:\d+: result after \d+\.\d\d ms\.", server.Lines.First(l => l.Contains("MESSAGE_SENT", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task PublishedExecutable_RunsAsAProcessNamedMcpServer()
    {
        // The executable the build produces (what operators run), not the test's "dotnet mcp-server.dll".
        string? executable = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && executable is null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "artifacts", "bin", "McpServer", "release", "mcp-server");
            executable = File.Exists(candidate) ? candidate : null;
        }

        Assert.NotNull(executable);
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(executable, ["--port", "0"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        try
        {
            var started = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains("SERVER_STARTED", started, StringComparison.Ordinal);
            Assert.Equal("mcp-server", (await File.ReadAllTextAsync($"/proc/{process.Id}/comm")).Trim());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
