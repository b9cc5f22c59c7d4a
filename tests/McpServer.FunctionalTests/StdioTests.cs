using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>
/// <c>mcp-server --stdio</c> on the raw wire: newline-delimited JSON-RPC on stdin/stdout, logs on
/// stderr, and a clean exit when stdin closes.
/// </summary>
public sealed partial class StdioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_read = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Request_BeforeInitialize_GetsNotInitialized()
    {
        await using var server = await ServerProcess.StartStdioAsync(output);

        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");
        var answer = await ReadJsonAsync(server);

        Assert.Equal(1, answer.GetProperty("id").GetInt32());
        Assert.Equal(-32600, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("not_initialized", answer.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());

        // ping is allowed before initialize, and the session can still be initialized afterwards.
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""");
        Assert.Equal(JsonValueKind.Object, (await ReadJsonAsync(server)).GetProperty("result").ValueKind);
        await InitializeAsync(server);
        await AssertEchoAsync(server, 3);
    }

    [Fact]
    public async Task Session_FullConversation_StdoutCarriesOnlyJsonRpcAndLogsGoToStderr()
    {
        await using var server = await ServerProcess.StartStdioAsync(output);
        await InitializeAsync(server);
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        var tools = await ReadJsonAsync(server);
        var names = tools.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Subset(names.ToHashSet(), new HashSet<string?> { "add", "echo", "sleep", "time" });

        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":200},"_meta":{"progressToken":"s"}}}""");
        var streamed = new List<JsonElement>();
        do
        {
            streamed.Add(await ReadJsonAsync(server));
        }
        while (!streamed[^1].TryGetProperty("id", out _));

        Assert.Equal(10, streamed.Count(m => m.TryGetProperty("method", out var method) && method.GetString() == "notifications/progress"));
        Assert.Equal("Slept 200 ms.", streamed[^1].GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        await server.WriteLineAsync("this is not json");
        var error = await ReadJsonAsync(server);
        Assert.Equal(1001, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("invalid_json", error.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
        await AssertEchoAsync(server, 4);

        server.CloseStandardInput();
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(10)));

        Assert.NotEmpty(server.StdoutLines);
        foreach (var line in server.StdoutLines)
        {
            using var doc = JsonDocument.Parse(line);
            Assert.Equal("2.0", doc.RootElement.GetProperty("jsonrpc").GetString());
        }

        Assert.Contains(server.StderrLines, l => l.Contains(" SERVER_STARTED ", StringComparison.Ordinal));
        Assert.Contains(server.StderrLines, l => l.Contains(" SERVER_STOPPED ", StringComparison.Ordinal));
        Assert.Contains(server.StderrLines, l => l.Contains(" SESSION_INITIALIZED ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CloseStdin_Idle_ExitsWithZeroWithinFiveSeconds()
    {
        await using var server = await ServerProcess.StartStdioAsync(output);
        await InitializeAsync(server);
        var watch = Stopwatch.StartNew();

        server.CloseStandardInput();
        var code = await server.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"exit took {watch.Elapsed}");
    }

    [Fact]
    public async Task CloseStdin_WithRequestInFlight_AnswersItThenExitsWithZero()
    {
        await using var server = await ServerProcess.StartStdioAsync(output);
        await InitializeAsync(server);

        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":500}}}""");
        server.CloseStandardInput();

        var answer = await ReadJsonAsync(server);
        Assert.Equal(9, answer.GetProperty("id").GetInt32());
        Assert.Equal("Slept 500 ms.", answer.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Cancelled_InFlightSleep_NoResponseAndSessionKeepsServing()
    {
        await using var server = await ServerProcess.StartStdioAsync(output);
        await InitializeAsync(server);

        // With a progress token the sleep reports after a tenth of its time, which proves it is running.
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":"long","method":"tools/call","params":{"name":"sleep","arguments":{"ms":10000},"_meta":{"progressToken":"c"}}}""");
        Assert.Equal("notifications/progress", (await ReadJsonAsync(server)).GetProperty("method").GetString());
        await server.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"long","reason":"test"}}""");
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""");

        // The cancelled call gets no response at all (per spec); the ping is answered.
        JsonElement next;
        do
        {
            next = await ReadJsonAsync(server);
            Assert.False(next.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == "long", $"the cancelled call was answered: {next}");
        }
        while (!next.TryGetProperty("id", out _));

        Assert.Equal(2, next.GetProperty("id").GetInt32());
        await AssertEchoAsync(server, 3);

        // Nothing is left in flight, so end of input ends the process at once instead of after the 10 s sleep.
        var watch = Stopwatch.StartNew();
        server.CloseStandardInput();
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"exit took {watch.Elapsed}: the cancelled sleep was still running");
        Assert.DoesNotContain(server.StdoutLines, l => l.Contains("\"id\":\"long\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancelled_RightAfterItsRequest_IsNeverLost()
    {
        await using var server = await ServerProcess.StartStdioAsync(output);
        await InitializeAsync(server);

        // Each request and its cancellation go out in one write, in order, as a client that gives up at once would send them.
        for (var i = 0; i < 20; i++)
        {
            var id = (100 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await server.WriteLineAsync(
                """{"jsonrpc":"2.0","id":""" + id + ""","method":"tools/call","params":{"name":"sleep","arguments":{"ms":30000}}}""" + "\n" +
                """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":""" + id + "}}");
        }

        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""");
        Assert.Equal(2, (await ReadJsonAsync(server)).GetProperty("id").GetInt32());

        // Every sleep was cancelled, so end of input ends the process at once.
        var watch = Stopwatch.StartNew();
        server.CloseStandardInput();
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"exit took {watch.Elapsed}: a cancellation was lost and its 30 s sleep ran on");
    }

    [Fact]
    public async Task Batch_On2025_11_25Session_GetsBatchNotSupported()
    {
        await using var server = await ServerProcess.StartStdioAsync(output);
        await InitializeAsync(server);

        await server.WriteLineAsync("""[{"jsonrpc":"2.0","id":5,"method":"ping"}]""");
        var answer = await ReadJsonAsync(server);

        Assert.Equal(1001, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("batch_not_supported", answer.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
        await AssertEchoAsync(server, 6);
    }

    [Fact]
    public async Task MalformedLines_EachGetsItsErrorAndNothingIsLoggedAboveInfo()
    {
        await using var server = await ServerProcess.StartStdioAsync(output);
        await InitializeAsync(server);
        var cases = MalformedInput.All.Where(c => c.BodyOnly && c.BodyBytes!.Length > 0).ToList();
        Assert.True(cases.Count >= 20, $"only {cases.Count} body cases");

        var id = 100;
        foreach (var input in cases)
        {
            await server.WriteLineAsync(input.BodyBytes!);
            var answer = await ReadJsonAsync(server);
            Assert.True(answer.TryGetProperty("error", out var error), $"{input.Name}: {answer}");
            Assert.Equal(input.Code, error.GetProperty("code").GetInt32());
            Assert.Equal(input.Reason, error.GetProperty("data").GetProperty("reason").GetString());
            if (input.Field is not null)
            {
                Assert.Equal(input.Field, error.GetProperty("data").GetProperty("field").GetString());
            }

            await AssertEchoAsync(server, id++);
        }

        server.CloseStandardInput();
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(server.StderrLines.Count(l => l.Contains(" ERROR_PARSE ", StringComparison.Ordinal)) >= cases.Count - 1, string.Join(Environment.NewLine, server.StderrLines));
        foreach (var line in server.StderrLines)
        {
            var match = LogLine().Match(line);
            Assert.True(match.Success, $"not a 'TIME LEVEL EVENT message' line on stderr: {line}");
            Assert.True(match.Groups["level"].Value is "TRACE" or "DEBUG" or "INFO", $"a client's mistake was logged at {match.Groups["level"].Value}: {line}");
        }
    }

    [Fact]
    public async Task LineOver4MiB_GetsBodyTooLargeAndNextLineIsServed()
    {
        await using var server = await ServerProcess.StartStdioAsync(output);
        await InitializeAsync(server);
        var huge = new byte[MalformedInput.MaxBody + 1024];
        Array.Fill(huge, (byte)'a');

        await server.WriteLineAsync(huge);
        var answer = await ReadJsonAsync(server);

        Assert.Equal(1001, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("body_too_large", answer.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
        await AssertEchoAsync(server, 2);
    }

    private static async Task InitializeAsync(ServerProcess server, string version = "2025-11-25")
    {
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":""" + JsonSerializer.Serialize(version) + ""","capabilities":{},"clientInfo":{"name":"raw-stdio","version":"1"}}}""");
        var result = await ReadJsonAsync(server);
        Assert.Equal("init", result.GetProperty("id").GetString());
        Assert.Equal(version, result.GetProperty("result").GetProperty("protocolVersion").GetString());
        Assert.Equal("mcp-server", result.GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        await server.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
    }

    private static async Task AssertEchoAsync(ServerProcess server, int id)
    {
        var text = "echo " + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await server.WriteLineAsync("""{"jsonrpc":"2.0","id":""" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ""","method":"tools/call","params":{"name":"echo","arguments":{"text":""" + JsonSerializer.Serialize(text) + "}}}");
        var answer = await ReadJsonAsync(server);
        Assert.Equal(id, answer.GetProperty("id").GetInt32());
        Assert.Equal(text, answer.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    private static async Task<JsonElement> ReadJsonAsync(ServerProcess server)
    {
        var line = await server.ReadStdoutLineAsync(s_read) ?? throw new InvalidOperationException($"stdout closed.{Environment.NewLine}{server.Dump()}");
        try
        {
            return JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"stdout line is not JSON: {line}", ex);
        }
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (?<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s+\S+ ")]
    private static partial Regex LogLine();
}
