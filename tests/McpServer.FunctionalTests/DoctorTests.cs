using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary><c>mcp-server doctor</c> against real situations: nothing running, a healthy server, a bad configuration, an exposed bind.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DoctorTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-doctor-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static string P(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task NothingRunning_SaysThePortIsFreeAndHowToStart_Exit1()
    {
        var port = Ports.Free();

        await using var doctor = ServerProcess.Launch(output, "doctor", "--port", P(port));

        Assert.Equal(1, await doctor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var lines = doctor.StdoutLines;
        Assert.Contains($"✓ port: {port} is free: mcp-server can start there (none is running on it)", lines);
        Assert.Contains($"✗ server reachable: nothing listens at http://127.0.0.1:{port}/mcp", lines);
        Assert.Contains("    fix: start it: mcp-server", lines);
        Assert.Equal("1 of 7 checks failed.", lines[^1]);
    }

    [Fact]
    public async Task HealthyServer_EveryCheckPasses_Exit0_AndJsonSaysOk()
    {
        await using var server = await ServerProcess.StartHttpAsync(output);

        await using var doctor = ServerProcess.Launch(output, "doctor", "--port", P(server.Port));
        await using var json = ServerProcess.Launch(output, "doctor", "--port", P(server.Port), "--json");

        Assert.Equal(0, await doctor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(doctor.StdoutLines, l => l.StartsWith($"✓ server reachable: http://127.0.0.1:{server.Port}/mcp answered server/discover in ", StringComparison.Ordinal) && l.EndsWith("/readyz: ready", StringComparison.Ordinal));
        Assert.Contains(doctor.StdoutLines, l => l.StartsWith($"✓ port: {server.Port} is in use; it is held by PID {server.Id} ", StringComparison.Ordinal));
        Assert.Equal("All 7 checks passed.", doctor.StdoutLines[^1]);
        Assert.Equal(0, await json.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        using var report = JsonDocument.Parse(string.Join("\n", json.StdoutLines));
        Assert.True(report.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(7, report.RootElement.GetProperty("checks").GetArrayLength());
    }

    [Fact]
    public async Task BadConfigurationAndExposedBind_AreEachAFailureWithAFix()
    {
        var config = Path.Combine(_dir.FullName, "mcp-server.json");
        await File.WriteAllTextAsync(config, """{"server":{"host":"0.0.0.0","port":"x"}}""");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        await using var doctor = ServerProcess.Launch(output, "doctor", "--config", config, "--host", "0.0.0.0", "--port", P(Ports.Free()), "--json");

        Assert.Equal(1, await doctor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        using var report = JsonDocument.Parse(string.Join("\n", doctor.StdoutLines));
        var checks = report.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("check").GetString()!);
        Assert.False(checks["configuration"].GetProperty("ok").GetBoolean());
        Assert.Contains("server.port must be a whole number", checks["configuration"].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal($"mcp-server config check --config {config} lists them all", checks["configuration"].GetProperty("fix").GetString());
        Assert.False(checks["configuration permissions"].GetProperty("ok").GetBoolean());
        Assert.False(checks["authentication"].GetProperty("ok").GetBoolean());
        Assert.StartsWith("create a key (mcp-server keys create --name NAME)", checks["authentication"].GetProperty("fix").GetString(), StringComparison.Ordinal);
    }

    private async Task<Dictionary<string, JsonElement>> DoctorJsonAsync(string configJson, int port)
    {
        var config = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(config, configJson);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var doctor = ServerProcess.Launch(output, "doctor", "--config", config, "--port", P(port), "--json");
        await doctor.WaitForExitAsync(TimeSpan.FromSeconds(30));
        using var report = JsonDocument.Parse(string.Join("\n", doctor.StdoutLines));
        return report.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("check").GetString()!, c => c.Clone());
    }

    [Fact]
    public async Task EveryInterfaceWithoutKeys_ProtectedByOAuthOrAllowedAnonymous_AuthenticationPasses_HalfAnOAuthSetupFails()
    {
        var port = Ports.Free();

        var oauth = await DoctorJsonAsync("""{"server":{"host":"0.0.0.0"},"auth":{"oauthIssuer":"https://issuer.example.com","oauthAudience":"https://mcp.example.com/mcp"}}""", port);
        var anonymous = await DoctorJsonAsync("""{"server":{"host":"0.0.0.0"},"auth":{"allowAnonymous":true}}""", port);
        var half = await DoctorJsonAsync("""{"server":{"host":"0.0.0.0"},"auth":{"oauthIssuer":"https://issuer.example.com"}}""", port);
        var open = await DoctorJsonAsync("""{"server":{"host":"0.0.0.0"}}""", port);

        Assert.True(oauth["authentication"].GetProperty("ok").GetBoolean(), oauth["authentication"].ToString());
        Assert.Contains("OAuth access tokens from https://issuer.example.com for https://mcp.example.com/mcp are accepted", oauth["authentication"].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(anonymous["authentication"].GetProperty("ok").GetBoolean(), anonymous["authentication"].ToString());
        Assert.Contains("as auth.allowAnonymous (--allow-anonymous) says: the proxy in front must authenticate", anonymous["authentication"].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(half["authentication"].GetProperty("ok").GetBoolean());
        Assert.StartsWith("only auth.oauthIssuer is set: OAuth needs both", half["authentication"].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(open["authentication"].GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task ServerRunningOnLoopback_ConfigurationWantsEveryInterface_SaysSoWithTheFix()
    {
        await using var server = await ServerProcess.StartHttpAsync(output);

        await using var doctor = ServerProcess.Launch(output, "doctor", "--host", "0.0.0.0", "--port", P(server.Port), "--allow-anonymous");

        Assert.Equal(1, await doctor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"✗ server reachable: http://127.0.0.1:{server.Port}/mcp answers, but the running server listens on 127.0.0.1 only: other machines cannot connect", doctor.StdoutLines);
        Assert.Contains("    fix: restart it with --host 0.0.0.0 (or server.host in the configuration it runs with)", doctor.StdoutLines);
        Assert.Equal("1 of 7 checks failed.", doctor.StdoutLines[^1]);
    }

    [Fact]
    public async Task ServerRunningOnEveryInterface_ConfigurationWantsLoopback_SaysSoWithTheFix()
    {
        await using var server = ServerProcess.Launch(output, "--host", "0.0.0.0", "--port", "0", "--allow-anonymous");
        var port = new Uri(System.Text.RegularExpressions.Regex.Match(await server.WaitForStartedLineAsync(), @"http://\S+/mcp").Value).Port;

        await using var doctor = ServerProcess.Launch(output, "doctor", "--port", P(port));

        Assert.Equal(1, await doctor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"✗ server reachable: http://127.0.0.1:{port}/mcp answers, but the running server listens on 0.0.0.0, not on 127.0.0.1 only as the configuration says: other machines can connect to it", doctor.StdoutLines);
        Assert.Contains("    fix: restart it with --host 127.0.0.1 (or server.host in the configuration it runs with)", doctor.StdoutLines);
    }

    [Fact]
    public async Task PortHeldBySomethingThatIsNotAnMcpServer_ServerReachableFails()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        await using var doctor = ServerProcess.Launch(output, "doctor", "--port", P(port));

        Assert.Equal(1, await doctor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(doctor.StdoutLines, l => l.StartsWith($"✗ server reachable: http://127.0.0.1:{port}/mcp did not answer server/discover", StringComparison.Ordinal));
    }
}
