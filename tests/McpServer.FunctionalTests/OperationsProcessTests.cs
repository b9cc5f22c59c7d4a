using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>What the operator guide promises around the protocol: slow requests logged, a connection limit that answers 503, the pid file, a second signal.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OperationsProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mcp-ops-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Config(string json)
    {
        var path = Path.Combine(_dir.FullName, "mcp-server.json");
        File.WriteAllText(path, json);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static HttpRequestMessage Call(RawMcpHttp raw, int id, string tool, string arguments) =>
        raw.PostStateless(id, "tools/call", "\"name\":\"" + tool + "\",\"arguments\":" + arguments, tool);

    [Fact]
    public async Task SlowRequest_IsLoggedWithMethodToolAndDuration_FastOnesAreNot()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", Config("""{"limits":{"slowRequestMilliseconds":200}}"""));
        using var raw = new RawMcpHttp(server.McpUrl!);

        await raw.SendAsync(Call(raw, 1, "echo", """{"text":"quick"}"""));
        await raw.SendAsync(Call(raw, 2, "sleep", """{"ms":400}"""));

        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("SLOW_REQUEST", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "SLOW_REQUEST");
        var slow = Assert.Single(server.Lines, l => l.Contains("SLOW_REQUEST", StringComparison.Ordinal));
        Assert.Contains(" WARN ", slow, StringComparison.Ordinal);
        Assert.Contains("tools/call (id 2, tool sleep)", slow, StringComparison.Ordinal);
        Assert.Matches(@"in session stateless on connection [0-9A-Z]+ from 127\.0\.0\.1:\d+ took \d+ ms, over the 200 ms threshold", slow);
    }

    [Fact]
    public async Task ToolTimeout_FromTheConfigFile_CancelsTheCall_ClientGetsToolTimeout_ServerKeepsServing()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", Config("""{"limits":{"toolTimeoutSeconds":1}}"""));
        using var raw = new RawMcpHttp(server.McpUrl!);

        var watch = Stopwatch.StartNew();
        var timedOut = await raw.SendAsync(Call(raw, 3, "sleep", """{"ms":3000}"""));
        watch.Stop();

        var error = timedOut.Message().GetProperty("error");
        Assert.Equal(-32003, error.GetProperty("code").GetInt32());
        Assert.Equal("tool_timeout", error.GetProperty("data").GetProperty("reason").GetString());
        Assert.Contains("did not finish within 1 s", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(2800), $"the answer took {watch.Elapsed}: the call was not cut at the timeout");
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("ERROR_TIMEOUT", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "ERROR_TIMEOUT");
        var line = Assert.Single(server.Lines, l => l.Contains("ERROR_TIMEOUT", StringComparison.Ordinal));
        Assert.Matches(@" INFO  ERROR_TIMEOUT Tool sleep \(tools/call id 3\) in session stateless on connection [0-9A-Z]+ from 127\.0\.0\.1:\d+ timed out after 1 s and was cancelled\.", line);

        var ok = await raw.SendAsync(Call(raw, 4, "echo", """{"text":"after the timeout"}"""));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal("after the timeout", ok.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.False(server.HasExited);
    }

    [Fact]
    public async Task LegacySseAnswer_LoggedAfterItsPostEnded_StillNamesThePostsConnectionAndClient()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--log-level", "debug");
        using var http = new HttpClient();
        await using var session = await LegacySseSession.OpenAsync(http, new Uri(server.BaseUrl!, "/sse"));

        // The POST is answered 202 at once; the answer comes later on the stream, after the POST's context is gone.
        Assert.Equal(HttpStatusCode.Accepted, await session.PostAsync("""{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":300}}}"""));
        Assert.Equal("Slept 300 ms.", (await session.ReadMessageAsync()).GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("MESSAGE_SENT Sent the response to tools/call (id 21,", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "MESSAGE_SENT of the call");
        Assert.Matches(@"Sent the response to tools/call \(id 21, \d+ bytes\) in session \S+ on connection [0-9A-Z]+ from 127\.0\.0\.1:\d+: result after ", server.Lines.First(l => l.Contains("(id 21,", StringComparison.Ordinal) && l.Contains("MESSAGE_SENT", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SseResume_OlderThanTheReplayBuffer_ReplaysWhatIsKept_AndLogsReplayIncomplete()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", Config("""{"limits":{"sseReplayBufferEvents":3}}"""));
        using var raw = new RawMcpHttp(server.McpUrl!);
        var session = await raw.InitializeAsync();
        var full = await raw.PostAsync("""{"jsonrpc":"2.0","id":25,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":200},"_meta":{"progressToken":"p"}}}""", session);
        var events = SseParser.Parse(full.Body).Where(e => e.Data.Length > 0).ToList();
        Assert.True(events.Count > 5, full.Body);
        HttpRequestMessage Resume(string lastEventId)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, server.McpUrl);
            request.Headers.Add("Accept", "text/event-stream");
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("Last-Event-ID", lastEventId);
            return request;
        }

        // Within the buffer: everything after the id comes back, and nothing is logged.
        using (var recent = await SseResponse.SendAsync(raw.Client, Resume(events[^3].Id!)))
        {
            Assert.Equal(events.TakeLast(2).Select(e => e.Id), (await recent.ReadToEndAsync()).Where(e => e.Data.Length > 0).Select(e => e.Id));
        }

        // Older than the buffer: only the 3 kept events come back, and the operator is told.
        using (var late = await SseResponse.SendAsync(raw.Client, Resume(events[0].Id!)))
        {
            Assert.Equal(events.TakeLast(3).Select(e => e.Id), (await late.ReadToEndAsync()).Where(e => e.Data.Length > 0).Select(e => e.Id));
        }

        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("SSE_REPLAY_INCOMPLETE", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "SSE_REPLAY_INCOMPLETE");
        var line = Assert.Single(server.Lines, l => l.Contains("SSE_REPLAY_INCOMPLETE", StringComparison.Ordinal));
        Assert.Contains($" INFO  SSE_REPLAY_INCOMPLETE Session {session} resumed its stream after event {events[0].Id}, but events after it were dropped from the replay buffer (3 events per session, limits.sseReplayBufferEvents); the client gets only what is kept (oldest kept on that stream: {events[^3].Id}).", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionLimit_OneTooMany_Gets503WithJsonRpcBody_AndAnEvent_OthersKeepWorking()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", Config("""{"limits":{"maxConnections":2}}"""));
        using var first = new TcpClient();
        using var second = new TcpClient();
        await first.ConnectAsync(IPAddress.Loopback, server.Port);
        await second.ConnectAsync(IPAddress.Loopback, server.Port);
        await Poll.UntilAsync(() => server.Lines.Count(l => l.Contains("CONNECTION_OPENED", StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(10), "two connections");

        using var third = new TcpClient();
        await third.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = third.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Retry-After: 1", answer, StringComparison.Ordinal);
        Assert.Contains("\"code\":-32000", answer, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"too_many_connections\"", answer, StringComparison.Ordinal);
        // The server logs asynchronously: wait for the line.
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("CONNECTION_REJECTED", StringComparison.Ordinal) && l.Contains("limits.maxConnections", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line: l.Contains('CONNECTION_REJECTED', StringComparison.Ordinal) ");

        // Once one of the first two leaves, a new client is served.
        first.Dispose();
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("CONNECTION_CLOSED", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "a connection to close");
        using var raw = new RawMcpHttp(server.McpUrl!);
        var ok = await raw.SendAsync(Call(raw, 3, "echo", """{"text":"in"}"""));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
    }

    [Fact]
    public async Task SessionsPastTheLimit_Get503AndAnEvent_MemoryStopsGrowing_IdleExpiryFreesThem()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", Config("""{"limits":{"maxSessions":300,"sessionIdleTimeoutSeconds":3}}"""));
        using var raw = new RawMcpHttp(server.McpUrl!);
        for (var i = 0; i < 300; i++)
        {
            await raw.InitializeAsync();
        }

        var atLimit = Rss(server.Id);
        var refused = 0;
        for (var i = 0; i < 600; i++)
        {
            var response = await raw.SendAsync(raw.Post("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"""));
            if (response.Status == HttpStatusCode.ServiceUnavailable)
            {
                response.AssertError(HttpStatusCode.ServiceUnavailable, -32000, "too_many_sessions");
                refused++;
            }
        }

        var pastLimit = Rss(server.Id);
        Assert.Equal(600, refused);
        // The server logs asynchronously: wait for the line.
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("ERROR_SESSION_LIMIT", StringComparison.Ordinal) && l.Contains("300", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line: l.Contains('ERROR_SESSION_LIMIT', StringComparison.Ordinal) ");
        // 600 refused handshakes may not keep memory: allow the allocator's slack, not 600 sessions' worth.
        Assert.True(pastLimit - atLimit < 8 * 1024 * 1024, $"RSS grew from {atLimit / 1024} KiB to {pastLimit / 1024} KiB past the limit");

        // Idle sessions expire, and new ones are accepted again.
        await Poll.UntilAsync(async () => (await raw.SendAsync(raw.Post("""{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"""))).Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), "idle sessions to expire and a new one to be accepted");
    }

    [Fact]
    public async Task MessageBodies_AreLoggedOnlyAtTrace_WithSecretsRedacted()
    {
        await using var trace = await ServerProcess.StartHttpAsync(output, "--log-level", "trace");
        await using var info = await ServerProcess.StartHttpAsync(output);
        foreach (var server in new[] { trace, info })
        {
            using var raw = new RawMcpHttp(server.McpUrl!);
            var ok = await raw.SendAsync(Call(raw, 5, "echo", """{"text":"visible-text","password":"s3cret-value","auth":{"apiKey":"k-987"}}"""));
            Assert.Equal(HttpStatusCode.OK, ok.Status);
        }

        await Poll.UntilAsync(() => trace.Lines.Any(l => l.Contains("MESSAGE_BODY", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "MESSAGE_BODY");
        var body = trace.Lines.First(l => l.Contains("MESSAGE_BODY", StringComparison.Ordinal));
        Assert.Contains("visible-text", body, StringComparison.Ordinal);
        Assert.Contains("\"password\":\"[redacted]\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain(trace.Lines, l => l.Contains("s3cret-value", StringComparison.Ordinal) || l.Contains("k-987", StringComparison.Ordinal));
        Assert.DoesNotContain(info.Lines, l => l.Contains("MESSAGE_BODY", StringComparison.Ordinal) || l.Contains("visible-text", StringComparison.Ordinal));
        await Poll.UntilAsync(() => trace.Lines.Any(l => l.Contains("RESPONSE_BODY", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "RESPONSE_BODY");
        Assert.Contains(trace.Lines, l => l.Contains("RESPONSE_BODY", StringComparison.Ordinal) && l.Contains("visible-text", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ToolConcurrencyAndInFlightLimits_Answer429WithRetryAfter_AndLogLimitReached()
    {
        // DEBUG, so the test can wait until the first call is running before it sends the second.
        await using var server = await ServerProcess.StartHttpAsync(output, "--log-level", "debug", "--config", Config("""{"limits":{"maxConcurrentCallsPerTool":1,"maxInFlightPerSession":1}}"""));
        using var raw = new RawMcpHttp(server.McpUrl!);
        // MESSAGE_RECEIVED is queued just before the call takes its tool slot, on the request's thread: on a
        // loaded machine the logger can print it before that thread runs on, so allow it a moment (the call
        // sleeps 1.5 s).
        async Task Running(string id)
        {
            await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains($"Received tools/call (id {id},", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "call " + id + " to be running");
            await Task.Delay(200);
        }

        // Two stateless calls of one tool at once: the second is refused.
        var first = raw.SendAsync(Call(raw, 1, "sleep", """{"ms":1500}"""));
        await Running("1");
        var busy = await raw.SendAsync(Call(raw, 2, "sleep", """{"ms":10}"""));
        busy.AssertError((HttpStatusCode)429, -32000, "tool_busy");
        Assert.Equal("1", busy.Headers.RetryAfter?.ToString());
        Assert.Equal(HttpStatusCode.OK, (await first).Status);

        // Two requests at once in one session: the second is refused.
        var session = await raw.InitializeAsync();
        var running = raw.PostAsync("""{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":1500}}}""", session);
        await Running("10");
        var crowded = await raw.PostAsync("""{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}""", session);
        crowded.AssertError((HttpStatusCode)429, -32600, "too_many_in_flight");
        Assert.Equal(HttpStatusCode.OK, (await running).Status);

        // The server logs asynchronously: wait for the line.
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains(" INFO  LIMIT_REACHED", StringComparison.Ordinal) && l.Contains("limits.maxConcurrentCallsPerTool", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line: l.Contains(' INFO  LIMIT_REACHED', StringComparison.Ordinal)");
        // The server logs asynchronously: wait for the line.
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains(" INFO  LIMIT_REACHED", StringComparison.Ordinal) && l.Contains("limits.maxInFlightPerSession", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the log line: l.Contains(' INFO  LIMIT_REACHED', StringComparison.Ordinal)");
        await raw.AssertEchoWorksAsync(session);
    }

    private static async Task<SocketError> ConnectErrorAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return SocketError.Success;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }

    private static async Task<int> InFlightAsync(ServerProcess server)
    {
        using var http = new HttpClient();
        using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUrl!, "/admin/status")));
        return doc.RootElement.GetProperty("inFlight").GetInt32();
    }

    private static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS");
    }

    [Fact]
    public async Task PidFile_HoldsThePidWhileServing_AndIsRemovedAtExit()
    {
        var pidFile = Path.Combine(_dir.FullName, "mcp-server.pid");
        await using var server = await ServerProcess.StartHttpAsync(output, "--pid-file", pidFile);

        Assert.Equal(server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), (await File.ReadAllTextAsync(pidFile)).Trim());
        await server.TerminateAsync();
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.False(File.Exists(pidFile), "the pid file must be removed when the server stops");
    }

    [Fact]
    public async Task ShutdownDelay_AfterSigterm_ReadyzAnswers503Draining_CallsAreStillServed_ThenExits0()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", Config("""{"server":{"shutdownDelaySeconds":2}}"""));
        using var raw = new RawMcpHttp(server.McpUrl!);
        using var probe = new HttpClient();

        var watch = Stopwatch.StartNew();
        await server.TerminateAsync();
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("SERVER_DRAINING", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "SERVER_DRAINING");

        using var readyz = await probe.GetAsync(new Uri(server.BaseUrl!, "/readyz"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode);
        Assert.Equal("draining\n", await readyz.Content.ReadAsStringAsync());
        var call = await raw.SendAsync(Call(raw, 8, "echo", """{"text":"served while draining"}"""));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the checks took {watch.Elapsed}, past the delay: they prove nothing");
        Assert.Equal(HttpStatusCode.OK, call.Status);
        Assert.Equal("served while draining", call.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.False(server.HasExited);

        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"exited {watch.Elapsed} after SIGTERM, before the 2 s delay");
        var draining = Assert.Single(server.Lines, l => l.Contains("SERVER_DRAINING", StringComparison.Ordinal));
        Assert.Contains(" INFO  SERVER_DRAINING Draining after SIGTERM: /readyz answers 503 draining; new requests are still served for 2 s (server.shutdownDelaySeconds)", draining, StringComparison.Ordinal);
        Assert.Contains("get up to 30 s to finish (server.drainTimeoutSeconds)", draining, StringComparison.Ordinal);
        Assert.Contains(server.Lines, l => l.Contains("SERVER_STOPPED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DrainTimeout_PassesWithACallRunning_LogsWhatIsCut_RefusesNewConnections_Exits0()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--config", Config("""{"server":{"drainTimeoutSeconds":1}}"""));
        using var raw = new RawMcpHttp(server.McpUrl!);
        var call = raw.SendAsync(Call(raw, 9, "sleep", """{"ms":10000}"""));
        await Poll.UntilAsync(async () => await InFlightAsync(server) == 1, TimeSpan.FromSeconds(10), "the call to be in flight (/admin/status)");

        var watch = Stopwatch.StartNew();
        await server.TerminateAsync();
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("SERVER_DRAINING", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "SERVER_DRAINING");
        // Without a shutdown delay the listener closes at once: new connections are refused (one that
        // races the close may be accepted by the kernel and then reset).
        await Poll.UntilAsync(async () => await ConnectErrorAsync(server.Port) == SocketError.ConnectionRefused, TimeSpan.FromSeconds(1), "a new connection to be refused");

        var code = await server.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"exit took {watch.Elapsed}: the 10 s call was not cut at the 1 s drain timeout");
        Assert.Contains(server.Lines, l => l.Contains("SERVER_DRAINING Draining after SIGTERM: /readyz answers 503 draining and the listener closes now", StringComparison.Ordinal) && l.Contains("(1 now) get up to 1 s", StringComparison.Ordinal));
        var cut = Assert.Single(server.Lines, l => l.Contains("ERROR_DRAIN_TIMEOUT", StringComparison.Ordinal));
        Assert.Contains(" WARN  ERROR_DRAIN_TIMEOUT The drain timeout passed with 1 request(s) still running: they are cut now, after 1 s (server.drainTimeoutSeconds): tools/call (tool sleep) 1.", cut, StringComparison.Ordinal);
        var stopped = server.Lines.ToList().FindIndex(l => l.Contains("SERVER_STOPPED", StringComparison.Ordinal));
        Assert.True(stopped > server.Lines.ToList().IndexOf(cut), "ERROR_DRAIN_TIMEOUT comes before SERVER_STOPPED");
        await Assert.ThrowsAnyAsync<Exception>(() => call);
    }

    [Fact]
    public async Task SecondSigterm_ExitsAtOnce_WithoutWaitingForTheDrain()
    {
        await using var server = await ServerProcess.StartHttpAsync(output, "--log-level", "debug");
        using var raw = new RawMcpHttp(server.McpUrl!);
        var session = await raw.InitializeAsync();
        var call = raw.PostAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":20000}}}""", session);
        await Poll.UntilAsync(() => server.Lines.Any(l => l.Contains("Received tools/call (id 7,", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the call to be running");

        var watch = Stopwatch.StartNew();
        await server.TerminateAsync();
        await Task.Delay(500);
        Assert.False(server.HasExited, "the first SIGTERM drains: the 20 s call is still running");
        await server.TerminateAsync();
        var code = await server.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"exit took {watch.Elapsed}, the drain was not cut short");
        Assert.Equal(1, code);
        Assert.Contains(server.Lines, l => l.Contains("SERVER_ABORTED", StringComparison.Ordinal) && l.Contains("1 request(s) in flight", StringComparison.Ordinal));
        await Assert.ThrowsAnyAsync<Exception>(() => call);
    }
}
