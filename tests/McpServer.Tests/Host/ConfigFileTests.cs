using System.Text.Json;
using McpServer.Host.Config;

namespace McpServer.Tests.Host;

/// <summary>mcp-server.json: parsing with comments, every problem at once with line:column, suggestions, and the agreement of keys, schema, example and docs.</summary>
public sealed class ConfigFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-config-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Write(string json, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_dir.FullName, "mcp-server.json");
        File.WriteAllText(path, json);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }

        return path;
    }

    private static (ConfigFile? File, List<string> Errors, List<string> Warnings) Load(string path)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        return (ConfigFile.Load(path, errors, warnings), errors, warnings);
    }

    [Fact]
    public void CommentsAndTrailingCommas_AreAccepted_AndValuesRead()
    {
        var path = Write("""
            {
              // where to listen
              "server": { "port": 8080, "catalogs": ["demo", "conformance"], },
              /* limits */
              "limits": { "maxSessions": 50 },
            }
            """);

        var (file, errors, warnings) = Load(path);

        Assert.Empty(errors);
        Assert.Empty(warnings);
        Assert.Equal(8080, file!.GetInteger("server.port"));
        Assert.Equal(["demo", "conformance"], file.GetStrings("server.catalogs")!);
        Assert.Equal(50, ConfigCommands.Limits(file).MaxSessions);
        Assert.Equal(TimeSpan.FromSeconds(60), ConfigCommands.Limits(file).ToolTimeout);
    }

    [Fact]
    public void SyntaxError_NamesFileLineColumnAndWhatWasExpected()
    {
        var path = Write("{\n  \"server\": {\n    \"port\": 3000\n    \"host\": \"x\"\n  }\n}\n");

        var (file, errors, _) = Load(path);

        Assert.Null(file);
        var error = Assert.Single(errors);
        Assert.StartsWith(path + ":4:5: invalid JSON: ", error, StringComparison.Ordinal);
        Assert.Contains("Expected either ','", error, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce_WithPositionKeyPathAndFix()
    {
        var path = Write("""
            {
              "server": { "port": "3000", "catalog": ["demo"] },
              "limits": { "maxSession": 5, "toolTimeoutSeconds": 0 },
              "loging": {},
              "logging": { "level": "loud", "maxSessions": 3, "format": "xml" }
            }
            """);

        var (file, errors, _) = Load(path);

        Assert.Null(file);
        Assert.Equal(
        [
            $"{path}:2:15: server.port must be a whole number, found a string (write it without quotes).",
            $"{path}:2:31: unknown key 'server.catalog'; did you mean 'server.catalogs'?",
            $"{path}:3:15: unknown key 'limits.maxSession'; did you mean 'limits.maxSessions'?",
            $"{path}:3:32: limits.toolTimeoutSeconds is 0; it must be between 1 and 86400.",
            $"{path}:4:3: unknown key 'loging'; did you mean 'logging'?",
            $"{path}:5:16: logging.level is 'loud'; use one of trace, debug, info, warn, error (any case).",
            $"{path}:5:33: unknown key 'logging.maxSessions': 'maxSessions' belongs in 'limits' (limits.maxSessions).",
            $"{path}:5:51: logging.format is 'xml'; use one of text, json.",
        ], errors);
    }

    [Theory]
    [InlineData("""{"server":{"catalogs":[]}}""", "server.catalogs must be a non-empty array of strings")]
    [InlineData("""{"server":{"catalogs":["nope"]}}""", "server.catalogs names 'nope'; use demo, conformance")]
    [InlineData("""{"server":{"port":70000}}""", "server.port is 70000; it must be between 0 and 65535")]
    [InlineData("""{"server":{"port":1.5}}""", "server.port must be a whole number, found a number 1.5")]
    [InlineData("""{"server":5}""", "'server' must be an object of settings, found a number 5")]
    [InlineData("""[1]""", "the configuration must be a JSON object")]
    [InlineData("""{"zzz":1}""", "unknown key 'zzz'; valid keys here: server, logging, limits")]
    public void TypeAndRangeErrors_NameTheKey(string json, string expected)
    {
        var (_, errors, _) = Load(Write(json));

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void NullKeyRing_IsTheDefault_AndAccepted()
    {
        var (file, errors, _) = Load(Write("""{"server":{"keyRing":null},"$schema":"./mcp-server.schema.json"}"""));

        Assert.Empty(errors);
        Assert.Null(file!.GetString("server.keyRing"));
    }

    [Fact]
    public void FileReadableByOthers_GetsAWarningWithTheFix()
    {
        var path = Write("{}", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (file, errors, warnings) = Load(path);

        Assert.NotNull(file);
        Assert.Empty(errors);
        var warning = Assert.Single(warnings);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(path)} is readable by every user on this machine \(owner {Environment.UserName}:\S+, mode 0644\); run: chmod o-rwx {System.Text.RegularExpressions.Regex.Escape(path)}$", warning);
    }

    [Fact]
    public void MissingFile_SaysSo()
    {
        var (_, errors, _) = Load(Path.Combine(_dir.FullName, "absent.json"));

        Assert.Contains("no such file", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_FlagThenEnvThenWorkingDirectory()
    {
        Assert.Null(ConfigFile.Discover(null, null, _dir.FullName));
        var local = Write("{}");

        Assert.Equal(local, ConfigFile.Discover(null, null, _dir.FullName));
        Assert.Equal(Path.Combine(_dir.FullName, "env.json"), ConfigFile.Discover(null, "env.json", _dir.FullName));
        Assert.Equal("/etc/flag.json", ConfigFile.Discover("/etc/flag.json", "env.json", _dir.FullName));
    }

    [Fact]
    public void PublishedSchema_IsTheOneTheKeysGenerate()
    {
        Assert.Equal(ConfigSchema.Generate(), File.ReadAllText(Repo("docs/mcp-server.schema.json")));
    }

    [Fact]
    public void ShippedExample_IsEveryKeyAtItsDefault_AndValid()
    {
        var path = Repo("docs/mcp-server.example.json");
        Assert.Equal(ConfigSchema.Example(), File.ReadAllText(path));

        var (file, errors, _) = Load(path);
        Assert.Empty(errors);
        Assert.Equal(ConfigKeys.All.Count, file!.Keys.Count);

        // The example's values are what an empty file gives.
        Assert.Equal(new McpServer.Host.ServeLimits(), ConfigCommands.Limits(file));
    }

    [Fact]
    public void Docs_ListEveryKeyWithItsDefault()
    {
        var docs = File.ReadAllText(Repo("docs/configuration.md"));

        foreach (var key in ConfigKeys.All)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                ConfigSchema.WriteValue(w, key.Default);
            }

            var value = key.Default is null ? "none" : "`" + (key.Default is string s ? s : System.Text.Encoding.UTF8.GetString(buffer.ToArray())) + "`";
            Assert.Contains($"| `{key.Path}` | {value} |", docs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Defaults_MatchTheEngineDefaults()
    {
        var engine = new McpServer.Engine.McpServerOptions();
        var sessions = new McpServer.Sessions.SessionOptions();
        var http = new McpServer.AspNetCore.McpHttpOptions();
        var limits = new McpServer.Host.ServeLimits();

        Assert.Equal(engine.ToolTimeout, limits.ToolTimeout);
        Assert.Equal(engine.ClientRequestTimeout, limits.ClientRequestTimeout);
        Assert.Equal(engine.MaxInFlightPerSession, limits.MaxInFlightPerSession);
        Assert.Equal(engine.RequestStateLifetime, limits.RequestStateLifetime);
        Assert.Equal(engine.PageSize, limits.PageSize);
        Assert.Equal(engine.SlowRequestThreshold, limits.SlowRequestThreshold);
        Assert.Equal(engine.MaxConcurrentCallsPerTool, limits.MaxConcurrentCallsPerTool);
        Assert.Equal(sessions.MaxSessions, limits.MaxSessions);
        Assert.Equal(sessions.IdleTimeout, limits.SessionIdleTimeout);
        Assert.Equal(http.MaxRequestBodySize, limits.MaxRequestBodyBytes);
        Assert.Equal(http.SseReplayBufferSize, limits.SseReplayBufferEvents);
        Assert.Equal(http.SseKeepAliveInterval, limits.SseKeepAlive);
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

        throw new FileNotFoundException("Not found above the test directory: " + relative);
    }
}
