using System.Globalization;
using System.Text.Json;
using McpServer.Protocol;

namespace McpServer.Engine;

// Multi-round-trip requests (2026-07-28): a handler that needs input ends its attempt with an
// InputRequiredResult; the client answers and retries with inputResponses and the sealed
// requestState, and the handler runs again from the start with the answers at hand.
public sealed partial class McpDispatcher
{
    private const int SealedStateVersion = 1;
    private IRequestStateProtector? _protector;

    private IRequestStateProtector Protector => _protector ??= Options.RequestStateProtector ?? new EphemeralRequestStateProtector();

    /// <summary>
    /// Lets a 2026-07-28 <c>tools/call</c>, <c>prompts/get</c> or <c>resources/read</c> ask for input,
    /// and resumes it from <paramref name="requestState"/> and <paramref name="inputResponses"/> when
    /// the client sent them. Nothing is allocated for a first attempt that asks for nothing.
    /// </summary>
    private void PrepareInputs(RequestContext ctx, string target, ReadOnlyMemory<byte> arguments, JsonElement inputResponses, JsonElement requestState)
    {
        if (!ProtocolRevisions.IsStateless(ctx.Session.Revision))
        {
            return;
        }

        ctx.InputTarget = target;
        ctx.InputArguments = arguments;
        var hasResponses = inputResponses.ValueKind != JsonValueKind.Undefined;
        var hasState = requestState.ValueKind != JsonValueKind.Undefined;
        if (!hasResponses && !hasState)
        {
            return;
        }

        Dictionary<string, JsonElement>? responses = null;
        if (hasResponses)
        {
            if (inputResponses.ValueKind != JsonValueKind.Object)
            {
                throw new McpProtocolException(McpErrorCode.InvalidParams, "params.inputResponses must be an object that maps each key of the server's inputRequests to the client's answer.", "invalid_input_responses") { Field = "inputResponses" };
            }

            responses = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var member in inputResponses.EnumerateObject())
            {
                responses[member.Name] = member.Value;
            }
        }

        var round = new InputRound(ctx.Method, target, arguments, responses: responses);
        if (hasState)
        {
            var state = OpenState(round, requestState);
            round = new InputRound(ctx.Method, target, arguments, round.Digest, state.Round, state.Answers, responses, state.HandlerState);
        }

        ctx.Inputs = round;
    }

    private SealedRequestState OpenState(InputRound round, JsonElement requestState)
    {
        const string Restart = "Start the request again without requestState and inputResponses.";
        if (requestState.ValueKind != JsonValueKind.String)
        {
            throw new McpProtocolException(McpErrorCode.InvalidParams, "params.requestState must be the string the server returned in its InputRequiredResult, echoed unchanged. " + Restart, "invalid_request_state") { Field = "requestState" };
        }

        SealedRequestState? state = null;
        if (Protector.TryUnprotect(requestState.GetString()!, out var plain))
        {
            try
            {
                state = JsonSerializer.Deserialize(plain, McpInternalJsonContext.Default.SealedRequestState);
            }
            catch (JsonException)
            {
            }
        }

        if (state is null || state.Version != SealedStateVersion)
        {
            throw new McpProtocolException(McpErrorCode.InvalidParams, "params.requestState failed verification: it was changed, or it was issued by a server with other keys. " + Restart, "invalid_request_state") { Field = "requestState" };
        }

        var now = Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        if (now > state.ExpiresAt)
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(state.ExpiresAt).ToString("u", CultureInfo.InvariantCulture);
            throw new McpProtocolException(McpErrorCode.InvalidParams, $"params.requestState expired at {at} (it is valid for {Options.RequestStateLifetime.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes). " + Restart, "expired_request_state") { Field = "requestState" };
        }

        if (state.Method != round.Method || state.Digest != round.Digest)
        {
            throw new McpProtocolException(McpErrorCode.InvalidParams, $"params.requestState belongs to another request: it was issued for a different method, {(round.Method == McpMethods.ResourcesRead ? "resource" : round.Method == McpMethods.PromptsGet ? "prompt" : "tool")} or arguments. Echo each requestState only on the retry of the request that received it. " + Restart, "request_state_mismatch") { Field = "requestState" };
        }

        return state;
    }

    /// <summary>The attempt ended for want of input: the pending requests and the state to resume from.</summary>
    private RpcResult InputRequired(RequestContext ctx)
    {
        var round = ctx.Inputs;
        if (round is null || !round.HasPending)
        {
            throw new InvalidOperationException("A handler ended for want of input without asking for any.");
        }

        var state = new SealedRequestState
        {
            Version = SealedStateVersion,
            Method = round.Method,
            Digest = round.Digest,
            ExpiresAt = (Options.TimeProvider.GetUtcNow() + Options.RequestStateLifetime).ToUnixTimeMilliseconds(),
            Round = round.Round + 1,
            Answers = round.Used,
            HandlerState = round.HandlerState,
        };
        var sealedState = Protector.Protect(JsonSerializer.SerializeToUtf8Bytes(state, McpInternalJsonContext.Default.SealedRequestState));
        LogInputRequired(_logger, ctx.Session.Id, ctx.Method, ctx.Id, round.Pending!.Count, round.Round + 1);
        return RpcResult.Ok(new InputRequiredResult { InputRequests = round.Pending, RequestState = sealedState }, McpJsonContext.Default.InputRequiredResult);
    }
}
