using System.Net;
using System.Text.Json;
using McpServer.AspNetCore.Security;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>
/// API keys as an operator and a client meet them: keys made with the real CLI, the real server
/// watching the real keys file, raw HTTP showing the exact status, error and challenge for each
/// reason, and the server's whole log searched for the secrets afterwards.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ApiKeyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan s_pickUp = TimeSpan.FromSeconds(10);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-keys-");
    private readonly List<string> _secrets = [];
    private readonly List<ServerProcess> _servers = [];

    private string KeysFile => Path.Combine(_dir.FullName, "keys", "mcp-server.keys.json");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        try
        {
            // Whatever a test did, no secret may appear anywhere in what the server logged.
            foreach (var server in _servers)
            {
                foreach (var line in server.Lines)
                {
                    foreach (var secret in _secrets)
                    {
                        Assert.DoesNotContain(secret[18..], line, StringComparison.Ordinal);
                    }
                }
            }
        }
        finally
        {
            _dir.Delete(recursive: true);
        }
    }

    private async Task<ServerProcess> StartAsync(params string[] args)
    {
        // TRACE: every event the server can write is in the log the secrets are searched in.
        var server = await ServerProcess.StartHttpAsync(output, ["--keys-file", KeysFile, "--log-level", "trace", .. args]);
        _servers.Add(server);
        return server;
    }

    private async Task<(string Id, string Key)> CreateKeyAsync(string name, params string[] extra)
    {
        await using var cli = ServerProcess.Launch(null, ["keys", "create", "--keys-file", KeysFile, "--name", name, "--json", .. extra]);
        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        using var json = JsonDocument.Parse(string.Join('\n', cli.StdoutLines));
        var key = json.RootElement.GetProperty("key").GetString()!;
        _secrets.Add(key);
        return (json.RootElement.GetProperty("id").GetString()!, key);
    }

    private async Task<ServerProcess> KeysCommandAsync(params string[] args)
    {
        var cli = ServerProcess.Launch(null, ["keys", .. args, "--keys-file", KeysFile]);
        await cli.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return cli;
    }

    private static HttpRequestMessage Echo(RawMcpHttp raw, string? key = null, string header = "Authorization")
    {
        var request = raw.PostStateless(1, "tools/call", "\"name\":\"echo\",\"arguments\":{\"text\":\"hi\"}", "echo");
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(header, header == "Authorization" ? "Bearer " + key : key);
        }

        return request;
    }

    private static HttpRequestMessage WithKey(HttpRequestMessage request, string key)
    {
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        return request;
    }

    private static string Challenge(RawResponse response) => Assert.Single(response.Headers.WwwAuthenticate).ToString();

    [Fact]
    public async Task KeyCreatedWhileRunning_IsRequiredWithinSeconds_AndAcceptedInBothHeaders()
    {
        var server = await StartAsync();
        using var raw = new RawMcpHttp(server.McpUrl!);
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Echo(raw))).Status);

        var (id, key) = await CreateKeyAsync("ci");
        RawResponse? refused = null;
        await Poll.UntilAsync(async () => (refused = await raw.SendAsync(Echo(raw))).Status != HttpStatusCode.OK, s_pickUp, "the server to require the new key");

        refused!.AssertError(HttpStatusCode.Unauthorized, 1002, "missing_credentials");
        Assert.Equal("Bearer realm=\"mcp-server\"", Challenge(refused));
        Assert.Contains("Authorization: Bearer", refused.Message().GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var bearer = await raw.SendAsync(Echo(raw, key));
        Assert.Equal(HttpStatusCode.OK, bearer.Status);
        Assert.Equal("hi", bearer.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Echo(raw, key, "X-API-Key"))).Status);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeysFile));
        Assert.DoesNotContain(key[18..], await File.ReadAllTextAsync(KeysFile), StringComparison.Ordinal);
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("KEYS_LOADED", StringComparison.Ordinal) && l.Contains(KeysFile, StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line: l.Contains('KEYS_LOADED', StringComparison.Ordinal) && l.Con");
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("ERROR_AUTH", StringComparison.Ordinal) && l.Contains("missing_credentials", StringComparison.Ordinal) && l.Contains("127.0.0.1", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line: l.Contains('ERROR_AUTH', StringComparison.Ordinal) && l.Cont");

        await using var list = await KeysCommandAsync("list", "--json");
        var listed = Assert.Single(JsonDocument.Parse(string.Join('\n', list.StdoutLines)).RootElement.EnumerateArray());
        Assert.Equal(id, listed.GetProperty("id").GetString());
        Assert.Equal("active", listed.GetProperty("state").GetString());
        Assert.DoesNotContain(key[18..], string.Join('\n', list.StdoutLines), StringComparison.Ordinal);
        Assert.False(listed.TryGetProperty("hash", out _));
    }

    [Fact]
    public async Task EveryRefusal_HasItsStatusReasonAndChallenge()
    {
        var (id, key) = await CreateKeyAsync("full");
        var (echoId, echoKey) = await CreateKeyAsync("echo-only", "--scope", "tools:call:echo");
        var (revokedId, revokedKey) = await CreateKeyAsync("leaving");
        var server = await StartAsync();
        using var raw = new RawMcpHttp(server.McpUrl!);

        var wrongSecret = key[..^2] + (key[^2] == 'A' ? "BB" : "AA");
        var invalid = await raw.SendAsync(Echo(raw, wrongSecret));
        invalid.AssertError(HttpStatusCode.Unauthorized, 1002, "invalid_credentials");
        Assert.StartsWith("Bearer realm=\"mcp-server\", error=\"invalid_token\", error_description=\"", Challenge(invalid), StringComparison.Ordinal);
        (await raw.SendAsync(Echo(raw, "not-a-key-at-all", "X-API-Key"))).AssertError(HttpStatusCode.Unauthorized, 1002, "invalid_credentials");

        var scoped = await raw.SendAsync(WithKey(raw.PostStateless(2, "tools/call", "\"name\":\"add\",\"arguments\":{\"a\":1,\"b\":2}", "add"), echoKey));
        var error = scoped.AssertError(HttpStatusCode.Forbidden, 1002, "insufficient_scope").GetProperty("error");
        Assert.Equal("tools:call:add", error.GetProperty("data").GetProperty("scope").GetString());
        Assert.Equal(2, scoped.Message().GetProperty("id").GetInt32());
        Assert.StartsWith("Bearer realm=\"mcp-server\", error=\"insufficient_scope\"", Challenge(scoped), StringComparison.Ordinal);
        Assert.EndsWith("scope=\"tools:call:add\"", Challenge(scoped), StringComparison.Ordinal);
        (await raw.SendAsync(WithKey(raw.PostStateless(3, "resources/read", "\"uri\":\"demo://readme\"", "demo://readme"), echoKey)))
            .AssertError(HttpStatusCode.Forbidden, 1002, "insufficient_scope");
        var tools = (await raw.SendAsync(WithKey(raw.PostStateless(4, "tools/list", string.Empty), echoKey))).Message().GetProperty("result").GetProperty("tools");
        Assert.Equal(["echo"], tools.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Echo(raw, echoKey))).Status);

        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Echo(raw, revokedKey))).Status);
        await using (var revoke = await KeysCommandAsync("revoke", revokedId))
        {
            Assert.Equal(0, await revoke.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        }

        RawResponse? revoked = null;
        await Poll.UntilAsync(async () => (revoked = await raw.SendAsync(Echo(raw, revokedKey))).Status != HttpStatusCode.OK, s_pickUp, "the revocation to take effect");
        revoked!.AssertError(HttpStatusCode.Unauthorized, 1002, "revoked_credentials");
        Assert.Contains("error=\"invalid_token\"", Challenge(revoked), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Echo(raw, key))).Status);

        // Each refusal is logged with its reason and key id, at INFO: a client's mistake is never logged above it.
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("INFO  ERROR_AUTH", StringComparison.Ordinal) && l.Contains("invalid_credentials (key " + id, StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line: l.Contains('INFO  ERROR_AUTH', StringComparison.Ordinal) && ");
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("INFO  ERROR_AUTH", StringComparison.Ordinal) && l.Contains("revoked_credentials (key " + revokedId, StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line: l.Contains('INFO  ERROR_AUTH', StringComparison.Ordinal) && ");
        Assert.DoesNotContain(server.Lines, l => l.Contains("ERROR_AUTH", StringComparison.Ordinal) && !l.Contains("INFO  ERROR_AUTH", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Lines, l => l.Contains(echoId, StringComparison.Ordinal) && l.Contains("ERROR_AUTH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExpiredKey_Is401ExpiredCredentials()
    {
        // Written as the CLI writes it, with an expiry already past: what a key is once its time has come.
        var (id, key) = ApiKeyFormat.Generate();
        _secrets.Add(key);
        Directory.CreateDirectory(Path.GetDirectoryName(KeysFile)!);
        ApiKeyFile.Write(KeysFile, new ApiKeyFileContent
        {
            Keys = [new ApiKeyRecord { Id = id, Name = "old", Created = DateTimeOffset.UtcNow.AddDays(-2), Expires = DateTimeOffset.UtcNow.AddDays(-1), Scopes = ["tools:call"], Hash = ApiKeyFormat.Hash(key) }],
        });
        var server = await StartAsync();
        using var raw = new RawMcpHttp(server.McpUrl!);

        var expired = await raw.SendAsync(Echo(raw, key));

        expired.AssertError(HttpStatusCode.Unauthorized, 1002, "expired_credentials");
        Assert.Contains("error=\"invalid_token\"", Challenge(expired), StringComparison.Ordinal);
        Assert.Contains(id, expired.Message().GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        await using var list = await KeysCommandAsync("list");
        Assert.Contains(list.StdoutLines, l => l.StartsWith(id, StringComparison.Ordinal) && l.Contains("expired", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rotate_WithOverlap_BothSecretsWork_WithoutOverlap_TheOldStopsAtOnce()
    {
        var (id, first) = await CreateKeyAsync("rotating");
        var server = await StartAsync();
        using var raw = new RawMcpHttp(server.McpUrl!);

        // Wait for the server to re-read the file (KEYS_LOADED), not by retrying the new key: those
        // failures would count against this address.
        var mark = server.LineCount;
        await using var rotate = await KeysCommandAsync("rotate", id, "--overlap", "1h", "--json");
        Assert.Equal(0, await rotate.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        var second = JsonDocument.Parse(string.Join('\n', rotate.StdoutLines)).RootElement.GetProperty("key").GetString()!;
        _secrets.Add(second);
        await Poll.UntilAsync(() => server.LinesSince(mark).Any(l => l.Contains("KEYS_LOADED", StringComparison.Ordinal)), s_pickUp, "the server to read the rotated key");
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Echo(raw, second))).Status);
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Echo(raw, first))).Status);

        mark = server.LineCount;
        await using var again = await KeysCommandAsync("rotate", id, "--json");
        var third = JsonDocument.Parse(string.Join('\n', again.StdoutLines)).RootElement.GetProperty("key").GetString()!;
        _secrets.Add(third);
        await Poll.UntilAsync(() => server.LinesSince(mark).Any(l => l.Contains("KEYS_LOADED", StringComparison.Ordinal)), s_pickUp, "the server to read the second rotation");
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Echo(raw, third))).Status);

        (await raw.SendAsync(Echo(raw, second))).AssertError(HttpStatusCode.Unauthorized, 1002, "invalid_credentials");
        Assert.StartsWith("mcpk_" + id + "_", third, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_AnswersOnlyTheKeyThatCreatedIt()
    {
        var (_, alice) = await CreateKeyAsync("alice");
        var (_, bob) = await CreateKeyAsync("bob");
        var server = await StartAsync();
        using var raw = new RawMcpHttp(server.McpUrl!);

        var init = await raw.SendAsync(WithKey(raw.Post("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"""), alice));
        Assert.Equal(HttpStatusCode.OK, init.Status);
        var session = Assert.Single(init.Headers.GetValues("Mcp-Session-Id"));
        const string Call = """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"mine"}}}""";

        var stolen = await raw.SendAsync(WithKey(raw.Post(Call, session), bob));
        var own = await raw.SendAsync(WithKey(raw.Post(Call, session), alice));

        stolen.AssertError(HttpStatusCode.NotFound, -32001, "session_not_found");
        Assert.Equal(HttpStatusCode.OK, own.Status);
    }

    [Fact]
    public async Task RepeatedFailures_FromOneAddress_Get429_ValidKeysStillServed()
    {
        var (_, key) = await CreateKeyAsync("steady");
        var config = Path.Combine(_dir.FullName, "mcp-server.json");
        await File.WriteAllTextAsync(config, """{ "auth": { "failureLimitPerMinute": 3 } }""");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var server = await StartAsync("--config", config);
        using var raw = new RawMcpHttp(server.McpUrl!);

        for (var i = 0; i < 3; i++)
        {
            (await raw.SendAsync(Echo(raw, "mcpk_000000000000_" + new string('x', 43)))).AssertError(HttpStatusCode.Unauthorized, 1002, "invalid_credentials");
        }

        var throttled = await raw.SendAsync(Echo(raw));
        var valid = await raw.SendAsync(Echo(raw, key));

        throttled.AssertError(HttpStatusCode.TooManyRequests, 1002, "too_many_auth_failures");
        var retryAfter = throttled.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
        Assert.Equal(HttpStatusCode.OK, valid.Status);
    }

    [Fact]
    public async Task LegacySse_AndGetStream_AlsoNeedTheKey()
    {
        var (_, key) = await CreateKeyAsync("legacy");
        var server = await StartAsync();
        using var http = new HttpClient();

        using var sse = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUrl!, "/sse"));
        sse.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        using var refused = await http.SendAsync(sse);
        using var get = new HttpRequestMessage(HttpMethod.Get, server.McpUrl!);
        get.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        using var refusedGet = await http.SendAsync(get);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedGet.StatusCode);
        using var client = Authorized(key);
        await using var session = await LegacySseSession.OpenAsync(client, new Uri(server.BaseUrl!, "/sse"));
        Assert.Equal(HttpStatusCode.Accepted, await session.PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"legacy"}}}"""));
        Assert.Equal("legacy", (await session.ReadMessageAsync()).GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("2025-11-25", "Authorization")]
    [InlineData("2026-07-28", "X-API-Key")]
    public async Task OfficialCSharpSdkClient_WithAKey_CallsTools_WithoutOne_IsRefused(string revision, string header)
    {
        var (_, key) = await CreateKeyAsync("sdk-" + revision);
        var server = await StartAsync();
        var headers = new Dictionary<string, string> { [header] = header == "Authorization" ? "Bearer " + key : key };
        var options = new ModelContextProtocol.Client.McpClientOptions { ProtocolVersion = revision };

        await using (var client = await ModelContextProtocol.Client.McpClient.CreateAsync(
            new ModelContextProtocol.Client.HttpClientTransport(new ModelContextProtocol.Client.HttpClientTransportOptions { Endpoint = server.McpUrl!, TransportMode = ModelContextProtocol.Client.HttpTransportMode.StreamableHttp, AdditionalHeaders = headers }),
            options))
        {
            var tools = await client.ListToolsAsync();
            var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "with a key" });

            Assert.Contains(tools, t => t.Name == "echo");
            Assert.Equal("with a key", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text);
        }

        var refused = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var anonymous = await ModelContextProtocol.Client.McpClient.CreateAsync(
                new ModelContextProtocol.Client.HttpClientTransport(new ModelContextProtocol.Client.HttpClientTransportOptions { Endpoint = server.McpUrl!, TransportMode = ModelContextProtocol.Client.HttpTransportMode.StreamableHttp }),
                new ModelContextProtocol.Client.McpClientOptions { ProtocolVersion = revision });
            await anonymous.ListToolsAsync();
        });
        output.WriteLine($"without a key: {refused.GetType().Name}: {refused.Message}");
        Assert.Contains("401", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_WithKeys_FindsTheServerBehindThemAndCountsTheKeys()
    {
        await CreateKeyAsync("doctor-one");
        var (revokedId, _) = await CreateKeyAsync("doctor-two");
        await using (var revoke = await KeysCommandAsync("revoke", revokedId))
        {
            Assert.Equal(0, await revoke.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        }

        var server = await StartAsync();
        await using var doctor = ServerProcess.Launch(output, "doctor", "--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--keys-file", KeysFile, "--json");
        await doctor.WaitForExitAsync(TimeSpan.FromSeconds(30));

        using var report = JsonDocument.Parse(string.Join("\n", doctor.StdoutLines));
        var checks = report.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("check").GetString()!);
        Assert.True(checks["server reachable"].GetProperty("ok").GetBoolean(), checks["server reachable"].ToString());
        Assert.Contains("requires an API key (HTTP 401, error 1002)", checks["server reachable"].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(checks["authentication"].GetProperty("ok").GetBoolean());
        Assert.Equal($"1 usable API key(s) of 2 in {KeysFile}: every request must present one", checks["authentication"].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task EveryInterface_WithAKey_Starts_WithoutTheExposedWarning()
    {
        var (_, key) = await CreateKeyAsync("lan");
        await using var server = ServerProcess.Launch(output, "--host", "0.0.0.0", "--port", "0", "--keys-file", KeysFile);
        _servers.Add(server);

        var started = await server.WaitForStartedLineAsync();
        var port = new Uri(started[started.IndexOf("http://", StringComparison.Ordinal)..].Split(' ')[0]).Port;
        using var raw = new RawMcpHttp(new Uri($"http://127.0.0.1:{port}/mcp"));

        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(Echo(raw, key))).Status);
        (await raw.SendAsync(Echo(raw))).AssertError(HttpStatusCode.Unauthorized, 1002, "missing_credentials");
        Assert.DoesNotContain(server.Lines, l => l.Contains("SERVER_EXPOSED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AllowLists_FromTheConfigurationFile_ReplaceTheDefaults()
    {
        var config = Path.Combine(_dir.FullName, "mcp-server.json");
        await File.WriteAllTextAsync(config, """{ "server": { "allowedHosts": ["mcp.example.com"], "allowedOrigins": ["https://app.example.com"] } }""");
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var server = await StartAsync("--config", config);
        using var raw = new RawMcpHttp(server.McpUrl!);
        HttpRequestMessage With(string host, string? origin)
        {
            var request = Echo(raw);
            request.Headers.Host = host;
            if (origin is not null)
            {
                request.Headers.TryAddWithoutValidation("Origin", origin);
            }

            return request;
        }

        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(With($"mcp.example.com:{server.Port}", null))).Status);
        Assert.Equal(HttpStatusCode.OK, (await raw.SendAsync(With("mcp.example.com", "https://app.example.com"))).Status);
        (await raw.SendAsync(With($"127.0.0.1:{server.Port}", null))).AssertError(HttpStatusCode.Forbidden, -32000, "host_not_allowed", "Host");
        (await raw.SendAsync(With("mcp.example.com", "https://evil.example"))).AssertError(HttpStatusCode.Forbidden, -32000, "origin_not_allowed", "Origin");
    }

    private static HttpClient Authorized(string key)
    {
        var client = new HttpClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-API-Key", key);
        return client;
    }
}
