using System.Globalization;
using System.Net;
using System.Text;
using McpServer.FunctionalTests.Infrastructure;

namespace McpServer.FunctionalTests;

/// <summary>
/// The SSE side of Streamable HTTP on the raw wire: POST responses that stream, priming events,
/// event ids, resumption with Last-Event-ID, and the standalone GET stream.
/// </summary>
public sealed class StreamableHttpSseTests : IClassFixture<ConformanceServerFixture>, IDisposable
{
    private readonly ConformanceServerFixture _fixture;
    private readonly RawMcpHttp _raw;

    public StreamableHttpSseTests(ConformanceServerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        fixture.Server.AttachOutput(output);
        _raw = new RawMcpHttp(fixture.McpUrl);
    }

    [Fact]
    public async Task Post_SleepWithProgressToken_StreamsPrimingEventThenProgressThenResult()
    {
        var session = await _raw.InitializeAsync();
        using var request = _raw.Post("""{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":300},"_meta":{"progressToken":"p-21"}}}""", session);

        using var response = await _raw.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        // The very first bytes are the priming event: an id, the retry hint and an empty data line.
        var priming = body[..body.IndexOf("\n\n", StringComparison.Ordinal)].Split('\n');
        Assert.Equal(3, priming.Length);
        Assert.StartsWith("id: ", priming[0], StringComparison.Ordinal);
        Assert.Equal("retry: 1000", priming[1]);
        Assert.Equal("data: ", priming[2]);

        var events = SseParser.Parse(body);
        Assert.True(events[0].IsPriming(), body);
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.Id), $"event without id: {e}"));
        var progress = events.Skip(1).SkipLast(1).ToList();
        Assert.Equal(10, progress.Count);
        Assert.All(progress, e => Assert.Equal("notifications/progress", e.Method()));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 30.0), progress.Select(e => e.Json().GetProperty("params").GetProperty("progress").GetDouble()));
        Assert.All(progress, e => Assert.Equal("p-21", e.Json().GetProperty("params").GetProperty("progressToken").GetString()));
        Assert.True(events[^1].IsResponseTo(21), events[^1].Data);
        Assert.Equal("Slept 300 ms.", events[^1].Json().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

        // Ids are one stream's, strictly increasing, and unique.
        var ids = events.Select(e => ParseId(e.Id!)).ToList();
        Assert.Single(ids.Select(i => i.Stream).Distinct());
        Assert.Equal(ids.Select(i => i.Seq).Order(), ids.Select(i => i.Seq));
        Assert.Equal(ids.Count, ids.Select(i => i.Seq).Distinct().Count());
    }

    [Fact]
    public async Task Post_SleepWithoutProgressToken_AnswersPlainJson()
    {
        var session = await _raw.InitializeAsync();

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":22,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":50}}}""", session);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/json", response.MediaType);
        Assert.Equal("Slept 50 ms.", response.Message().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Post_StreamOn2025_03_26Session_HasNoPrimingEvent()
    {
        var session = await _raw.InitializeAsync("2025-03-26");

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":23,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":200},"_meta":{"progressToken":7}}}""", session);

        Assert.Equal("text/event-stream", response.MediaType);
        var events = SseParser.Parse(response.Body);
        Assert.All(events, e => Assert.NotEqual(string.Empty, e.Data));
        Assert.Equal("notifications/progress", events[0].Method());
        Assert.Equal(7, events[0].Json().GetProperty("params").GetProperty("progressToken").GetInt32());
        Assert.True(events[^1].IsResponseTo(23));
    }

    [Fact]
    public async Task Get_ResumeAfterDisconnect_ReplaysWhatCameAfterLastEventId()
    {
        var session = await _raw.InitializeAsync();
        var post = await SseResponse.SendAsync(_raw.Client, _raw.Post("""{"jsonrpc":"2.0","id":24,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":1000},"_meta":{"progressToken":"r"}}}""", session));
        Assert.Equal("text/event-stream", post.MediaType);
        var priming = await post.NextAsync();
        var first = await post.NextAsync();
        var second = await post.NextAsync();
        Assert.NotNull(priming);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.True(priming.IsPriming());
        Assert.Equal(100.0, first.Json().GetProperty("params").GetProperty("progress").GetDouble());
        Assert.Equal(200.0, second.Json().GetProperty("params").GetProperty("progress").GetDouble());

        // The client loses the connection; the call goes on.
        post.Dispose();

        using var resume = await SseResponse.SendAsync(_raw.Client, ResumeRequest(session, second.Id!));
        Assert.Equal(HttpStatusCode.OK, resume.Status);
        Assert.Equal("text/event-stream", resume.MediaType);
        var replayed = await resume.ReadToEndAsync();

        var data = replayed.Where(e => e.Data.Length > 0).ToList();
        Assert.Equal(Enumerable.Range(3, 8).Select(i => i * 100.0), data.SkipLast(1).Select(e => e.Json().GetProperty("params").GetProperty("progress").GetDouble()));
        Assert.True(data[^1].IsResponseTo(24), data[^1].Data);
        Assert.Equal("Slept 1000 ms.", data[^1].Json().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        var (stream, after) = ParseId(second.Id!);
        Assert.All(data, e => Assert.Equal(stream, ParseId(e.Id!).Stream));
        Assert.Equal(Enumerable.Range(1, data.Count).Select(i => after + i), data.Select(e => ParseId(e.Id!).Seq));
    }

    [Fact]
    public async Task Get_ResumeAfterCompletion_ReplaysTheRestAndEnds()
    {
        var session = await _raw.InitializeAsync();
        var full = await _raw.PostAsync("""{"jsonrpc":"2.0","id":25,"method":"tools/call","params":{"name":"sleep","arguments":{"ms":200},"_meta":{"progressToken":"done"}}}""", session);
        var events = SseParser.Parse(full.Body);
        var fifth = events[5];

        using var resume = await SseResponse.SendAsync(_raw.Client, ResumeRequest(session, fifth.Id!));
        var replayed = (await resume.ReadToEndAsync()).Where(e => e.Data.Length > 0).ToList();

        Assert.Equal(events.Skip(6).Select(e => (e.Id, e.Data)), replayed.Select(e => (e.Id, e.Data)));
    }

    [Fact]
    public async Task Post_TestReconnection_ServerClosesStreamAndResultArrivesOnResume()
    {
        var session = await _raw.InitializeAsync();
        using var post = await SseResponse.SendAsync(_raw.Client, _raw.Post("""{"jsonrpc":"2.0","id":26,"method":"tools/call","params":{"name":"test_reconnection","arguments":{}}}""", session));

        var before = await post.ReadToEndAsync();

        var priming = Assert.Single(before);
        Assert.True(priming.IsPriming());
        Assert.Equal("1000", priming.Retry);
        using var resume = await SseResponse.SendAsync(_raw.Client, ResumeRequest(session, priming.Id!));
        var after = (await resume.ReadToEndAsync()).Where(e => e.Data.Length > 0).ToList();
        var result = Assert.Single(after);
        Assert.True(result.IsResponseTo(26));
        Assert.StartsWith("Reconnection test completed successfully", result.Json().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_StandaloneStream_OpensWithPrimingAndCarriesResourceUpdates()
    {
        var session = await _raw.InitializeAsync();
        var subscribed = await _raw.PostAsync("""{"jsonrpc":"2.0","id":27,"method":"resources/subscribe","params":{"uri":"test://watched-resource"}}""", session);
        Assert.Equal(HttpStatusCode.OK, subscribed.Status);

        using var standalone = await SseResponse.SendAsync(_raw.Client, GetRequest(session));

        Assert.Equal(HttpStatusCode.OK, standalone.Status);
        Assert.Equal("text/event-stream", standalone.MediaType);
        var priming = await standalone.NextAsync();
        Assert.NotNull(priming);
        Assert.True(priming.IsPriming(), priming.ToString());
        Assert.Equal("1000", priming.Retry);
        Assert.Equal(0, ParseId(priming.Id!).Stream);
        var update = await NextWithMethodAsync(standalone, "notifications/resources/updated", TimeSpan.FromSeconds(8));
        Assert.Equal("test://watched-resource", update.Json().GetProperty("params").GetProperty("uri").GetString());
        Assert.Equal(0, ParseId(update.Id!).Stream);
        Assert.True(ParseId(update.Id!).Seq > ParseId(priming.Id!).Seq);
    }

    [Fact]
    public async Task Get_StandaloneStreamResumed_ReplaysMissedUpdates()
    {
        var (session, primingId) = await OpenAndDropStandaloneAsync();

        // While no stream is open, updates are buffered; a resume from the priming id replays them.
        await WaitForBufferedUpdateAsync(session);
        using var resume = await SseResponse.SendAsync(_raw.Client, ResumeRequest(session, primingId));
        Assert.Equal(HttpStatusCode.OK, resume.Status);
        var replayed = await NextWithMethodAsync(resume, "notifications/resources/updated", TimeSpan.FromSeconds(5));

        Assert.Equal("test://watched-resource", replayed.Json().GetProperty("params").GetProperty("uri").GetString());
        Assert.Equal(0, ParseId(replayed.Id!).Stream);
        Assert.True(ParseId(replayed.Id!).Seq > ParseId(primingId).Seq);
    }

    [Fact]
    public async Task Get_StandaloneStreamResumed_EventIdsOnlyIncrease()
    {
        var (session, primingId) = await OpenAndDropStandaloneAsync();
        await WaitForBufferedUpdateAsync(session);

        using var resume = await SseResponse.SendAsync(_raw.Client, ResumeRequest(session, primingId));
        var events = new List<SseEvent>();
        while (events.Count == 0 || events[^1].Method() != "notifications/resources/updated")
        {
            events.Add(await resume.NextAsync() ?? throw new InvalidOperationException("stream ended"));
        }

        // Every event after Last-Event-ID carries a larger id than the one before it: nothing a client
        // records as "last seen" may skip over an event it has not received yet.
        var seqs = events.Select(e => ParseId(e.Id!).Seq).Prepend(ParseId(primingId).Seq).ToList();
        Assert.True(seqs.Zip(seqs.Skip(1)).All(p => p.Second > p.First), "ids on the resumed stream: " + string.Join(", ", events.Select(e => e.Id)));
    }

    [Fact]
    public async Task Post_TestToolWithLogging_LogMessagesPrecedeTheResult()
    {
        var session = await _raw.InitializeAsync();
        await _raw.PostAsync("""{"jsonrpc":"2.0","id":29,"method":"logging/setLevel","params":{"level":"debug"}}""", session);

        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":30,"method":"tools/call","params":{"name":"test_tool_with_logging","arguments":{}}}""", session);

        Assert.Equal("text/event-stream", response.MediaType);
        var data = SseParser.Parse(response.Body).Where(e => e.Data.Length > 0).ToList();
        Assert.Equal(["notifications/message", "notifications/message", "notifications/message", null], data.Select(e => e.Method()));
        Assert.Equal(
            ["Tool execution started", "Tool processing data", "Tool execution completed"],
            data.Take(3).Select(e => e.Json().GetProperty("params").GetProperty("data").GetString()));
        Assert.True(data[^1].IsResponseTo(30));
    }

    [Fact]
    public async Task Post_TestSampling_RequestOnStreamAndClientResponseGets202()
    {
        var init = await _raw.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"sampling":{}},"clientInfo":{"name":"raw-sampler","version":"1"}}}""");
        var samplingSession = Assert.Single(init.Headers.GetValues("Mcp-Session-Id"));
        Assert.Equal(HttpStatusCode.Accepted, (await _raw.PostAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", samplingSession)).Status);

        using var call = await SseResponse.SendAsync(_raw.Client, _raw.Post("""{"jsonrpc":"2.0","id":31,"method":"tools/call","params":{"name":"test_sampling","arguments":{"prompt":"Say hi"}}}""", samplingSession));
        Assert.Equal("text/event-stream", call.MediaType);
        SseEvent? request;
        do
        {
            request = await call.NextAsync();
        }
        while (request is not null && request.Data.Length == 0);

        Assert.NotNull(request);
        Assert.Equal("sampling/createMessage", request.Method());
        var samplingRequest = request.Json();
        Assert.Equal("Say hi", samplingRequest.GetProperty("params").GetProperty("messages")[0].GetProperty("content").GetProperty("text").GetString());
        var requestId = samplingRequest.GetProperty("id").GetRawText();

        var answer = await _raw.PostAsync(
            """{"jsonrpc":"2.0","id":""" + requestId + ""","result":{"role":"assistant","content":{"type":"text","text":"Hi from raw"},"model":"raw-model","stopReason":"endTurn"}}""",
            samplingSession);

        Assert.Equal(HttpStatusCode.Accepted, answer.Status);
        var rest = (await call.ReadToEndAsync()).Where(e => e.Data.Length > 0).ToList();
        var result = Assert.Single(rest);
        Assert.True(result.IsResponseTo(31));
        Assert.Equal("LLM response: Hi from raw", result.Json().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    public void Dispose() => _raw.Dispose();

    private static async Task<SseEvent> NextWithMethodAsync(SseResponse stream, string method, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero, $"no {method} event within {timeout.TotalSeconds} s");
            var e = await stream.NextAsync(left);
            Assert.NotNull(e);
            Assert.False(string.IsNullOrEmpty(e.Id), $"event without id: {e}");
            if (e.Method() == method)
            {
                return e;
            }
        }
    }

    /// <summary>Initializes a session subscribed to the watched resource, opens its standalone stream, reads the priming id and drops the stream.</summary>
    private async Task<(string Session, string PrimingId)> OpenAndDropStandaloneAsync()
    {
        var session = await _raw.InitializeAsync();
        Assert.Equal(HttpStatusCode.OK, (await _raw.PostAsync("""{"jsonrpc":"2.0","id":28,"method":"resources/subscribe","params":{"uri":"test://watched-resource"}}""", session)).Status);
        using var standalone = await SseResponse.SendAsync(_raw.Client, GetRequest(session));
        var priming = await standalone.NextAsync();
        Assert.NotNull(priming);
        Assert.True(priming.IsPriming());
        return (session, priming.Id!);
    }

    /// <summary>Waits (by reading the resource, not by sleeping) until the watched resource changed at least once.</summary>
    private async Task WaitForBufferedUpdateAsync(string session)
    {
        var first = await ReadWatchedAsync(session);
        await Poll.UntilAsync(async () => await ReadWatchedAsync(session) != first, TimeSpan.FromSeconds(8), "the watched resource to change");
    }

    private async Task<string> ReadWatchedAsync(string session)
    {
        var response = await _raw.PostAsync("""{"jsonrpc":"2.0","id":40,"method":"resources/read","params":{"uri":"test://watched-resource"}}""", session);
        return response.Message().GetProperty("result").GetProperty("contents")[0].GetProperty("text").GetString()!;
    }

    private HttpRequestMessage GetRequest(string session)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, _fixture.McpUrl);
        request.Headers.Add("Accept", "text/event-stream");
        request.Headers.Add("Mcp-Session-Id", session);
        return request;
    }

    private HttpRequestMessage ResumeRequest(string session, string lastEventId)
    {
        var request = GetRequest(session);
        request.Headers.Add("Last-Event-ID", lastEventId);
        return request;
    }

    private static (int Stream, long Seq) ParseId(string id)
    {
        var parts = id.Split('_');
        Assert.True(parts.Length == 2, $"event id '{id}' is not STREAM_SEQ");
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
