using System.Net;
using System.Text.Json;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>Rate limits from the configuration file, per client and per tool, on the wire and in the metrics.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RateLimitTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-rate-");

    public void Dispose() => _dir.Delete(recursive: true);

    private async Task<ServerProcess> StartAsync(string limits, string? keysFile = null)
    {
        var config = Path.Combine(_dir.FullName, "mcp-server.json");
        await File.WriteAllTextAsync(config, "{ \"limits\": " + limits + " }");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return await ServerProcess.StartHttpAsync(output, "--config", config, "--keys-file", keysFile ?? Path.Combine(_dir.FullName, "none.keys.json"));
    }

    private static HttpRequestMessage Call(RawMcpHttp raw, string tool, string arguments, string? key = null)
    {
        var request = raw.PostStateless(1, "tools/call", "\"name\":\"" + tool + "\",\"arguments\":" + arguments, tool);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("X-API-Key", key);
        }

        return request;
    }

    private static async Task<JsonElement> ErrorsSinceStartAsync(ServerProcess server)
    {
        using var http = new HttpClient();
        using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUrl!, "/admin/status")));
        return status.RootElement.GetProperty("metrics").GetProperty("sinceStart").GetProperty("errors").Clone();
    }

    [Fact]
    public async Task RequestsPerMinutePerClient_OverTheAllowance_Is429RateLimited_OtherClientsGoOn()
    {
        var keysFile = Path.Combine(_dir.FullName, "keys.json");
        async Task<string> Key(string name)
        {
            await using var cli = ServerProcess.Launch(null, "keys", "create", "--keys-file", keysFile, "--name", name, "--json");
            Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            return JsonDocument.Parse(string.Join('\n', cli.StdoutLines)).RootElement.GetProperty("key").GetString()!;
        }

        var first = await Key("first");
        var second = await Key("second");
        await using var server = await StartAsync("""{ "requestsPerMinutePerClient": 3 }""", keysFile);
        using var raw = new RawMcpHttp(server.McpUrl!);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Call(raw, "echo", """{"text":"a"}""", first))).Status);
        }

        var limited = await raw.SendAsync(Call(raw, "echo", """{"text":"a"}""", first));
        var other = await raw.SendAsync(Call(raw, "echo", """{"text":"b"}""", second));

        limited.AssertError(HttpStatusCode.TooManyRequests, -32000, "rate_limited");
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Contains("limits.requestsPerMinutePerClient", limited.Message().GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.Status);
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("INFO  LIMIT_REACHED", StringComparison.Ordinal) && l.Contains("limits.requestsPerMinutePerClient", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line: l.Contains('INFO  LIMIT_REACHED', StringComparison.Ordinal) ");
        Assert.Equal(1, (await ErrorsSinceStartAsync(server)).GetProperty("rate_limited").GetInt64());
        Assert.DoesNotContain(first[18..], string.Join('\n', server.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsPerMinutePerClient_WithoutKeys_CountsPerAddress()
    {
        await using var server = await StartAsync("""{ "requestsPerMinutePerClient": 2 }""");
        using var raw = new RawMcpHttp(server.McpUrl!);

        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Call(raw, "echo", """{"text":"a"}"""))).Status);
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Call(raw, "echo", """{"text":"a"}"""))).Status);
        var limited = await raw.SendAsync(Call(raw, "echo", """{"text":"a"}"""));

        limited.AssertError(HttpStatusCode.TooManyRequests, -32000, "rate_limited");
        Assert.Contains("127.0.0.1", limited.Message().GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolCallsPerMinute_EachToolHasItsOwnAllowance()
    {
        await using var server = await StartAsync("""{ "toolCallsPerMinute": 2 }""");
        using var raw = new RawMcpHttp(server.McpUrl!);

        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Call(raw, "echo", """{"text":"a"}"""))).Status);
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Call(raw, "echo", """{"text":"a"}"""))).Status);
        var limited = await raw.SendAsync(Call(raw, "echo", """{"text":"a"}"""));
        var otherTool = await raw.SendAsync(Call(raw, "add", """{"a":1,"b":2}"""));
        var sessionId = await raw.InitializeAsync();
        var onSession = await raw.PostAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a"}}}""", sessionId);

        var error = limited.AssertError(HttpStatusCode.TooManyRequests, -32000, "tool_rate_limited").GetProperty("error");
        Assert.Equal(1, limited.Message().GetProperty("id").GetInt32());
        var retry = limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
        Assert.InRange(retry, 1, 60);
        Assert.Equal(retry.ToString(System.Globalization.CultureInfo.InvariantCulture), error.GetProperty("data").GetProperty("retryAfterSeconds").GetString());
        Assert.Equal(HttpStatusCode.OK, otherTool.Status);
        onSession.AssertError(HttpStatusCode.TooManyRequests, -32000, "tool_rate_limited");
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("INFO  LIMIT_REACHED", StringComparison.Ordinal) && l.Contains("limits.toolCallsPerMinute", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line: l.Contains('INFO  LIMIT_REACHED', StringComparison.Ordinal) ");
        Assert.Equal(2, (await ErrorsSinceStartAsync(server)).GetProperty("tool_rate_limited").GetInt64());
    }
}
