using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary><c>mcp-server status</c> asking a running server, and the same with nothing running.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StatusTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-status-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Status_OfARunningServer_ShowsPidListenerConfigVersionSessionsAndMemory()
    {
        var config = Path.Combine(_dir.FullName, "mcp-server.json");
        await File.WriteAllTextAsync(config, """{"limits":{"maxSessions":77}}""");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", config);
        using (var raw = new RawMcpHttp(server.McpUrl!))
        {
            await raw.InitializeAsync();
        }

        var port = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var status = ServerProcess.Launch(output, "status", "--port", port);
        await using var json = ServerProcess.Launch(output, "status", "--port", port, "--json");

        Assert.Equal(0, await status.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var lines = status.StdoutLines;
        Assert.Contains(lines, l => l.StartsWith($"mcp-server ", StringComparison.Ordinal) && l.Contains($"(PID {server.Id}): ready, up ", StringComparison.Ordinal));
        Assert.Contains($"listening on:  http://127.0.0.1:{port}/mcp", lines);
        Assert.Contains(lines, l => l.StartsWith($"configuration: {config} version 1 (hash ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("sessions:      1 of 77; requests in flight 0", StringComparison.Ordinal));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^cpu:           \d+\.\d % of one core since start; {Environment.ProcessorCount} cores$"));
        Assert.Equal(0, await json.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        using var doc = JsonDocument.Parse(string.Join("\n", json.StdoutLines));
        Assert.Equal(server.Id, doc.RootElement.GetProperty("pid").GetInt32());
        Assert.True(doc.RootElement.GetProperty("memory").GetProperty("workingSetBytes").GetInt64() > 1024 * 1024);
        Assert.Equal(JsonValueKind.Number, doc.RootElement.GetProperty("memory").GetProperty("gcCommittedBytes").ValueKind);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^memory:        \d+ MiB working set, \d+ MiB managed heap \(\d+ MiB committed by the GC\); GC \d+/\d+/\d+ \(gen 0/1/2\)$"));
    }

    [Fact]
    public async Task MetricsEvent_ReportsTheIntervalsRequestsLatencyAndErrorsByReason_StatusAgrees()
    {
        var config = Path.Combine(_dir.FullName, "metrics.json");
        await File.WriteAllTextAsync(config, """{"logging":{"metricsIntervalSeconds":1},"server":{"catalogs":["demo"]}}""");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", config);
        using var raw = new RawMcpHttp(server.McpUrl!);
        var session = await raw.InitializeAsync();
        var mark = server.LineCount;
        for (var i = 0; i < 5; i++)
        {
            await raw.PostAsync("{\"jsonrpc\":\"2.0\",\"id\":" + (10 + i) + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"m\"}}}", session);
        }

        await raw.PostAsync("""{"jsonrpc":"2.0","id":99,"method":"tools/call","params":{"name":"no_such_tool"}}""", session);

        await Poll.UntilAsync(() => server.LinesSince(mark).Any(l => l.Contains("METRICS", StringComparison.Ordinal) && l.Contains("unknown_tool 1", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "a METRICS event with the calls");
        var line = server.LinesSince(mark).First(l => l.Contains("METRICS", StringComparison.Ordinal) && l.Contains("unknown_tool 1", StringComparison.Ordinal));
        Assert.Contains(" INFO ", line, StringComparison.Ordinal);
        Assert.Matches(@"Last 1 s: \d+ requests \(\d+\.\d/s\), p50 \d+\.\d\d ms, p99 \d+\.\d\d ms; errors: unknown_tool 1; connections \d+, sessions 1; memory \d+ MiB", line);
        Assert.Matches($@"; CPU \d+\.\d % of one core \({Environment.ProcessorCount} cores\)\.$", line);

        await using var status = ServerProcess.Launch(output, "status", "--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        Assert.Equal(0, await status.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        using var doc = JsonDocument.Parse(string.Join("\n", status.StdoutLines));
        var since = doc.RootElement.GetProperty("metrics").GetProperty("sinceStart");
        Assert.True(since.GetProperty("requests").GetInt64() >= 7, since.ToString());
        Assert.Equal(1, since.GetProperty("errors").GetProperty("unknown_tool").GetInt64());
        var cpu = doc.RootElement.GetProperty("cpu");
        Assert.Equal(Environment.ProcessorCount, cpu.GetProperty("cores").GetInt32());
        Assert.InRange(cpu.GetProperty("percentSinceStart").GetDouble(), 0.1, 100.0 * Environment.ProcessorCount);
        Assert.InRange(cpu.GetProperty("percentLastInterval").GetDouble(), 0.0, 100.0 * Environment.ProcessorCount);
        Assert.Equal(1, cpu.GetProperty("lastIntervalSeconds").GetDouble(), 0.5);
    }

    [LanAddressFact]
    public async Task Status_OfAServerBoundToOneLanAddress_AsksThatAddress_FromTheFlagOrTheConfiguration()
    {
        var address = LanAddressFactAttribute.Address!.ToString();
        var config = Path.Combine(_dir.FullName, "lan.json");
        await File.WriteAllTextAsync(config, "{\"server\":{\"host\":\"" + address + "\"},\"auth\":{\"allowAnonymous\":true}}");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var server = ServerProcess.Launch(output, "--config", config, "--port", "0");
        var port = new Uri(System.Text.RegularExpressions.Regex.Match(await server.WaitForStartedLineAsync(), @"http://\S+/mcp").Value).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var byFlag = ServerProcess.Launch(output, "status", "--host", address, "--port", port);
        await using var byConfig = ServerProcess.Launch(output, "status", "--config", config, "--port", port);
        await using var onLoopback = ServerProcess.Launch(output, "status", "--host", "127.0.0.1", "--port", port);

        Assert.Equal(0, await byFlag.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"listening on:  http://{address}:{port}/mcp", byFlag.StdoutLines);
        Assert.Contains(byFlag.StdoutLines, l => l.Contains($"(PID {server.Id}): ready", StringComparison.Ordinal));
        Assert.Equal(0, await byConfig.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"listening on:  http://{address}:{port}/mcp", byConfig.StdoutLines);
        Assert.Equal(1, await onLoopback.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(onLoopback.StderrLines, l => l.Contains($"no server answers at http://127.0.0.1:{port}/admin/status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdminStatus_RequestThroughAProxy_IsRefused403_EvenFromLoopback()
    {
        await using var server = await ServerProcess.StartHttpAsync(output);
        using var http = new HttpClient();

        foreach (var (header, value) in new[] { ("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=203.0.113.9") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUrl!, "/admin/status"));
            request.Headers.TryAddWithoutValidation(header, value);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("admin_forwarded", doc.RootElement.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(server.BaseUrl!, "/admin/status"))).StatusCode);
    }

    [Fact]
    public async Task Status_WithNothingRunning_Exit1AndPointsToDoctor()
    {
        var port = Ports.Free();

        await using var status = ServerProcess.Launch(output, "status", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(1, await status.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(status.StderrLines, l => l.Contains($"no server answers at http://127.0.0.1:{port}/admin/status", StringComparison.Ordinal) && l.EndsWith($"Run mcp-server doctor --port {port}.", StringComparison.Ordinal));
    }
}
