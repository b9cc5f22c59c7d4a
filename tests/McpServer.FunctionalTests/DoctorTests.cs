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
