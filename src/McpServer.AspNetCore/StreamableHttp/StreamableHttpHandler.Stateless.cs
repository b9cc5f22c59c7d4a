using System.Buffers;
using System.Text;
using System.Text.Json;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace McpServer.AspNetCore.StreamableHttp;

// Revision 2026-07-28: no initialize and no sessions; every request names its revision and the
// client's capabilities in params._meta and the Mcp-Method / Mcp-Name headers repeat the body.
// See docs/designs/stateless-2026-07-28.md for the rules and the order of the checks.
internal sealed partial class StreamableHttpHandler
{
    private const string MethodHeader = "Mcp-Method";
    private const string NameHeader = "Mcp-Name";

    private async Task HandleStatelessAsync(HttpContext http, JsonRpcEnvelope envelope, string versionHeader)
    {
        if (envelope.Kind != JsonRpcMessageKind.Request)
        {
            // Notifications need no answer on this revision; there are no server requests to answer.
            http.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        var id = envelope.Id;
        if (versionHeader.Length == 0)
        {
            await RefuseStatelessAsync(http, id, McpErrorCode.HeaderMismatch, "The MCP-Protocol-Version header is required on every request of revision 2026-07-28.", "missing_header", HttpConstants.ProtocolVersionHeader).ConfigureAwait(false);
            return;
        }

        var meta = StatelessRequestMeta.Read(envelope.Params);
        var missing = !meta.HasMeta ? "params._meta"
            : meta.ProtocolVersion is null ? $"params._meta[\"{StatelessRequestMeta.ProtocolVersionKey}\"]"
            : meta.ClientCapabilities.IsEmpty ? $"params._meta[\"{StatelessRequestMeta.ClientCapabilitiesKey}\"]"
            : null;
        if (missing is not null)
        {
            await RefuseStatelessAsync(http, id, McpErrorCode.InvalidParams, $"{missing} is required on every request without a session: the protocol version (a string) and the client capabilities (an object).", "missing_meta", missing).ConfigureAwait(false);
            return;
        }

        if (!string.Equals(meta.ProtocolVersion, versionHeader, StringComparison.Ordinal))
        {
            await RefuseStatelessAsync(http, id, McpErrorCode.HeaderMismatch, $"Header mismatch: MCP-Protocol-Version '{versionHeader}' does not match params._meta protocol version '{meta.ProtocolVersion}'.", "header_mismatch", HttpConstants.ProtocolVersionHeader).ConfigureAwait(false);
            return;
        }

        if (!ProtocolRevisions.TryParseStateless(meta.ProtocolVersion, out var revision))
        {
            var data = JsonSerializer.SerializeToElement(new Dictionary<string, JsonElement>
            {
                ["supported"] = JsonSerializer.SerializeToElement(ProtocolRevisions.SupportedStateless.ToArray(), McpJsonContext.Default.StringArray),
                ["requested"] = JsonSerializer.SerializeToElement(meta.ProtocolVersion!, McpJsonContext.Default.String),
            }, McpJsonContext.Default.DictionaryStringJsonElement);
            await RefuseStatelessAsync(http, id, McpErrorCode.UnsupportedProtocolVersion, $"Unsupported protocol version '{meta.ProtocolVersion}'. Supported without sessions: {string.Join(", ", ProtocolRevisions.SupportedStateless)}; with sessions (initialize): {string.Join(", ", ProtocolRevisions.Supported)}.", "unsupported_protocol_version", HttpConstants.ProtocolVersionHeader, data).ConfigureAwait(false);
            return;
        }

        if (!CheckStandardHeaders(http, envelope, meta, out var headerProblem, out var headerName))
        {
            await RefuseStatelessAsync(http, id, McpErrorCode.HeaderMismatch, headerProblem, "header_mismatch", headerName).ConfigureAwait(false);
            return;
        }

        LoggingLevel? level = null;
        if (meta.HasLogLevel)
        {
            if (!TryParseLevel(meta.LogLevel, out var parsed))
            {
                await RefuseStatelessAsync(http, id, McpErrorCode.InvalidParams, $"params._meta[\"{StatelessRequestMeta.LogLevelKey}\"] must be one of debug, info, notice, warning, error, critical, alert, emergency.", "invalid_field", StatelessRequestMeta.LogLevelKey).ConfigureAwait(false);
                return;
            }

            level = parsed;
        }

        // A session object that lives for this request only: it is never put in the session table.
        var session = new McpSession(string.Empty, "stateless", _sessions.Now)
        {
            Revision = revision,
            ClientCapabilities = JsonSerializer.Deserialize(meta.ClientCapabilities.Span, McpJsonContext.Default.ClientCapabilities),
            ClientInfo = meta.ClientInfo.IsEmpty ? null : JsonSerializer.Deserialize(meta.ClientInfo.Span, McpJsonContext.Default.Implementation),
            LogLevel = level,
        };

        var stream = new PostResponseStream(http, session, _options, keepAlive);
        var result = await dispatcher.ExecuteAsync(session, envelope, stream, services, CancellationToken.None).ConfigureAwait(false);
        if (result.IsCancelled)
        {
            await stream.AbandonAsync().ConfigureAwait(false);
            return;
        }

        using var buffer = new PooledBufferWriter(1024);
        var cacheable = IsCacheable(envelope.Method!);
        JsonRpcWriter.WriteStatelessResponse(buffer, id, result, cacheable ? 0 : null, cacheable ? "private" : null);
        if (stream.IsStreaming)
        {
            await stream.CompleteAsync(buffer.WrittenMemory).ConfigureAwait(false);
            return;
        }

        var response = http.Response;
        response.StatusCode = result.Error?.Code switch
        {
            McpErrorCode.MethodNotFound => StatusCodes.Status404NotFound,
            McpErrorCode.MissingRequiredClientCapability or McpErrorCode.HeaderMismatch or McpErrorCode.UnsupportedProtocolVersion => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status200OK,
        };
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
    }

    private async Task<bool> RefuseStatelessGetOrDeleteAsync(HttpContext http, string version)
    {
        if (!ProtocolRevisions.TryParseStateless(version, out _))
        {
            return false;
        }

        // Revision 2026-07-28 has no standalone stream and no session to delete.
        http.Response.Headers.Allow = "POST";
        await HttpErrors.WriteAsync(http, StatusCodes.Status405MethodNotAllowed, null, new RpcError(McpErrorCode.InvalidMessage, $"{http.Request.Method} is not part of protocol revision {version}: send every request with POST.", "method_not_allowed")).ConfigureAwait(false);
        return true;
    }

    private Task RefuseStatelessAsync(HttpContext http, JsonRpcId id, int code, string message, string reason, string? field, JsonElement? data = null)
    {
        LogInvalidMessage(logger, reason, message, http.Connection.RemoteIpAddress?.ToString());
        return HttpErrors.WriteAsync(http, StatusCodes.Status400BadRequest, id, new RpcError(code, message, reason, field) { Data = data });
    }

    private static bool IsCacheable(string method) => method is McpMethods.ServerDiscover or McpMethods.ToolsList or McpMethods.PromptsList
        or McpMethods.ResourcesList or McpMethods.ResourcesTemplatesList or McpMethods.ResourcesRead;

    private static bool CheckStandardHeaders(HttpContext http, in JsonRpcEnvelope envelope, in StatelessRequestMeta meta, out string problem, out string header)
    {
        header = MethodHeader;
        if (!TryGetHeader(http, MethodHeader, out var method, out problem))
        {
            problem = problem.Length > 0 ? problem : "Header mismatch: the Mcp-Method header is required and must equal the body's method.";
            return false;
        }

        if (!string.Equals(method, envelope.Method, StringComparison.Ordinal))
        {
            problem = $"Header mismatch: Mcp-Method header value '{method}' does not match body value '{envelope.Method}'.";
            return false;
        }

        var bodyName = envelope.Method switch
        {
            McpMethods.ToolsCall or McpMethods.PromptsGet => meta.Name,
            McpMethods.ResourcesRead => meta.Uri,
            _ => null,
        };
        if (bodyName is null)
        {
            problem = string.Empty;
            return true;
        }

        header = NameHeader;
        if (!TryGetHeader(http, NameHeader, out var name, out problem))
        {
            problem = problem.Length > 0 ? problem : $"Header mismatch: the Mcp-Name header is required for {envelope.Method} and must equal '{bodyName}'.";
            return false;
        }

        if (!string.Equals(name, bodyName, StringComparison.Ordinal))
        {
            problem = $"Header mismatch: Mcp-Name header value '{name}' does not match body value '{bodyName}'.";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    // Reads a standard header: trimmed, and decoded when written as =?base64?...?= .
    private static bool TryGetHeader(HttpContext http, string name, out string value, out string problem)
    {
        problem = string.Empty;
        var raw = http.Request.Headers[name];
        if (raw.Count != 1 || raw[0] is not { } text)
        {
            value = string.Empty;
            return false;
        }

        value = text.Trim();
        if (value.StartsWith("=?base64?", StringComparison.Ordinal) && value.EndsWith("?=", StringComparison.Ordinal) && value.Length >= 11)
        {
            var encoded = value[9..^2];
            var bytes = ArrayPool<byte>.Shared.Rent(encoded.Length);
            try
            {
                if (!Convert.TryFromBase64String(encoded, bytes, out var written))
                {
                    problem = $"Header mismatch: the {name} header's base64 value is not valid base64.";
                    return false;
                }

                value = Encoding.UTF8.GetString(bytes, 0, written);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }

        return true;
    }

    private static bool TryParseLevel(string? value, out LoggingLevel level)
    {
        level = value switch
        {
            "debug" => LoggingLevel.Debug,
            "info" => LoggingLevel.Info,
            "notice" => LoggingLevel.Notice,
            "warning" => LoggingLevel.Warning,
            "error" => LoggingLevel.Error,
            "critical" => LoggingLevel.Critical,
            "alert" => LoggingLevel.Alert,
            "emergency" => LoggingLevel.Emergency,
            _ => (LoggingLevel)(-1),
        };
        return (int)level >= 0;
    }
}
