using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using McpServer.Protocol;

namespace McpServer.Engine;

/// <summary>
/// One attempt at a multi-round-trip request (2026-07-28). The handler runs from the start on
/// every attempt; each input it asks for is answered from the sealed answers of earlier rounds or
/// from this request's <c>inputResponses</c>, and whatever is still missing ends the attempt with
/// an <see cref="InputRequiredResult"/> whose <c>requestState</c> carries the answers used so far.
/// </summary>
internal sealed class InputRound
{
    private readonly Dictionary<string, JsonElement>? _carried;
    private readonly Dictionary<string, JsonElement>? _responses;
    private Dictionary<string, JsonElement>? _used;
    private Dictionary<string, string>? _askedMethods;
    private Dictionary<string, InputRequest>? _pending;
    private int _unnamed;
    private string? _digest;

    public InputRound(string method, string target, ReadOnlyMemory<byte> arguments, string? digest = null, int round = 0, Dictionary<string, JsonElement>? carried = null, Dictionary<string, JsonElement>? responses = null, string? handlerState = null)
    {
        Method = method;
        Target = target;
        Arguments = arguments;
        _digest = digest;
        Round = round;
        _carried = carried;
        _responses = responses;
        HandlerState = handlerState;
    }

    public string Method { get; }

    /// <summary>The tool or prompt name, or the resource URI.</summary>
    public string Target { get; }

    /// <summary>The raw arguments of the request (valid while it runs).</summary>
    public ReadOnlyMemory<byte> Arguments { get; }

    /// <summary>Binds a requestState to this request; computed only when state is sealed or opened.</summary>
    public string Digest => _digest ??= ComputeDigest(Method, Target, Arguments.Span);

    /// <summary>How many rounds came before this one (0 on the first attempt).</summary>
    public int Round { get; }

    public string? HandlerState { get; set; }

    public bool HasPending => _pending is { Count: > 0 };

    public Dictionary<string, InputRequest>? Pending => _pending;

    public Dictionary<string, JsonElement>? Used => _used;

    /// <summary>A key for an input the handler did not name: stable across attempts because the handler replays.</summary>
    public string NextUnnamedKey(string prefix) => prefix + "-" + (++_unnamed).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Returns the answer for <paramref name="key"/>, or records the request as pending.</summary>
    public bool TryAnswer(string key, string method, Func<JsonElement?> makeParams, out JsonElement answer)
    {
        lock (this)
        {
            _askedMethods ??= new Dictionary<string, string>(StringComparer.Ordinal);
            if (_askedMethods.TryGetValue(key, out var earlier) && earlier != method)
            {
                throw new InvalidOperationException($"Input key '{key}' was used for both '{earlier}' and '{method}'; give each input request its own key.");
            }

            _askedMethods[key] = method;
            if ((_carried is not null && _carried.TryGetValue(key, out answer)) || (_responses is not null && _responses.TryGetValue(key, out answer)))
            {
                (_used ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal))[key] = answer;
                return true;
            }

            (_pending ??= new Dictionary<string, InputRequest>(StringComparer.Ordinal))[key] = new InputRequest { Method = method, Params = makeParams() };
            answer = default;
            return false;
        }
    }

    /// <summary>SHA-256 over the method, the target (tool, prompt or URI) and the compact arguments.</summary>
    public static string ComputeDigest(string method, string target, ReadOnlySpan<byte> arguments)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(method));
        hash.AppendData([0]);
        hash.AppendData(Encoding.UTF8.GetBytes(target));
        hash.AppendData([0]);
        if (!arguments.IsEmpty)
        {
            // Re-written compactly, so whitespace a client adds on the retry does not matter.
            var reader = new Utf8JsonReader(arguments);
            using var doc = JsonDocument.ParseValue(ref reader);
            using var buffer = new PooledBufferWriter(arguments.Length);
            using (var w = new Utf8JsonWriter(buffer))
            {
                doc.RootElement.WriteTo(w);
            }

            hash.AppendData(buffer.WrittenSpan);
        }

        return Convert.ToBase64String(hash.GetHashAndReset());
    }
}

/// <summary>Ends a handler's attempt because it needs input the client has not given yet.</summary>
internal sealed class InputRequiredException : Exception
{
    public InputRequiredException() : base("The request needs input from the client; it is answered with an InputRequiredResult.")
    {
    }
}
