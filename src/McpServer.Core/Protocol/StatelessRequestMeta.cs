using System.Text.Json;

namespace McpServer.Protocol;

/// <summary>
/// What a 2026-07-28 request says about itself in <c>params._meta</c>: its revision, the client's
/// capabilities and identity, and the log level it wants. Read in one pass over the raw params.
/// </summary>
public readonly struct StatelessRequestMeta
{
    /// <summary>The <c>_meta</c> key of the request's protocol version.</summary>
    public const string ProtocolVersionKey = "io.modelcontextprotocol/protocolVersion";

    /// <summary>The <c>_meta</c> key of the client's capabilities.</summary>
    public const string ClientCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities";

    /// <summary>The <c>_meta</c> key of the client's name and version.</summary>
    public const string ClientInfoKey = "io.modelcontextprotocol/clientInfo";

    /// <summary>The <c>_meta</c> key of the lowest log level the request wants.</summary>
    public const string LogLevelKey = "io.modelcontextprotocol/logLevel";

    private static readonly JsonReaderOptions s_options = new() { MaxDepth = JsonRpcEnvelopeReader.MaxDepth };

    /// <summary>Whether <c>params._meta</c> is an object.</summary>
    public bool HasMeta { get; init; }

    /// <summary>The protocol version, when it is a string.</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>The raw client capabilities object, or empty when absent or not an object.</summary>
    public ReadOnlyMemory<byte> ClientCapabilities { get; init; }

    /// <summary>The raw client info object, or empty.</summary>
    public ReadOnlyMemory<byte> ClientInfo { get; init; }

    /// <summary>The log level, when present as a string.</summary>
    public string? LogLevel { get; init; }

    /// <summary>Whether the log level member is present at all.</summary>
    public bool HasLogLevel { get; init; }

    /// <summary>The top-level <c>name</c> of the params, when a string (what <c>Mcp-Name</c> repeats for tools and prompts).</summary>
    public string? Name { get; init; }

    /// <summary>The top-level <c>uri</c> of the params, when a string (what <c>Mcp-Name</c> repeats for resources/read).</summary>
    public string? Uri { get; init; }

    /// <summary>Reads <c>_meta</c> out of a request's raw params (empty params give an empty result).</summary>
    public static StatelessRequestMeta Read(ReadOnlyMemory<byte> parameters)
    {
        if (parameters.IsEmpty)
        {
            return default;
        }

        // One pass: _meta, and the top-level name and uri the Mcp-Name header must repeat.
        var reader = new Utf8JsonReader(parameters.Span, s_options);
        reader.Read();
        var result = default(StatelessRequestMeta);
        string? name = null, uri = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8) || reader.ValueTextEquals("uri"u8))
            {
                var isName = reader.ValueTextEquals("name"u8);
                reader.Read();
                var value = reader.TokenType == JsonTokenType.String ? Utf8StringCache.GetString(ref reader) : null;
                reader.Skip();
                if (isName)
                {
                    name = value;
                }
                else
                {
                    uri = value;
                }

                continue;
            }

            var isMeta = reader.ValueTextEquals("_meta"u8);
            reader.Read();
            if (!isMeta || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            string? version = null, level = null;
            var hasLevel = false;
            ReadOnlyMemory<byte> capabilities = default, clientInfo = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(ProtocolVersionKey))
                {
                    reader.Read();
                    version = reader.TokenType == JsonTokenType.String ? Utf8StringCache.GetString(ref reader) : null;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals(ClientCapabilitiesKey))
                {
                    reader.Read();
                    capabilities = SliceObject(parameters, ref reader);
                }
                else if (reader.ValueTextEquals(ClientInfoKey))
                {
                    reader.Read();
                    clientInfo = SliceObject(parameters, ref reader);
                }
                else if (reader.ValueTextEquals(LogLevelKey))
                {
                    reader.Read();
                    hasLevel = true;
                    level = reader.TokenType == JsonTokenType.String ? Utf8StringCache.GetString(ref reader) : null;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            result = new StatelessRequestMeta { HasMeta = true, ProtocolVersion = version, ClientCapabilities = capabilities, ClientInfo = clientInfo, LogLevel = level, HasLogLevel = hasLevel };
        }

        return result with { Name = name, Uri = uri };
    }

    private static ReadOnlyMemory<byte> SliceObject(ReadOnlyMemory<byte> json, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return default;
        }

        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return json[start..(int)reader.BytesConsumed];
    }
}
