using System.Net;
using System.Text.RegularExpressions;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>Its own server, so every log line it captures was caused by this class's requests.</summary>
public sealed class LogLevelServerFixture : ServerFixture
{
    public override IReadOnlyList<string> CatalogArgs => ["--catalog", "demo"];
}

/// <summary>
/// A client's mistake is the client's problem: the server answers it precisely but never logs it
/// above Information, so operators' WARN/ERROR alerts stay meaningful.
/// </summary>
public sealed partial class LogLevelTests : IClassFixture<LogLevelServerFixture>, IDisposable
{
    private readonly LogLevelServerFixture _fixture;
    private readonly RawMcpHttp _raw;

    public LogLevelTests(LogLevelServerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        fixture.Server.AttachOutput(output);
        _raw = new RawMcpHttp(fixture.McpUrl);
    }

    [Fact]
    public async Task MalformedInputs_AllRefused_NothingLoggedAboveInfo()
    {
        var mark = _fixture.Server.LineCount;
        var session = await _raw.InitializeAsync();

        foreach (var input in MalformedInput.All)
        {
            var response = await _raw.SendAsync(input.Build(_raw, session));
            Assert.True(response.Status == input.Status, $"{input.Name}: expected HTTP {(int)input.Status}, got {(int)response.Status}: {response.Body}");
        }

        await SendProtocolMistakesAsync();
        await SendLegacySseMistakesAsync();
        await _raw.AssertEchoWorksAsync(session);

        // Every refusal is logged (at INFO), and the log line is there before the next request is answered.
        // (An unknown session id is the one refusal that is not logged: it is routine after a server restart.)
        await Poll.UntilAsync(() => CountRefusals(mark) >= MalformedInput.All.Count - 1, TimeSpan.FromSeconds(5), "an ERROR_PARSE or ERROR_FORBIDDEN line per refused message");
        AssertNothingAboveInfo(mark);
    }

    [Fact]
    public async Task RefusedMessage_IsLoggedAtInfoWithReason()
    {
        var mark = _fixture.Server.LineCount;

        var response = await _raw.PostAsync("""{"jsonrpc":"1.0","id":1,"method":"ping"}""", await _raw.InitializeAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        await Poll.UntilAsync(
            () => _fixture.Server.LinesSince(mark).Any(l => l.Contains(" INFO  ERROR_PARSE ", StringComparison.Ordinal) && l.Contains("invalid_field", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(5),
            "an INFO ERROR_PARSE line naming invalid_field");
        // The size, connection and client address: enough to find the client and what it sent.
        Assert.Matches(@"ERROR_PARSE Refused a message \(40 bytes\) on connection [0-9A-Z]+ from 127\.0\.0\.1:\d+: invalid_field: ", _fixture.Server.LinesSince(mark).First(l => l.Contains("ERROR_PARSE", StringComparison.Ordinal)));
        AssertNothingAboveInfo(mark);
    }

    [Theory]
    [InlineData("1e10")]
    [InlineData("1e300")]
    public async Task CallTool_SleepMsBeyondTimerRange_RefusedAsInvalidArgumentsAndNotLoggedAboveInfo(string ms)
    {
        var mark = _fixture.Server.LineCount;
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":60,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":""" + ms + "}}}", session);

        response.AssertError(HttpStatusCode.OK, -32602, "invalid_arguments");
        await _raw.AssertEchoWorksAsync(session);
        AssertNothingAboveInfo(mark);
    }

    [Fact]
    public async Task CallTool_AddOverflowingToInfinity_ClearErrorAndNotLoggedAboveInfo()
    {
        var mark = _fixture.Server.LineCount;
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":61,"method":"tools/call","params":{"name":"add","arguments":{"a":1e308,"b":1e308}}}""", session);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.DoesNotContain("invalid start of a value", response.Body, StringComparison.Ordinal);
        var message = response.Message();
        Assert.True(
            message.TryGetProperty("error", out _) || message.GetProperty("result").GetProperty("isError").GetBoolean(),
            $"an overflowing sum must not be reported as a success: {response.Body}");
        await _raw.AssertEchoWorksAsync(session);
        AssertNothingAboveInfo(mark);
    }

    public void Dispose() => _raw.Dispose();

    private async Task SendProtocolMistakesAsync()
    {
        var session = await _raw.InitializeAsync();
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":2,"method":"no/such/method"}""", session)).AssertError(HttpStatusCode.OK, -32601, "method_not_found");
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nope"}}""", session)).AssertError(HttpStatusCode.OK, -32602, "unknown_tool");
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{}}}""", session)).Message();
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"add","arguments":{"a":"x","b":[]}}}""", session)).Message();
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":-1}}}""", session)).Message();
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":7,"method":"resources/read","params":{"uri":"demo://missing"}}""", session)).AssertError(HttpStatusCode.OK, -32002, "resource_not_found");
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":8,"method":"prompts/get","params":{"name":"greet"}}""", session)).AssertError(HttpStatusCode.OK, -32602, "missing_argument");
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/list","params":{"cursor":"bogus!"}}""", session)).AssertError(HttpStatusCode.OK, -32602, "invalid_cursor");
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":10,"method":"logging/setLevel","params":{"level":"loud"}}""", session)).Message();
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":11,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}""", session)).AssertError(HttpStatusCode.OK, -32600, "already_initialized");
        (await _raw.PostAsync("""[{"jsonrpc":"2.0","id":12,"method":"ping"}]""", session)).AssertError(HttpStatusCode.BadRequest, MalformedInput.InvalidMessage, "batch_not_supported");
        Assert.Equal(HttpStatusCode.Accepted, (await _raw.PostAsync("""{"jsonrpc":"2.0","id":13,"result":{}}""", session)).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await _raw.PostAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"never"}}""", session)).Status);

        using var badResume = new HttpRequestMessage(HttpMethod.Get, _fixture.McpUrl);
        badResume.Headers.Add("Accept", "text/event-stream");
        badResume.Headers.Add("Mcp-Session-Id", session);
        badResume.Headers.Add("Last-Event-ID", "not-an-id");
        (await _raw.SendAsync(badResume)).AssertError(HttpStatusCode.BadRequest, MalformedInput.InvalidMessage, "invalid_last_event_id");

        using var delete = new HttpRequestMessage(HttpMethod.Delete, _fixture.McpUrl);
        delete.Headers.Add("Mcp-Session-Id", session);
        Assert.Equal(HttpStatusCode.OK, (await _raw.SendAsync(delete)).Status);
        (await _raw.PostAsync("""{"jsonrpc":"2.0","id":14,"method":"ping"}""", session)).AssertError(HttpStatusCode.NotFound, -32001, "session_not_found");

        using var deleteAgain = new HttpRequestMessage(HttpMethod.Delete, _fixture.McpUrl);
        deleteAgain.Headers.Add("Mcp-Session-Id", session);
        Assert.Equal(HttpStatusCode.NotFound, (await _raw.SendAsync(deleteAgain)).Status);
    }

    private async Task SendLegacySseMistakesAsync()
    {
        var messages = new Uri(_fixture.McpUrl, "/messages");
        using var noSession = new HttpRequestMessage(HttpMethod.Post, messages) { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", System.Text.Encoding.UTF8, "application/json") };
        (await _raw.SendAsync(noSession)).AssertError(HttpStatusCode.BadRequest, MalformedInput.InvalidMessage, "missing_session_id");

        using var unknown = new HttpRequestMessage(HttpMethod.Post, new Uri(messages + "?sessionId=nope")) { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", System.Text.Encoding.UTF8, "application/json") };
        (await _raw.SendAsync(unknown)).AssertError(HttpStatusCode.NotFound, -32001, "session_not_found");

        await using var sse = await LegacySseSession.OpenAsync(_raw.Client, new Uri(_fixture.McpUrl, "/sse"));
        foreach (var body in new[] { "nope", """{"jsonrpc":"1.0","id":1,"method":"ping"}""", """{"jsonrpc":"2.0","id":2,"method":"no/such/method"}""" })
        {
            Assert.Equal(HttpStatusCode.Accepted, await sse.PostAsync(body));
            var answer = await sse.ReadMessageAsync();
            Assert.True(answer.TryGetProperty("error", out _), $"expected an error for {body}, got {answer}");
        }
    }

    private int CountRefusals(int mark) => _fixture.Server.LinesSince(mark).Count(l => l.Contains(" ERROR_PARSE ", StringComparison.Ordinal) || l.Contains(" ERROR_FORBIDDEN ", StringComparison.Ordinal));

    private void AssertNothingAboveInfo(int mark)
    {
        var lines = _fixture.Server.LinesSince(mark);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var match = LogLine().Match(line);
            Assert.True(match.Success, $"not a 'TIME LEVEL EVENT message' log line: {line}");
            var level = match.Groups["level"].Value;
            Assert.True(level is "TRACE" or "DEBUG" or "INFO", $"a client's mistake was logged at {level}: {line}{Environment.NewLine}{_fixture.Server.Dump()}");
        }
    }

    [GeneratedRegex(@"^\[out\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (?<level>TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s+(?<event>[A-Z_]+|\S+) ")]
    private static partial Regex LogLine();
}
