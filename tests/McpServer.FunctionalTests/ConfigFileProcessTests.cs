using System.Text;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>The configuration file as an operator meets it: the real process started with it, checked, refused.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConfigFileProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-config-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Write(string json, string name = "mcp-server.json")
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, json);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    [Fact]
    public async Task Start_WithConfigFile_ServesItsCatalogueWithItsLimits_FlagsOverrideIt()
    {
        // Port 1 would need privileges: the --port flag that ServerProcess adds (0) must win over the file.
        var path = Write("""
            {
              // the conformance fixtures, two to a page
              "server": { "port": 1, "catalogs": ["conformance"], },
              "limits": { "pageSize": 2 },
            }
            """);

        await using var server = await ServerProcess.StartHttpAsync(output, "--config", path);
        using var raw = new RawMcpHttp(server.McpUrl!);
        var response = await raw.SendAsync(raw.PostStateless(1, "tools/list", string.Empty));

        Assert.Contains(server.Lines, l => l.Contains("SERVER_STARTED", StringComparison.Ordinal) && l.Contains("catalogues: conformance", StringComparison.Ordinal));
        var result = response.Message().GetProperty("result");
        Assert.Equal(2, result.GetProperty("tools").GetArrayLength());
        Assert.True(result.TryGetProperty("nextCursor", out _), "a page size of 2 leaves more tools for the next page");
        Assert.DoesNotContain(server.StderrLines, l => l.Contains("warning", StringComparison.Ordinal));
    }

    [UnprivilegedFact]
    public async Task Start_ConfigFileTheServerUserCannotRead_Exits2_NamesOwnerModeAndUser()
    {
        // The server's user (nobody, when the tests run as root) must reach the directory, not read the file.
        File.SetUnixFileMode(_dir.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
        var path = Write("{}");
        File.SetUnixFileMode(path, UnixFileMode.None);

        await using var server = ServerProcess.LaunchUnder(output, UnprivilegedFactAttribute.Wrapper, "--config", path, "--port", "0");

        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(server.StderrLines, l => System.Text.RegularExpressions.Regex.IsMatch(l,
            $@"^  {System.Text.RegularExpressions.Regex.Escape(path)}: cannot be read: permission denied \(owner \S+:\S+, mode 0000; mcp-server runs as user '{UnprivilegedFactAttribute.ServerUser}'\)\. Make the file readable by that user"));
        Assert.DoesNotContain(server.Lines, l => l.Contains("Exception", StringComparison.Ordinal));
    }

    [UnprivilegedFact]
    public async Task Start_KeyRingTheServerUserCannotWrite_Exits2_NamesTheDirectoryOwnerModeAndUser()
    {
        File.SetUnixFileMode(_dir.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
        var ring = Directory.CreateDirectory(Path.Combine(_dir.FullName, "key-ring")).FullName;
        File.SetUnixFileMode(ring, (UnixFileMode)Convert.ToInt32("555", 8));

        await using var server = ServerProcess.LaunchUnder(output, UnprivilegedFactAttribute.Wrapper, "--key-ring", ring, "--port", "0");

        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Matches(
            $@"^mcp-server: --key-ring '{System.Text.RegularExpressions.Regex.Escape(ring)}' cannot be used: permission denied: {System.Text.RegularExpressions.Regex.Escape(ring)} cannot be written \(owner \S+:\S+, mode 0555; mcp-server runs as user '{UnprivilegedFactAttribute.ServerUser}'\)\. Give a directory this user can create or write",
            Assert.Single(server.StderrLines));
    }

    [Fact]
    public async Task Start_InvalidConfigFile_Exits2ListingEveryProblemWithoutAStackTrace()
    {
        var path = Write("""
            {
              "server": { "port": "3000" },
              "limits": { "maxSession": 5 }
            }
            """);

        await using var server = ServerProcess.Launch(output, "--config", path);
        var code = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, code);
        Assert.Equal(
        [
            $"mcp-server: {path} has 2 problem(s); nothing was started:",
            $"  {path}:2:15: server.port must be a whole number, found a string (write it without quotes).",
            $"  {path}:3:15: unknown key 'limits.maxSession'; did you mean 'limits.maxSessions'?",
        ], server.StderrLines);
        Assert.Empty(server.StdoutLines);
    }

    [Fact]
    public async Task Start_WorldReadableConfig_WarnsOnStderrAndStarts()
    {
        var path = Write("""{"server":{"catalogs":["demo"]}}""");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using var server = await ServerProcess.StartHttpAsync(output, "--config", path);

        Assert.Contains(server.StderrLines, l => l.StartsWith($"mcp-server: warning: {path} is readable by every user on this machine (owner {Environment.UserName}:", StringComparison.Ordinal)
            && l.EndsWith($", mode 0644); run: chmod o-rwx {path}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_MissingConfigFile_Exits2NamingIt()
    {
        var path = Path.Combine(_dir.FullName, "nowhere.json");

        await using var server = ServerProcess.Launch(output, "--config", path);

        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(server.StderrLines, l => l.Contains(path + ": no such file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfigCheck_ValidFile_Exit0_InvalidFile_Exit1()
    {
        var good = Write("""{"logging":{"level":"DEBUG"}}""", "good.json");
        var bad = Write("{\n  \"logging\": { \"level\": \"loud\" }\n}\n", "bad.json");

        await using var valid = ServerProcess.Launch(output, "config", "check", "--config", good);
        await using var invalid = ServerProcess.Launch(output, "config", "check", "--config", bad);

        Assert.Equal(0, await valid.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"✓ {good}: valid (1 setting(s); every other key has its default).", valid.StdoutLines);
        Assert.Equal(1, await invalid.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"  {bad}:2:16: logging.level is 'loud'; use one of trace, debug, info, warn, error (any case).", invalid.StderrLines);
    }

    [Fact]
    public async Task ConfigSchema_PrintsThePublishedSchema()
    {
        await using var schema = ServerProcess.Launch(output, "config", "schema");

        Assert.Equal(0, await schema.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var printed = string.Join("\n", schema.StdoutLines);
        Assert.StartsWith("{", printed, StringComparison.Ordinal);
        Assert.Contains("\"maxSessions\"", printed, StringComparison.Ordinal);
        Assert.Contains("\"additionalProperties\": false", printed, StringComparison.Ordinal);
    }
}
