using System.Diagnostics;
using System.Net;
using System.Text;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>
/// Hot reload and rollback against the real process: a valid change applies within seconds, an
/// invalid one is refused with ERROR_CONFIG_INVALID while the old configuration keeps serving,
/// rollback restores a recorded version, and a client calling tools throughout sees no failure.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConfigReloadTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-reload-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string ConfigPath => Path.Combine(_dir.FullName, "mcp-server.json");

    private void WriteConfig(string json)
    {
        // As an editor saves: a new file renamed over the old one.
        var temp = ConfigPath + ".new";
        File.WriteAllText(temp, json);
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, ConfigPath, overwrite: true);
    }

    private static string Config(int pageSize, string level = "info") =>
        "{ \"server\": { \"catalogs\": [\"conformance\", \"demo\"] }, \"logging\": { \"level\": \"" + level + "\" }, \"limits\": { \"pageSize\": " + pageSize + " } }";

    private static HttpRequestMessage Stateless(RawMcpHttp raw, long id, string method, string parameters, string? name = null) =>
        raw.PostStateless(id, method, parameters, name);

    private static async Task<int> PageLengthAsync(RawMcpHttp raw) =>
        (await raw.SendAsync(Stateless(raw, 1, "tools/list", string.Empty))).Message().GetProperty("result").GetProperty("tools").GetArrayLength();

    private static Task WaitForLineAsync(ServerProcess server, int mark, string text) =>
        Poll.UntilAsync(() => server.LinesSince(mark).Any(l => l.Contains(text, StringComparison.Ordinal)), TimeSpan.FromSeconds(10), text);

    [Fact]
    public async Task ReloadRejectedReloadRollbackAndSigterm_ApplyAsLogged_AndNoCallFails()
    {
        // DEBUG throughout, so step 4 can see its calls arrive before it sends SIGTERM.
        WriteConfig(Config(2, "debug"));
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", ConfigPath);
        using var raw = new RawMcpHttp(server.McpUrl!);
        await WaitForLineAsync(server, 0, "CONFIG_LOADED");
        Assert.Contains(server.Lines, l => l.Contains("CONFIG_LOADED", StringComparison.Ordinal) && l.Contains("version 1", StringComparison.Ordinal));
        Assert.Equal(2, await PageLengthAsync(raw));

        // A client calls echo without pause through everything below.
        using var stop = new CancellationTokenSource();
        var calls = 0;
        var failures = new List<string>();
        var caller = Task.Run(async () =>
        {
            using var client = new RawMcpHttp(server.McpUrl!);
            for (long id = 100; !stop.IsCancellationRequested; id++)
            {
                var response = await client.SendAsync(Stateless(client, id, "tools/call", "\"name\":\"echo\",\"arguments\":{\"text\":\"x\"}", "echo"));
                Interlocked.Increment(ref calls);
                if (response.Status != HttpStatusCode.OK || !response.Body.Contains("\"text\":\"x\"", StringComparison.Ordinal))
                {
                    lock (failures)
                    {
                        failures.Add(response.Body);
                    }
                }
            }
        });

        // 1. A valid change applies within about two seconds.
        var mark = server.Lines.Count;
        var watch = Stopwatch.StartNew();
        WriteConfig(Config(3, "debug"));
        await WaitForLineAsync(server, mark, "CONFIG_APPLIED");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"applied after {watch.Elapsed}");
        Assert.Contains(server.LinesSince(mark), l => l.Contains("version 2", StringComparison.Ordinal) && l.Contains("changed: limits.pageSize", StringComparison.Ordinal));
        Assert.Equal(3, await PageLengthAsync(raw));

        // 2. An invalid change is refused; the running configuration stays.
        mark = server.Lines.Count;
        WriteConfig("{ \"limits\": { \"pageSize\": \"many\" }, \"limit\": {} }");
        await WaitForLineAsync(server, mark, "ERROR_CONFIG_INVALID");
        var refused = server.LinesSince(mark).First(l => l.Contains("ERROR_CONFIG_INVALID", StringComparison.Ordinal));
        Assert.Contains("2 problem(s)", refused, StringComparison.Ordinal);
        Assert.Contains("limits.pageSize must be a whole number", refused, StringComparison.Ordinal);
        Assert.Contains("did you mean 'limits'?", refused, StringComparison.Ordinal);
        Assert.Equal(3, await PageLengthAsync(raw));

        // 3. Rollback (to the version before the newest applied one) restores page size 2.
        mark = server.Lines.Count;
        await using (var rollback = ServerProcess.Launch(output, "config", "rollback", "--config", ConfigPath))
        {
            Assert.Equal(0, await rollback.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(rollback.StdoutLines, l => l.StartsWith("Restored version 1 ", StringComparison.Ordinal));
        }

        await WaitForLineAsync(server, mark, "CONFIG_APPLIED");
        Assert.Equal(2, await PageLengthAsync(raw));
        await using (var history = ServerProcess.Launch(output, "config", "history", "--config", ConfigPath))
        {
            Assert.Equal(0, await history.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(history.StdoutLines, l => l.StartsWith("      3  ", StringComparison.Ordinal) && l.EndsWith("<- the file now", StringComparison.Ordinal));
        }

        // 4. SIGTERM with calls in flight: they finish, the process exits 0.
        await stop.CancelAsync();
        await caller;
        // Ids the caller above never reaches, looked for only after this point: the calls must really be in flight.
        var sent = server.LineCount;
        var sleeps = Enumerable.Range(0, 3).Select(i => raw.SendAsync(Stateless(raw, 1_000_000_000 + i, "tools/call", "\"name\":\"sleep\",\"arguments\":{\"ms\":1000}", "sleep"))).ToArray();
        foreach (var id in new[] { 1_000_000_000, 1_000_000_001, 1_000_000_002 })
        {
            await WaitForLineAsync(server, sent, $"Received tools/call (id {id},");
        }

        await server.TerminateAsync();
        foreach (var sleep in sleeps)
        {
            var done = await sleep;
            Assert.Equal(HttpStatusCode.OK, done.Status);
            Assert.Equal("complete", done.Message().GetProperty("result").GetProperty("resultType").GetString());
        }

        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(calls > 20, $"only {calls} calls were made");
        Assert.Empty(failures);
    }

    [Fact]
    public async Task RollbackTo_AChosenVersion_IsAppliedByTheRunningServer_HistoryKeepsServerConfigHistoryVersions()
    {
        static string Kept3(int pageSize) => "{ \"server\": { \"catalogs\": [\"conformance\"], \"configHistory\": 3 }, \"limits\": { \"pageSize\": " + pageSize + " } }";
        WriteConfig(Kept3(2));
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", ConfigPath);
        using var raw = new RawMcpHttp(server.McpUrl!);
        await WaitForLineAsync(server, 0, "CONFIG_LOADED");
        foreach (var (pageSize, version) in new[] { (3, 2), (4, 3), (5, 4) })
        {
            var mark = server.LineCount;
            WriteConfig(Kept3(pageSize));
            await WaitForLineAsync(server, mark, $": version {version}, hash");
        }

        Assert.Equal(5, await PageLengthAsync(raw));
        await using (var history = ServerProcess.Launch(output, "config", "history", "--config", ConfigPath))
        {
            Assert.Equal(0, await history.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            // server.configHistory is 3: version 1 was deleted when version 4 was recorded.
            Assert.Contains($"{ConfigPath}: 3 version(s), newest last", history.StdoutLines);
            Assert.Equal(["2", "3", "4"], history.StdoutLines.Skip(2).Select(l => l.Trim().Split(' ')[0]));
        }

        var before = server.LineCount;
        await using (var rollback = ServerProcess.Launch(output, "config", "rollback", "--to", "2", "--config", ConfigPath))
        {
            Assert.Equal(0, await rollback.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(rollback.StdoutLines, l => l.StartsWith("Restored version 2 (applied ", StringComparison.Ordinal) && l.Contains($"to {ConfigPath}; a running server applies it", StringComparison.Ordinal));
        }

        await WaitForLineAsync(server, before, ": version 5, hash");
        Assert.Equal(3, await PageLengthAsync(raw));
        Assert.Equal(Kept3(3), await File.ReadAllTextAsync(ConfigPath));

        await using var gone = ServerProcess.Launch(output, "config", "rollback", "--to", "1", "--config", ConfigPath);
        Assert.Equal(1, await gone.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(gone.StderrLines, l => l == $"mcp-server: cannot roll back {ConfigPath}: there is no version 1; kept: 3, 4, 5.");
    }

    [Fact]
    public async Task Sighup_RereadsTheFile()
    {
        WriteConfig(Config(2, "debug"));
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", ConfigPath);
        var mark = server.Lines.Count;

        using (var hup = Process.Start(new ProcessStartInfo("kill", ["-HUP", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
        {
            await hup.WaitForExitAsync();
        }

        // The whole suite runs beside this test and loads the machine: the reload may take a while.
        await Poll.UntilAsync(() => server.LinesSince(mark).Any(l => l.Contains("CONFIG_UNCHANGED", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "CONFIG_UNCHANGED after SIGHUP" + Environment.NewLine + server.Dump());
        Assert.Contains(server.LinesSince(mark), l => l.Contains("(SIGHUP)", StringComparison.Ordinal));
        Assert.False(server.HasExited, "SIGHUP must not stop the server");
    }

    [Fact]
    public async Task ChangeOfKeyRing_IsRecordedAndFlaggedForTheNextStart()
    {
        WriteConfig(Config(2));
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", ConfigPath);
        await WaitForLineAsync(server, 0, "CONFIG_LOADED");
        var mark = server.Lines.Count;
        var ring = Path.Combine(_dir.FullName, "ring");

        WriteConfig("{ \"server\": { \"catalogs\": [\"conformance\", \"demo\"], \"keyRing\": \"" + ring + "\" }, \"limits\": { \"pageSize\": 2 } }");

        await WaitForLineAsync(server, mark, "CONFIG_RESTART_REQUIRED");
        Assert.Contains(server.LinesSince(mark), l => l.Contains("CONFIG_RESTART_REQUIRED", StringComparison.Ordinal) && l.Contains("server.keyRing", StringComparison.Ordinal));
        using var raw = new RawMcpHttp(server.McpUrl!);
        Assert.Equal(2, await PageLengthAsync(raw));
    }
}

/// <summary>A reload that moves the port: applied without a restart, or refused whole when the new port is taken.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConfigRebindTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-rebind-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static async Task<HttpStatusCode?> HealthAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"))).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    [Fact]
    public async Task NewPort_IsBoundWithoutRestart_TakenPort_KeepsTheLastGoodConfiguration()
    {
        var path = Path.Combine(_dir.FullName, "mcp-server.json");
        void Write(string json)
        {
            File.WriteAllText(path + ".new", json);
            File.SetUnixFileMode(path + ".new", UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(path + ".new", path, overwrite: true);
        }

        var (first, second) = (Ports.Free(), Ports.Free());
        Write("{\"server\":{\"port\":" + first + "}}");
        await using var server = ServerProcess.Launch(output, "--config", path);
        await server.WaitForStartedLineAsync();
        Assert.Equal(HttpStatusCode.OK, await HealthAsync(first));

        var mark = server.LineCount;
        Write("{\"server\":{\"port\":" + second + "}}");
        await Poll.UntilAsync(() => server.LinesSince(mark).Any(l => l.Contains("CONFIG_APPLIED", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "CONFIG_APPLIED");
        Assert.Contains(server.LinesSince(mark), l => l.Contains("SERVER_REBOUND", StringComparison.Ordinal) && l.Contains($"http://127.0.0.1:{second}/mcp", StringComparison.Ordinal));
        await Poll.UntilAsync(async () => await HealthAsync(second) == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the new port to answer");
        await Poll.UntilAsync(async () => await HealthAsync(first) is null, TimeSpan.FromSeconds(10), "the old port to be released");

        using var squatter = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        mark = server.LineCount;
        Write("{\"server\":{\"port\":" + taken + "},\"limits\":{\"pageSize\":1}}");
        await Poll.UntilAsync(() => server.LinesSince(mark).Any(l => l.Contains("ERROR_CONFIG_APPLY", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "ERROR_CONFIG_APPLY");
        var refused = server.LinesSince(mark).First(l => l.Contains("ERROR_CONFIG_APPLY", StringComparison.Ordinal));
        Assert.Contains($"cannot listen on 127.0.0.1:{taken}: the port is already in use; it is held by PID {Environment.ProcessId}", refused, StringComparison.Ordinal);
        Assert.Contains("stays on the last good configuration, version 2", refused, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await HealthAsync(second));

        // Nothing of the refused version applies: the page size is still the default.
        using var raw = new RawMcpHttp(new Uri($"http://127.0.0.1:{second}/mcp"));
        var session = await raw.InitializeAsync();
        var tools = (await raw.PostAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/list"}""", session)).Message().GetProperty("result").GetProperty("tools");
        Assert.True(tools.GetArrayLength() > 1);
    }
}
