using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpServer.Catalog;
using McpServer.Protocol;
using McpServer.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpServer.Engine;

/// <summary>
/// The protocol engine: routes each request to its handler, tracks what is in flight, routes
/// the client's answers to waiting handlers and turns catalogue changes into notifications.
/// Transports parse envelopes and call it; it knows nothing about HTTP.
/// </summary>
public sealed partial class McpDispatcher
{
    private static readonly JsonReaderOptions s_readerOptions = new() { MaxDepth = JsonRpcEnvelopeReader.MaxDepth };
    private static readonly SharedJsonValues<InitializeRequestParams> s_initializeParams = new(McpJsonContext.Default.InitializeRequestParams);
    private static readonly ClientCapabilities s_noCapabilities = new();
    private readonly ConcurrentQueue<CancellationTokenSource> _ctsPool = new();
    private readonly InitializeResult?[] _initializeResults = new InitializeResult?[5];
    private DiscoverResult? _discoverResult;
    private readonly ILogger _logger;

    /// <summary>Creates the engine over a catalogue and a session table.</summary>
    public McpDispatcher(McpCatalog catalog, SessionManager sessions, McpServerOptions? options = null, ILogger<McpDispatcher>? logger = null)
    {
        Catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        Sessions = sessions ?? throw new ArgumentNullException(nameof(sessions));
        Options = options ?? new McpServerOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        McpMetrics.Track(catalog);
        catalog.Changed += OnCatalogChanged;
        catalog.ResourceUpdated += OnResourceUpdated;
    }

    /// <summary>The catalogue served.</summary>
    public McpCatalog Catalog { get; }

    /// <summary>The session table.</summary>
    public SessionManager Sessions { get; }

    /// <summary>The options in force.</summary>
    public McpServerOptions Options { get; }

    /// <summary>Raised when a client says its roots changed.</summary>
    public event Action<McpSession>? RootsChanged;

    /// <summary>
    /// Runs one request to completion and returns its result or error. Never throws for a
    /// client's mistake; an unexpected handler failure becomes -32603 and an ERROR_INTERNAL event.
    /// </summary>
    public ValueTask<RpcResult> ExecuteAsync(McpSession session, JsonRpcEnvelope request, IMcpMessageSink? related, IServiceProvider? services, CancellationToken aborted)
    {
        var context = TryBegin(session, request, related, services, out var refusal);
        return context is null ? ValueTask.FromResult(refusal) : RunAsync(context, aborted);
    }

    /// <summary>
    /// Registers a request as in flight (so a cancel that arrives next finds it), or returns
    /// <see langword="null"/> with the refusal. Runs synchronously on the reading thread.
    /// </summary>
    internal RequestContext? TryBegin(McpSession session, JsonRpcEnvelope request, IMcpMessageSink? related, IServiceProvider? services, out RpcResult refusal)
    {
        var method = request.Method!;
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var (connection, client, bytes) = RequestOrigin.Current();
            LogMessageReceived(_logger, session.Id, method, request.Id, connection, client, bytes);
        }

        if (_logger.IsEnabled(LogLevel.Trace))
        {
            LogMessageBody(_logger, session.Id, method, request.Id, LogRedaction.Redact(request.Params.Span));
        }

        refusal = default;
        if (!session.IsInitialized && method != McpMethods.Initialize && method != McpMethods.Ping)
        {
            refusal = RpcResult.Fail(new RpcError(McpErrorCode.InvalidRequest, $"'{method}' was sent before 'initialize'. Send 'initialize' first, then 'notifications/initialized'.", "not_initialized"));
            McpMetrics.RecordRefusal("not_initialized", McpErrorCode.InvalidRequest);
            return null;
        }

        if (session.InFlightCount >= Options.MaxInFlightPerSession)
        {
            LogLimitReached(_logger, session.Id, "limits.maxInFlightPerSession", $"{Options.MaxInFlightPerSession} requests in flight");
            McpMetrics.RecordLimit("too_many_in_flight", McpErrorCode.InvalidRequest);
            refusal = RpcResult.Fail(new RpcError(McpErrorCode.InvalidRequest, $"This session already has {Options.MaxInFlightPerSession} requests in flight, its limit (limits.maxInFlightPerSession); wait for some to finish.", "too_many_in_flight"));
            return null;
        }

        var context = new RequestContext(this, session, request.Id, method, request.Params, related, services);
        context.Activity = McpTracing.Create(session, method, request.Id, request.Params);
        var cts = RentCts();
        context.Attach(cts);
        if (!session.TryAddInFlight(request.Id, context))
        {
            context.Detach();
            ReturnCts(cts);
            refusal = RpcResult.Fail(new RpcError(McpErrorCode.InvalidRequest, $"Request id {request.Id} is already in flight in this session; use a new id for each request.", "duplicate_id", "id"));
            McpMetrics.RecordRefusal("duplicate_id", McpErrorCode.InvalidRequest);
            return null;
        }

        return context;
    }

    /// <summary>Runs a request registered by <see cref="TryBegin"/> to completion.</summary>
    internal async ValueTask<RpcResult> RunAsync(RequestContext context, CancellationToken aborted)
    {
        var session = context.Session;
        var method = context.Method;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        RpcError? outcome = null;
        var cancelled = false;
        var toolError = false;
        CancellationTokenRegistration registration = default;
        context.Activity?.Start();
        try
        {
            var pending = DispatchAsync(context);
            if (!pending.IsCompleted && aborted.CanBeCanceled)
            {
                // Only a request that did not finish at once pays for watching the transport (an
                // abort that came first runs the callback at once).
                registration = aborted.UnsafeRegister(static s => ((RequestContext)s!).Cancel(byClient: false), context);
            }

            var result = await pending.ConfigureAwait(false);
            if (context.HasPendingInputs && result.Error is null)
            {
                // The handler caught the end of its attempt and answered anyway: without the input it asked for.
                result = InputRequired(context);
            }

            LogResponse(context, result, started);

            outcome = result.Error;
            cancelled = result.IsCancelled;
            toolError = result.Value is CallToolResult { IsError: true };
            return result;
        }
        catch (InputRequiredException)
        {
            return InputRequired(context);
        }
        catch (McpProtocolException ex)
        {
            outcome = new RpcError(ex.Code, ex.Message, ex.Reason, ex.Field) { Data = ex.ErrorData };
            return Logged(context, RpcResult.Fail(outcome), started);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            cancelled = true;
            return Logged(context, RpcResult.Fail(RpcError.Cancelled), started);
        }
        catch (JsonException ex)
        {
            // The serializer's message names .NET types; the client gets the JSON path instead.
            var at = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "params" : "params" + ex.Path[1..];
            outcome = new RpcError(McpErrorCode.InvalidParams, $"Invalid params for '{method}': {at} does not have the expected type or value.", "invalid_params", at);
            return Logged(context, RpcResult.Fail(outcome), started);
        }
        catch (Exception ex)
        {
            LogInternal(context, ex);
            outcome = new RpcError(McpErrorCode.InternalError, $"The server failed while handling '{method}'. The failure is logged as ERROR_INTERNAL.", "internal_error");
            return Logged(context, RpcResult.Fail(outcome), started);
        }
        finally
        {
            registration.Dispose();
            var threshold = Options.SlowRequestThreshold;
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (method != McpMethods.SubscriptionsListen)
            {
                McpMetrics.RecordRequest(method, context.Tool, elapsed, outcome, cancelled, toolError);
            }

            if (context.Activity is { } activity)
            {
                McpTracing.Complete(activity, context.ToolName, outcome, cancelled, toolError);
            }

            if (threshold > TimeSpan.Zero && method != McpMethods.SubscriptionsListen && elapsed >= threshold)
            {
                LogSlow(context, elapsed, threshold);
            }

            session.RemoveInFlight(context);
            if (context.Detach() is { } source)
            {
                ReturnCts(source);
            }
        }
    }

    /// <summary>Handles a notification from the client.</summary>
    public void OnNotification(McpSession session, in JsonRpcEnvelope notification)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var (connection, client, bytes) = RequestOrigin.Current();
            LogMessageReceived(_logger, session.Id, notification.Method!, null, connection, client, bytes);
        }
        switch (notification.Method)
        {
            case McpMethods.NotificationCancelled:
                var p = Bind(notification.Params, McpJsonContext.Default.CancelledNotificationParams);
                if (p is not null && JsonRpcId.TryFrom(p.RequestId, out var id))
                {
                    session.TryCancelInFlight(id);
                }

                break;
            case McpMethods.NotificationRootsListChanged:
                RootsChanged?.Invoke(session);
                break;
            default:
                // notifications/initialized, progress and unknown notifications need no action.
                break;
        }
    }

    /// <summary>Routes a client's response to the handler waiting for it.</summary>
    public bool OnResponse(McpSession session, in JsonRpcEnvelope response)
    {
        ClientResponse answer;
        if (response.Kind == JsonRpcMessageKind.Response)
        {
            using var doc = JsonDocument.Parse(response.Result);
            answer = new ClientResponse(doc.RootElement.Clone(), 0, null);
        }
        else
        {
            var code = McpErrorCode.InternalError;
            string? message = null;
            try
            {
                using var doc = JsonDocument.Parse(response.Error);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (doc.RootElement.TryGetProperty("code", out var c) && c.TryGetInt32(out var ci))
                    {
                        code = ci;
                    }

                    if (doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    {
                        message = m.GetString();
                    }
                }
            }
            catch (JsonException)
            {
            }

            answer = new ClientResponse(null, code, message);
        }

        return session.TryCompleteClientRequest(response.Id, answer);
    }

    // Methods 2026-07-28 removed; on that revision they are unknown methods (HTTP 404, -32601).
    private static bool IsRemovedInStateless(string method) => method is McpMethods.Initialize or McpMethods.Ping
        or McpMethods.LoggingSetLevel or McpMethods.ResourcesSubscribe or McpMethods.ResourcesUnsubscribe;

    private ValueTask<RpcResult> DispatchAsync(RequestContext ctx)
    {
        if (ProtocolRevisions.IsStateless(ctx.Session.Revision))
        {
            if (ctx.Method == McpMethods.ServerDiscover)
            {
                return Ok(Discover(), McpJsonContext.Default.DiscoverResult);
            }

            if (ctx.Method == McpMethods.SubscriptionsListen)
            {
                return ListenAsync(ctx);
            }

            if (IsRemovedInStateless(ctx.Method))
            {
                return ValueTask.FromResult(RpcResult.Fail(new RpcError(McpErrorCode.MethodNotFound, $"Method '{ctx.Method}' does not exist in protocol revision 2026-07-28. Supported revisions without sessions: {string.Join(", ", ProtocolRevisions.SupportedStateless)}; with sessions (initialize): {string.Join(", ", ProtocolRevisions.Supported)}.", "method_not_found", "method")));
            }
        }

        if (ctx.Session.Access is { } access && ScopeNeeded(ctx.Method, access) is { } scope)
        {
            throw InsufficientScope(access, scope);
        }

        switch (ctx.Method)
        {
            case McpMethods.ToolsCall:
                return CallToolAsync(ctx);
            case McpMethods.Ping:
                return Ok(EmptyResult.Instance, McpJsonContext.Default.EmptyResult);
            case McpMethods.Initialize:
                return Ok(Initialize(ctx), McpJsonContext.Default.InitializeResult);
            case McpMethods.ToolsList:
                return Ok(ListTools(ctx), McpJsonContext.Default.ListToolsResult);
            case McpMethods.ResourcesList:
                return Ok(ListResources(ctx), McpJsonContext.Default.ListResourcesResult);
            case McpMethods.ResourcesTemplatesList:
                return Ok(ListResourceTemplates(ctx), McpJsonContext.Default.ListResourceTemplatesResult);
            case McpMethods.ResourcesRead:
                return ReadResourceAsync(ctx);
            case McpMethods.ResourcesSubscribe:
                ctx.Session.Subscribe(RequireUri(ctx));
                return Ok(EmptyResult.Instance, McpJsonContext.Default.EmptyResult);
            case McpMethods.ResourcesUnsubscribe:
                ctx.Session.Unsubscribe(RequireUri(ctx));
                return Ok(EmptyResult.Instance, McpJsonContext.Default.EmptyResult);
            case McpMethods.PromptsList:
                return Ok(ListPrompts(ctx), McpJsonContext.Default.ListPromptsResult);
            case McpMethods.PromptsGet:
                return GetPromptAsync(ctx);
            case McpMethods.CompletionComplete:
                return CompleteAsync(ctx);
            case McpMethods.LoggingSetLevel:
                var level = Bind(ctx.Params, McpJsonContext.Default.SetLevelRequestParams)?.Level
                    ?? throw McpProtocolException.InvalidParams("'logging/setLevel' needs params.level: one of debug, info, notice, warning, error, critical, alert, emergency.");
                ctx.Session.LogLevel = level;
                return Ok(EmptyResult.Instance, McpJsonContext.Default.EmptyResult);
            default:
                return ValueTask.FromResult(RpcResult.Fail(new RpcError(McpErrorCode.MethodNotFound, $"Method '{ctx.Method}' is not supported by this server.", "method_not_found", "method")));
        }
    }

    private static ValueTask<RpcResult> Ok<T>(T value, JsonTypeInfo<T> typeInfo) where T : notnull => ValueTask.FromResult(RpcResult.Ok(value, typeInfo));

    // The scope a method needs beyond authentication, when the client lacks it; tools are checked per name.
    private static string? ScopeNeeded(string method, ClientAccess access) => method switch
    {
        McpMethods.ResourcesRead or McpMethods.ResourcesSubscribe or McpMethods.ResourcesUnsubscribe when !access.CanReadResources => ClientAccess.ResourcesRead,
        McpMethods.PromptsGet when !access.CanGetPrompts => ClientAccess.PromptsGet,
        McpMethods.CompletionComplete when !access.CanGetPrompts && !access.CanReadResources => ClientAccess.PromptsGet,
        _ => null,
    };

    /// <summary>Error 1002, reason insufficient_scope, with the scope to ask for in <c>data.scope</c>.</summary>
    internal static McpProtocolException InsufficientScope(ClientAccess access, string scope) =>
        new(McpErrorCode.AuthenticationFailed, $"Credentials '{access.Principal}' lack the scope '{scope}' this request needs. Use a key or token that has it (mcp-server keys create --scope {scope}).", "insufficient_scope")
        {
            ErrorData = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["scope"] = scope }, McpJsonContext.Default.DictionaryStringString),
        };

    private InitializeResult Initialize(RequestContext ctx)
    {
        var session = ctx.Session;
        if (session.IsInitialized)
        {
            throw new McpProtocolException(McpErrorCode.InvalidRequest, "This session is already initialized; start a new session to initialize again.", "already_initialized");
        }

        // One client program sends the same params every time: sessions share one parsed copy.
        var p = (ctx.Params.IsEmpty ? null : s_initializeParams.Parse(ctx.Params.Span))
            ?? throw McpProtocolException.InvalidParams("'initialize' needs params with protocolVersion, capabilities and clientInfo.");
        if (string.IsNullOrEmpty(p.ProtocolVersion))
        {
            throw McpProtocolException.InvalidParams("'initialize' needs params.protocolVersion, e.g. \"2025-11-25\".", "missing_field");
        }

        // The spec: answer with the requested revision when supported, else with the newest we speak.
        var revision = ProtocolRevisions.TryParse(p.ProtocolVersion, out var r) ? r : ProtocolRevisions.Latest;
        session.ClientCapabilities = p.Capabilities ?? s_noCapabilities;
        session.ClientInfo = p.ClientInfo;
        session.Revision = revision;
        LogSessionInitialized(_logger, session.Id, ProtocolRevisions.ToWire(revision), p.ClientInfo?.Name ?? "?", p.ClientInfo?.Version ?? "?");

        // The answer depends only on the revision and the options: built once per revision.
        return _initializeResults[(int)revision] ??= BuildInitializeResult(revision);
    }

    private DiscoverResult Discover() => _discoverResult ??= new DiscoverResult
    {
        SupportedVersions = ProtocolRevisions.SupportedStateless,
        Capabilities = new ServerCapabilities
        {
            Tools = new ListChangedCapability { ListChanged = true },
            Resources = new ResourcesCapability { Subscribe = true, ListChanged = true },
            Prompts = new ListChangedCapability { ListChanged = true },
            Logging = EmptyResult.Instance,
            Completions = EmptyResult.Instance,
        },
        Instructions = Options.Instructions,
        Meta = new DiscoverMeta { ServerInfo = Options.ServerInfo },
    };

    private InitializeResult BuildInitializeResult(ProtocolRevision revision)
    {
        var info = Options.ServerInfo;
        return new InitializeResult
        {
            ProtocolVersion = ProtocolRevisions.ToWire(revision),
            Capabilities = new ServerCapabilities
            {
                Tools = new ListChangedCapability { ListChanged = true },
                Resources = new ResourcesCapability { Subscribe = true, ListChanged = true },
                Prompts = new ListChangedCapability { ListChanged = true },
                Logging = EmptyResult.Instance,
                Completions = revision >= ProtocolRevision.V2025_03_26 ? EmptyResult.Instance : null,
            },
            ServerInfo = revision >= ProtocolRevision.V2025_11_25 ? info : new Implementation
            {
                Name = info.Name,
                Version = info.Version,
                Title = revision >= ProtocolRevision.V2025_06_18 ? info.Title : null,
            },
            Instructions = Options.Instructions,
        };
    }

    private async ValueTask<RpcResult> CallToolAsync(RequestContext ctx)
    {
        ReadCallParams(ctx.Params.Span, out var nameRange, out var escapedName, out var argsRange, out var tokenRange, out var inputsRange, out var stateRange);
        if (nameRange.End == 0 && escapedName is null)
        {
            throw McpProtocolException.InvalidParams("'tools/call' needs params.name, the tool to call.", "missing_field");
        }

        if (ctx.Session.Access is { AllTools: false } access)
        {
            // Checked before the lookup, so a key without the scope learns nothing about which tools exist.
            var requested = escapedName ?? System.Text.Encoding.UTF8.GetString(ctx.Params.Span[nameRange.Start..nameRange.End]);
            if (!access.CanCallTool(requested))
            {
                throw InsufficientScope(access, ClientAccess.ScopeForTool(requested));
            }
        }

        ToolDefinition? tool;
        var found = escapedName is not null
            ? Catalog.TryGetTool(escapedName, out tool)
            : Catalog.TryGetTool(ctx.Params.Span[nameRange.Start..nameRange.End], out tool);
        if (!found)
        {
            var unknown = escapedName ?? System.Text.Encoding.UTF8.GetString(ctx.Params.Span[nameRange.Start..nameRange.End]);
            throw McpProtocolException.InvalidParams($"Unknown tool '{unknown}'. Call 'tools/list' to see the tools this server offers.", "unknown_tool");
        }

        var name = tool!.Name;
        ctx.Tool = tool;
        var args = new ToolArguments(argsRange.End > 0 ? ctx.Params[argsRange.Start..argsRange.End] : default);
        if (tokenRange.End > 0)
        {
            ctx.ProgressToken = ctx.Params[tokenRange.Start..tokenRange.End];
        }

        if (ProtocolRevisions.IsStateless(ctx.Session.Revision))
        {
            PrepareInputs(ctx, name, args.Raw, Slice(ctx.Params, inputsRange), Slice(ctx.Params, stateRange));
        }

        if (Options.ToolCallsPerMinute is > 0 and var perMinute && tool.TryTakeCall(perMinute) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            LogLimitReached(_logger, ctx.Session.Id, "limits.toolCallsPerMinute", $"tool {name} was called {perMinute} time(s) in the last minute");
            McpMetrics.CountLimit("tool_rate_limited");
            throw new McpProtocolException(McpErrorCode.ServerError, $"Tool '{name}' was called more than {perMinute} time(s) a minute, its limit (limits.toolCallsPerMinute); retry in {seconds} s.", "tool_rate_limited")
            {
                ErrorData = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["retryAfterSeconds"] = seconds.ToString(CultureInfo.InvariantCulture) }, McpJsonContext.Default.DictionaryStringString),
            };
        }

        var timeout = Options.ToolTimeout;
        var perTool = Options.MaxConcurrentCallsPerTool;
        if (perTool > 0 && Interlocked.Increment(ref tool.Running) > perTool)
        {
            Interlocked.Decrement(ref tool.Running);
            LogLimitReached(_logger, ctx.Session.Id, "limits.maxConcurrentCallsPerTool", $"tool {name} already runs {perTool} call(s)");
            McpMetrics.CountLimit("tool_busy");
            throw new McpProtocolException(McpErrorCode.ServerError, $"Tool '{name}' already runs {perTool} call(s), its limit (limits.maxConcurrentCallsPerTool); retry shortly.", "tool_busy");
        }

        try
        {
            var pending = tool.Handler(ctx, args);
            if (pending.IsCompletedSuccessfully)
            {
                return RpcResult.Ok(ForRevision(pending.Result, ctx.Session.Revision), McpJsonContext.Default.CallToolResult);
            }

            // Only a call that did not finish at once pays for a timer.
            if (timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            {
                ctx.ArmTimeout(timeout);
            }

            var result = await pending.ConfigureAwait(false);
            return RpcResult.Ok(ForRevision(result, ctx.Session.Revision), McpJsonContext.Default.CallToolResult);
        }
        catch (OperationCanceledException) when (ctx.TimeoutArmed && !ctx.CancelledExplicitly && ctx.CancellationToken.IsCancellationRequested)
        {
            LogTimeout(ctx, name, timeout);
            throw new McpProtocolException(McpErrorCode.RequestTimeout, $"Tool '{name}' did not finish within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s and was cancelled. Raise the tool timeout or make the call lighter.", "tool_timeout");
        }
        catch (Exception ex) when (ex is not McpProtocolException and not InputRequiredException && !(ex is OperationCanceledException && ctx.CancellationToken.IsCancellationRequested))
        {
            // A tool's own failure is a tool result with isError, so the model can see it and react.
            LogToolFailed(_logger, ex, ctx.Session.Id, name);
            return RpcResult.Ok(CallToolResult.Error($"Tool '{name}' failed: {ex.Message}"), McpJsonContext.Default.CallToolResult);
        }
        finally
        {
            if (perTool > 0)
            {
                Interlocked.Decrement(ref tool.Running);
            }
        }
    }

    private static CallToolResult ForRevision(CallToolResult result, ProtocolRevision revision)
    {
        if (revision < ProtocolRevision.V2025_06_18 && result.StructuredContent is not null)
        {
            return new CallToolResult { Content = result.Content, IsError = result.IsError };
        }

        return result;
    }

    private static JsonElement Slice(ReadOnlyMemory<byte> json, (int Start, int End) range)
    {
        if (range.End == 0)
        {
            return default;
        }

        using var doc = JsonDocument.Parse(json[range.Start..range.End]);
        return doc.RootElement.Clone();
    }

    private static void ReadCallParams(ReadOnlySpan<byte> json, out (int Start, int End) name, out string? escapedName, out (int Start, int End) args, out (int Start, int End) token, out (int Start, int End) inputs, out (int Start, int End) state)
    {
        name = default;
        escapedName = null;
        args = default;
        token = default;
        inputs = default;
        state = default;
        if (json.IsEmpty)
        {
            return;
        }

        var reader = new Utf8JsonReader(json, s_readerOptions);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw McpProtocolException.InvalidParams("params.name must be a string.", "invalid_field");
                }

                // The raw bytes (between the quotes) serve for the lookup unless the name has escapes.
                if (reader.ValueIsEscaped)
                {
                    escapedName = reader.GetString();
                }
                else
                {
                    var start = (int)reader.TokenStartIndex + 1;
                    name = (start, start + reader.ValueSpan.Length);
                }
            }
            else if (reader.ValueTextEquals("arguments"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    args = (start, (int)reader.BytesConsumed);
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw McpProtocolException.InvalidParams("params.arguments must be an object.", "invalid_field");
                }
            }
            else if (reader.ValueTextEquals("_meta"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isToken = reader.ValueTextEquals("progressToken"u8);
                    reader.Read();
                    if (isToken && reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
                    {
                        var start = (int)reader.TokenStartIndex;
                        token = (start, (int)reader.BytesConsumed);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("inputResponses"u8) || reader.ValueTextEquals("requestState"u8))
            {
                var isInputs = reader.ValueTextEquals("inputResponses"u8);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var range = (start, (int)reader.BytesConsumed);
                if (isInputs)
                {
                    inputs = range;
                }
                else
                {
                    state = range;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private ListToolsResult ListTools(RequestContext ctx)
    {
        var revision = ctx.Session.Revision;
        IReadOnlyList<ToolDefinition> tools = Catalog.Tools;
        if (ctx.Session.Access is { AllTools: false } access)
        {
            // A key lists the tools it may call.
            tools = access.AnyTool ? tools.Where(t => access.CanCallTool(t.Name)).ToArray() : [];
        }

        var (page, next) = Page(ctx, tools, t => t.ForRevision(revision));
        return new ListToolsResult { Tools = page, NextCursor = next };
    }

    private ListResourcesResult ListResources(RequestContext ctx)
    {
        var (page, next) = Page(ctx, ctx.Session.Access is { CanReadResources: false } ? [] : Catalog.Resources, static r => r.Resource);
        return new ListResourcesResult { Resources = page, NextCursor = next };
    }

    private ListResourceTemplatesResult ListResourceTemplates(RequestContext ctx)
    {
        var (page, next) = Page(ctx, ctx.Session.Access is { CanReadResources: false } ? [] : Catalog.ResourceTemplates, static t => t.Template);
        return new ListResourceTemplatesResult { ResourceTemplates = page, NextCursor = next };
    }

    private ListPromptsResult ListPrompts(RequestContext ctx)
    {
        var (page, next) = Page(ctx, ctx.Session.Access is { CanGetPrompts: false } ? [] : Catalog.Prompts, static p => p.Prompt);
        return new ListPromptsResult { Prompts = page, NextCursor = next };
    }

    private (TWire[] Page, string? Next) Page<TDefinition, TWire>(RequestContext ctx, IReadOnlyList<TDefinition> all, Func<TDefinition, TWire> select)
    {
        var (start, count, next) = Page(ctx, all.Count);
        var page = new TWire[count];
        for (var i = 0; i < count; i++)
        {
            page[i] = select(all[start + i]);
        }

        return (page, next);
    }

    private (int Start, int Count, string? Next) Page(RequestContext ctx, int total)
    {
        var cursor = Bind(ctx.Params, McpJsonContext.Default.PaginatedRequestParams)?.Cursor;
        var start = 0;
        if (cursor is not null && !TryDecodeCursor(cursor, out start))
        {
            throw McpProtocolException.InvalidParams("params.cursor is not a cursor this server issued; start again without a cursor.", "invalid_cursor");
        }

        start = Math.Min(start, total);
        var size = Math.Max(1, Options.PageSize);
        var count = Math.Min(size, total - start);
        var next = start + count < total ? EncodeCursor(start + count) : null;
        return (start, count, next);
    }

    internal static string EncodeCursor(int offset) => Convert.ToBase64String(Encoding.ASCII.GetBytes("o:" + offset.ToString(CultureInfo.InvariantCulture)));

    internal static bool TryDecodeCursor(string cursor, out int offset)
    {
        offset = 0;
        Span<byte> bytes = stackalloc byte[32];
        if (cursor.Length > 40 || !Convert.TryFromBase64String(cursor, bytes, out var n) || n < 3 || bytes[0] != (byte)'o' || bytes[1] != (byte)':')
        {
            return false;
        }

        return int.TryParse(Encoding.ASCII.GetString(bytes[2..n]), NumberStyles.None, CultureInfo.InvariantCulture, out offset) && offset >= 0;
    }

    private static string RequireUri(RequestContext ctx)
    {
        var uri = Bind(ctx.Params, McpJsonContext.Default.ResourceUriParams)?.Uri;
        return string.IsNullOrEmpty(uri) ? throw McpProtocolException.InvalidParams($"'{ctx.Method}' needs params.uri.", "missing_field") : uri;
    }

    private async ValueTask<RpcResult> ReadResourceAsync(RequestContext ctx)
    {
        var p = Bind(ctx.Params, McpJsonContext.Default.ResourceUriParams);
        var uri = p?.Uri;
        if (string.IsNullOrEmpty(uri))
        {
            throw McpProtocolException.InvalidParams($"'{ctx.Method}' needs params.uri.", "missing_field");
        }

        if (!Catalog.TryResolveResource(uri, out var reader, out var variables))
        {
            // 2026-07-28 reports an unknown resource as invalid params; earlier revisions use -32002.
            var code = ProtocolRevisions.IsStateless(ctx.Session.Revision) ? McpErrorCode.InvalidParams : McpErrorCode.ResourceNotFound;
            throw new McpProtocolException(code, $"Resource '{uri}' not found. Call 'resources/list' or 'resources/templates/list' to see what exists.", "resource_not_found")
            {
                Field = "uri",
                ErrorData = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["uri"] = uri }, McpJsonContext.Default.DictionaryStringString),
            };
        }

        PrepareInputs(ctx, uri, default, p!.InputResponses, p.RequestState);
        var result = await reader(ctx, uri, variables).ConfigureAwait(false);
        return RpcResult.Ok(result, McpJsonContext.Default.ReadResourceResult);
    }

    private async ValueTask<RpcResult> GetPromptAsync(RequestContext ctx)
    {
        var p = Bind(ctx.Params, McpJsonContext.Default.GetPromptRequestParams);
        if (string.IsNullOrEmpty(p?.Name))
        {
            throw McpProtocolException.InvalidParams("'prompts/get' needs params.name.", "missing_field");
        }

        if (!Catalog.TryGetPrompt(p.Name, out var prompt))
        {
            throw McpProtocolException.InvalidParams($"Unknown prompt '{p.Name}'. Call 'prompts/list' to see the prompts this server offers.", "unknown_prompt");
        }

        var args = (IReadOnlyDictionary<string, string>?)p.Arguments ?? new Dictionary<string, string>();
        if (prompt.Prompt.Arguments is { } declared)
        {
            foreach (var a in declared)
            {
                if (a.Required == true && !args.ContainsKey(a.Name))
                {
                    throw McpProtocolException.InvalidParams($"Prompt '{p.Name}' needs argument '{a.Name}'.", "missing_argument");
                }
            }
        }

        if (ProtocolRevisions.IsStateless(ctx.Session.Revision))
        {
            var raw = p.Arguments is null ? default : JsonSerializer.SerializeToUtf8Bytes(p.Arguments, McpJsonContext.Default.DictionaryStringString);
            PrepareInputs(ctx, p.Name, raw, p.InputResponses, p.RequestState);
        }

        var result = await prompt.Handler(ctx, args).ConfigureAwait(false);
        return RpcResult.Ok(result, McpJsonContext.Default.GetPromptResult);
    }

    private async ValueTask<RpcResult> CompleteAsync(RequestContext ctx)
    {
        var p = Bind(ctx.Params, McpJsonContext.Default.CompleteRequestParams);
        if (p?.Ref is null || p.Argument?.Name is null)
        {
            throw McpProtocolException.InvalidParams("'completion/complete' needs params.ref and params.argument.name.", "missing_field");
        }

        if (ctx.Session.Access is { } access)
        {
            if (p.Ref.Type == "ref/prompt" && !access.CanGetPrompts)
            {
                throw InsufficientScope(access, ClientAccess.PromptsGet);
            }

            if (p.Ref.Type == "ref/resource" && !access.CanReadResources)
            {
                throw InsufficientScope(access, ClientAccess.ResourcesRead);
            }
        }

        IReadOnlyDictionary<string, CompletionHandler>? handlers = p.Ref.Type switch
        {
            "ref/prompt" when p.Ref.Name is not null => Catalog.TryGetPrompt(p.Ref.Name, out var prompt) ? prompt.Completions
                : throw McpProtocolException.InvalidParams($"Unknown prompt '{p.Ref.Name}'.", "unknown_prompt"),
            "ref/resource" when p.Ref.Uri is not null => Catalog.ResourceTemplates.FirstOrDefault(t => t.Template.UriTemplate == p.Ref.Uri)?.Completions
                ?? (Catalog.Resources.Any(r => r.Uri == p.Ref.Uri) ? null : throw McpProtocolException.InvalidParams($"Unknown resource template '{p.Ref.Uri}'.", "unknown_resource")),
            _ => throw McpProtocolException.InvalidParams("params.ref.type must be 'ref/prompt' (with name) or 'ref/resource' (with uri).", "invalid_field"),
        };

        var values = new List<string>();
        if (handlers is not null && handlers.TryGetValue(p.Argument.Name, out var handler))
        {
            var context = (IReadOnlyDictionary<string, string>?)p.Context?.Arguments ?? new Dictionary<string, string>();
            values.AddRange(await handler(p.Argument.Value ?? string.Empty, context, ctx.CancellationToken).ConfigureAwait(false));
        }

        // The spec caps a completion at 100 values.
        var total = values.Count;
        if (total > 100)
        {
            values.RemoveRange(100, total - 100);
        }

        return RpcResult.Ok(new CompleteResult { Completion = new Completion { Values = values, Total = total, HasMore = total > 100 } }, McpJsonContext.Default.CompleteResult);
    }

    private static T? Bind<T>(ReadOnlyMemory<byte> json, JsonTypeInfo<T> typeInfo) where T : class =>
        json.IsEmpty ? null : JsonSerializer.Deserialize(json.Span, typeInfo);

    private void OnCatalogChanged(CatalogChange change)
    {
        if (change.HasFlag(CatalogChange.Tools))
        {
            NotifySubscriptions(McpMethods.NotificationToolsListChanged, static s => s.Filter.ToolsListChanged == true, null);
        }

        if (change.HasFlag(CatalogChange.Resources))
        {
            NotifySubscriptions(McpMethods.NotificationResourcesListChanged, static s => s.Filter.ResourcesListChanged == true, null);
        }

        if (change.HasFlag(CatalogChange.Prompts))
        {
            NotifySubscriptions(McpMethods.NotificationPromptsListChanged, static s => s.Filter.PromptsListChanged == true, null);
        }

        if (change.HasFlag(CatalogChange.Tools))
        {
            Broadcast(JsonRpcWriter.SerializeNotification<EmptyResult>(McpMethods.NotificationToolsListChanged, null, null), null);
        }

        if (change.HasFlag(CatalogChange.Resources))
        {
            Broadcast(JsonRpcWriter.SerializeNotification<EmptyResult>(McpMethods.NotificationResourcesListChanged, null, null), null);
        }

        if (change.HasFlag(CatalogChange.Prompts))
        {
            Broadcast(JsonRpcWriter.SerializeNotification<EmptyResult>(McpMethods.NotificationPromptsListChanged, null, null), null);
        }
    }

    private void OnResourceUpdated(string uri)
    {
        NotifySubscriptions(McpMethods.NotificationResourceUpdated, s => s.WantsUri(uri), uri);

        var msg = JsonRpcWriter.SerializeNotification(McpMethods.NotificationResourceUpdated, new ResourceUpdatedNotificationParams { Uri = uri }, McpJsonContext.Default.ResourceUpdatedNotificationParams);
        Broadcast(msg, uri);
    }

    private void Broadcast(byte[] message, string? subscribedUri)
    {
        foreach (var session in Sessions.Sessions)
        {
            if (!session.IsInitialized || session.Outbound is not { } sink || (subscribedUri is not null && !session.IsSubscribed(subscribedUri)))
            {
                continue;
            }

            _ = SendQuietlyAsync(sink, message, session.Id);
        }
    }

    private async Task SendQuietlyAsync(IMcpMessageSink sink, ReadOnlyMemory<byte> message, string sessionId)
    {
        try
        {
            await sink.SendAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A client that went away is not a server fault; nothing here may go unobserved.
            LogNotificationDropped(_logger, sessionId, ex.Message);
        }
    }

    private CancellationTokenSource RentCts() => _ctsPool.TryDequeue(out var cts) ? cts : new CancellationTokenSource();

    private void ReturnCts(CancellationTokenSource cts)
    {
        if (_ctsPool.Count < 1024 && cts.TryReset())
        {
            _ctsPool.Enqueue(cts);
        }
        else
        {
            cts.Dispose();
        }
    }
}
