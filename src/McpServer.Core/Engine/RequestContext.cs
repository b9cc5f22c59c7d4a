using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpServer.Protocol;
using McpServer.Sessions;

namespace McpServer.Engine;

/// <summary>
/// Everything a handler may use while it answers one request: the session, cancellation,
/// progress, log messages to the client, and requests to the client (sampling, elicitation, roots).
/// </summary>
public sealed class RequestContext
{
    private readonly McpDispatcher _dispatcher;

    internal RequestContext(McpDispatcher dispatcher, McpSession session, JsonRpcId id, string method, ReadOnlyMemory<byte> parameters, IMcpMessageSink? related, IServiceProvider? services)
    {
        _dispatcher = dispatcher;
        Session = session;
        Id = id;
        Method = method;
        Params = parameters;
        Related = related;
        Services = services;
    }

    /// <summary>The session the request belongs to.</summary>
    public McpSession Session { get; }

    /// <summary>
    /// Where the request came from, as the transport said when it handed it over (read on that thread);
    /// turned into a connection id and client address only when an event is written.
    /// </summary>
    internal object? Origin { get; } = RequestOrigin.Retain();

    /// <summary>The request id.</summary>
    public JsonRpcId Id { get; }

    /// <summary>The method.</summary>
    public string Method { get; }

    /// <summary>The raw <c>params</c> object.</summary>
    public ReadOnlyMemory<byte> Params { get; }

    /// <summary>Cancelled when the client cancels, the connection drops, the session ends or the tool times out.</summary>
    public CancellationToken CancellationToken { get; internal set; }

    /// <summary>Services of the host, when there is one.</summary>
    public IServiceProvider? Services { get; }

    /// <summary>The name of the tool being called, for logs and metrics.</summary>
    public string? ToolName => Tool?.Name;

    /// <summary>The tool being called, once found in the catalogue.</summary>
    internal Catalog.ToolDefinition? Tool { get; set; }

    /// <summary>The request's trace activity, when tracing is on and the request is sampled.</summary>
    public System.Diagnostics.Activity? Activity { get; internal set; }

    internal IMcpMessageSink? Related { get; }

    // The request's cancellation source, rented from a pool: it is detached under the lock
    // before it goes back, so a late cancel can never reach the next request that rents it.
    private CancellationTokenSource? _source;

    internal bool CancelledByClient { get; private set; }

    // Set by every cancellation the server knows of (client, transport, session end); a cancelled
    // token with no reason and an armed timeout means the timeout fired.
    internal bool CancelledExplicitly { get; private set; }

    internal bool TimeoutArmed { get; private set; }

    internal void Attach(CancellationTokenSource source)
    {
        _source = source;
        CancellationToken = source.Token;
    }

    internal CancellationTokenSource? Detach()
    {
        lock (this)
        {
            var s = _source;
            _source = null;
            return s;
        }
    }

    internal void Cancel(bool byClient)
    {
        lock (this)
        {
            if (_source is { } s)
            {
                CancelledByClient |= byClient;
                CancelledExplicitly = true;
                s.Cancel();
            }
        }
    }

    internal void ArmTimeout(TimeSpan timeout)
    {
        lock (this)
        {
            if (_source is { } s)
            {
                TimeoutArmed = true;
                s.CancelAfter(timeout);
            }
        }
    }

    /// <summary>The raw JSON of <c>params._meta.progressToken</c> (a string or a number), or empty.</summary>
    public ReadOnlyMemory<byte> ProgressToken { get; internal set; }

    /// <summary>Whether the client asked for progress notifications.</summary>
    public bool HasProgressToken => !ProgressToken.IsEmpty;

    /// <summary>Sends <c>notifications/progress</c> if the client asked for progress; otherwise does nothing.</summary>
    public ValueTask ReportProgressAsync(double progress, double? total = null, string? message = null)
    {
        if (ProgressToken.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }

        var msg = JsonRpcWriter.SerializeProgress(ProgressToken.Span, progress, total, Session.Revision >= ProtocolRevision.V2025_03_26 ? message : null);
        return SendAsync(msg);
    }

    /// <summary>Sends <c>notifications/message</c> if the client's log level lets it through.</summary>
    public ValueTask LogAsync(LoggingLevel level, string message, string? logger = null)
    {
        if (Session.LogLevel is { } min ? level < min : ProtocolRevisions.IsStateless(Session.Revision))
        {
            // 2026-07-28 sends log messages only when the request named a level.
            return ValueTask.CompletedTask;
        }

        var data = JsonSerializer.SerializeToElement(message, McpJsonContext.Default.String);
        var msg = JsonRpcWriter.SerializeNotification(McpMethods.NotificationMessage, new LoggingMessageNotificationParams { Level = level, Logger = logger, Data = data }, McpJsonContext.Default.LoggingMessageNotificationParams);
        return SendAsync(msg);
    }

    /// <summary>
    /// The input round of a multi-round-trip request (2026-07-28): set for <c>tools/call</c>,
    /// <c>prompts/get</c> and <c>resources/read</c> on that revision, <see langword="null"/> otherwise.
    /// </summary>
    internal InputRound? Inputs
    {
        get => _inputs ??= InputTarget is null ? null : new InputRound(Method, InputTarget, InputArguments);
        set => _inputs = value;
    }

    private InputRound? _inputs;

    internal bool HasPendingInputs => _inputs is { HasPending: true };

    /// <summary>The tool, prompt or URI of a request that may ask for input on 2026-07-28; else <see langword="null"/>.</summary>
    internal string? InputTarget { get; set; }

    /// <summary>The raw arguments that, with <see cref="InputTarget"/>, identify the request a requestState belongs to.</summary>
    internal ReadOnlyMemory<byte> InputArguments { get; set; }

    /// <summary>
    /// How many times a 2026-07-28 client has already answered input requests for this request and
    /// retried it with a verified <c>requestState</c>; 0 on the first attempt and on session revisions.
    /// </summary>
    public int InputRound => _inputs?.Round ?? 0;

    /// <summary>
    /// A string the handler carries from one attempt of a multi-round-trip request to the next
    /// (sealed in <c>requestState</c>, so the client cannot read or change it). Set it before asking
    /// for input; the retry finds it here. Always <see langword="null"/> on session revisions.
    /// </summary>
    public string? InputState
    {
        get => _inputs?.HandlerState;
        set
        {
            if (Inputs is { } round)
            {
                round.HandlerState = value;
            }
        }
    }

    /// <summary>Asks the client's model for a completion (<c>sampling/createMessage</c>).</summary>
    public Task<CreateMessageResult> SampleAsync(CreateMessageRequestParams request, CancellationToken cancellationToken = default) =>
        SampleAsync(null, request, cancellationToken);

    /// <summary>
    /// Asks the client's model for a completion (<c>sampling/createMessage</c>). On 2026-07-28,
    /// <paramref name="key"/> names the request in <c>inputRequests</c>; when it is not answered
    /// yet the handler's attempt ends and the client gets an <c>InputRequiredResult</c>.
    /// </summary>
    public async Task<CreateMessageResult> SampleAsync(string? key, CreateMessageRequestParams request, CancellationToken cancellationToken = default)
    {
        RequireCapability(Session.ClientCapabilities?.Sampling is not null, "sampling", "The client did not declare the sampling capability, so the server cannot ask it for a completion.");
        if (IsStateless)
        {
            var answer = Answer(key, "sampling", McpMethods.SamplingCreateMessage, () => JsonSerializer.SerializeToElement(request, McpJsonContext.Default.CreateMessageRequestParams));
            return ParseAnswer(answer.Key, McpMethods.SamplingCreateMessage, answer.Value, McpJsonContext.Default.CreateMessageResult,
                static r => r.Role is null ? "it needs a role" : r.Content.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array) ? "it needs content" : null);
        }

        var result = await SendRequestAsync(McpMethods.SamplingCreateMessage, request, McpJsonContext.Default.CreateMessageRequestParams, cancellationToken).ConfigureAwait(false);
        return result.Deserialize(McpJsonContext.Default.CreateMessageResult) ?? new CreateMessageResult();
    }

    /// <summary>Asks the user for input through the client (<c>elicitation/create</c>, 2025-06-18 on).</summary>
    public Task<ElicitResult> ElicitAsync(ElicitRequestParams request, CancellationToken cancellationToken = default) =>
        ElicitAsync(null, request, cancellationToken);

    /// <summary>
    /// Asks the user for input through the client (<c>elicitation/create</c>). On 2026-07-28,
    /// <paramref name="key"/> names the request in <c>inputRequests</c>; when it is not answered
    /// yet the handler's attempt ends and the client gets an <c>InputRequiredResult</c>.
    /// </summary>
    public async Task<ElicitResult> ElicitAsync(string? key, ElicitRequestParams request, CancellationToken cancellationToken = default)
    {
        RequireCapability(Session.ClientCapabilities?.Elicitation is not null, "elicitation", "The client did not declare the elicitation capability, so the server cannot ask the user.");
        if (IsStateless)
        {
            var answer = Answer(key, "elicitation", McpMethods.ElicitationCreate, () => JsonSerializer.SerializeToElement(request, McpJsonContext.Default.ElicitRequestParams));
            return ParseAnswer(answer.Key, McpMethods.ElicitationCreate, answer.Value, McpJsonContext.Default.ElicitResult,
                static r => r.Action is "accept" or "decline" or "cancel" ? null : "its action must be accept, decline or cancel");
        }

        var result = await SendRequestAsync(McpMethods.ElicitationCreate, request, McpJsonContext.Default.ElicitRequestParams, cancellationToken).ConfigureAwait(false);
        return result.Deserialize(McpJsonContext.Default.ElicitResult) ?? new ElicitResult();
    }

    /// <summary>Asks the client for its roots (<c>roots/list</c>).</summary>
    public Task<ListRootsResult> ListRootsAsync(CancellationToken cancellationToken = default) => ListRootsAsync(null, cancellationToken);

    /// <summary>
    /// Asks the client for its roots (<c>roots/list</c>). On 2026-07-28, <paramref name="key"/>
    /// names the request in <c>inputRequests</c>.
    /// </summary>
    public async Task<ListRootsResult> ListRootsAsync(string? key, CancellationToken cancellationToken = default)
    {
        RequireCapability(Session.ClientCapabilities?.Roots is not null, "roots", "The client did not declare the roots capability.");
        if (IsStateless)
        {
            var answer = Answer(key, "roots", McpMethods.RootsList, static () => JsonSerializer.SerializeToElement(EmptyResult.Instance, McpJsonContext.Default.EmptyResult));
            if (answer.Value.ValueKind != JsonValueKind.Object || !answer.Value.TryGetProperty("roots"u8, out var roots) || roots.ValueKind != JsonValueKind.Array)
            {
                throw InvalidAnswer(answer.Key, McpMethods.RootsList, "it needs a roots array");
            }

            return ParseAnswer(answer.Key, McpMethods.RootsList, answer.Value, McpJsonContext.Default.ListRootsResult, static _ => null);
        }

        var result = await SendRequestAsync<EmptyResult>(McpMethods.RootsList, null, null, cancellationToken).ConfigureAwait(false);
        return result.Deserialize(McpJsonContext.Default.ListRootsResult) ?? new ListRootsResult();
    }

    private bool IsStateless => ProtocolRevisions.IsStateless(Session.Revision);

    private KeyValuePair<string, JsonElement> Answer(string? key, string prefix, string method, Func<JsonElement?> makeParams)
    {
        var round = Inputs ?? throw new McpProtocolException(McpErrorCode.InternalError, $"'{Method}' cannot ask the client for input on revision 2026-07-28: only tools/call, prompts/get and resources/read can.", "input_not_allowed");
        key ??= round.NextUnnamedKey(prefix);
        if (round.TryAnswer(key, method, makeParams, out var answer))
        {
            return new(key, answer);
        }

        throw new InputRequiredException();
    }

    private static T ParseAnswer<T>(string key, string method, JsonElement answer, JsonTypeInfo<T> typeInfo, Func<T, string?> check)
    {
        if (answer.ValueKind != JsonValueKind.Object)
        {
            throw InvalidAnswer(key, method, "it must be an object");
        }

        T? value;
        try
        {
            value = answer.Deserialize(typeInfo);
        }
        catch (JsonException)
        {
            throw InvalidAnswer(key, method, "its members do not have the expected types");
        }

        if (value is null || check(value) is { } problem)
        {
            throw InvalidAnswer(key, method, value is null ? "it is null" : check(value)!);
        }

        return value;
    }

    private static McpProtocolException InvalidAnswer(string key, string method, string problem) =>
        new(McpErrorCode.InvalidParams, $"inputResponses[\"{key}\"] is not a valid answer to {method}: {problem}. Answer the request as inputRequests asked, or start the request again without inputResponses and requestState.", "invalid_input_response")
        {
            Field = "inputResponses." + key,
        };

    private void RequireCapability(bool declared, string capability, string message)
    {
        if (!IsStateless)
        {
            if (!declared)
            {
                throw new McpProtocolException(McpErrorCode.InvalidRequest, message, "capability_missing");
            }

            return;
        }

        if (!declared)
        {
            // A server must never put a request in inputRequests that the client cannot answer.
            throw new McpProtocolException(McpErrorCode.MissingRequiredClientCapability, message + " Declare it in _meta[\"io.modelcontextprotocol/clientCapabilities\"].", "capability_missing")
            {
                ErrorData = JsonDocument.Parse("{\"requiredCapabilities\":{\"" + capability + "\":{}}}").RootElement.Clone(),
            };
        }
    }

    /// <summary>Sends any request to the client and waits for its result.</summary>
    public async Task<JsonElement> SendRequestAsync<TParams>(string method, TParams? parameters, JsonTypeInfo<TParams>? typeInfo, CancellationToken cancellationToken = default)
    {
        var (id, completion) = Session.RegisterClientRequest();
        try
        {
            var msg = JsonRpcWriter.SerializeRequest(id, method, parameters, typeInfo);
            await SendAsync(msg).ConfigureAwait(false);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CancellationToken);
            linked.CancelAfter(_dispatcher.Options.ClientRequestTimeout);
            ClientResponse response;
            try
            {
                response = await completion.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !CancellationToken.IsCancellationRequested && !Session.IsEnded)
            {
                throw new McpProtocolException(McpErrorCode.RequestTimeout, $"The client did not answer '{method}' within {_dispatcher.Options.ClientRequestTimeout.TotalSeconds:0} s.", "client_timeout");
            }

            if (response.Result is { } result)
            {
                return result;
            }

            throw new McpProtocolException(response.ErrorCode, $"The client answered '{method}' with error {response.ErrorCode}: {response.ErrorMessage}", "client_error");
        }
        finally
        {
            Session.ForgetClientRequest(id);
        }
    }

    /// <summary>
    /// Ends the response stream of this request now (SSE polling, 2025-11-25). The client
    /// reconnects with <c>Last-Event-ID</c> and gets the rest. Does nothing on other transports.
    /// </summary>
    public void CloseStream()
    {
        if (Related is IRequestStream stream)
        {
            stream.RequestClose();
        }
    }

    internal ValueTask SendAsync(byte[] message) =>
        (Related ?? Session.Outbound) is { } sink ? sink.SendAsync(message, CancellationToken) : ValueTask.CompletedTask;
}
