using System.Buffers;
using System.Text;
using System.Text.Json;
using McpServer.Catalog;
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

    private async Task HandleStatelessAsync(HttpContext http, JsonRpcEnvelope envelope, string versionHeader, ClientAccess? access)
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
        if (StatelessRequests.CheckMeta(meta) is { } missing)
        {
            await RefuseStatelessAsync(http, id, missing).ConfigureAwait(false);
            return;
        }

        if (!string.Equals(meta.ProtocolVersion, versionHeader, StringComparison.Ordinal))
        {
            await RefuseStatelessAsync(http, id, McpErrorCode.HeaderMismatch, $"Header mismatch: MCP-Protocol-Version '{versionHeader}' does not match params._meta protocol version '{meta.ProtocolVersion}'.", "header_mismatch", HttpConstants.ProtocolVersionHeader).ConfigureAwait(false);
            return;
        }

        if (StatelessRequests.CheckVersion(meta, HttpConstants.ProtocolVersionHeader, out var revision) is { } unsupported)
        {
            await RefuseStatelessAsync(http, id, unsupported).ConfigureAwait(false);
            return;
        }

        if (!CheckStandardHeaders(http, envelope, meta, out var headerProblem, out var headerName))
        {
            await RefuseStatelessAsync(http, id, McpErrorCode.HeaderMismatch, headerProblem, "header_mismatch", headerName).ConfigureAwait(false);
            return;
        }

        if (StatelessRequests.CheckLogLevel(meta, out var level) is { } badLevel)
        {
            await RefuseStatelessAsync(http, id, badLevel).ConfigureAwait(false);
            return;
        }

        var session = StatelessRequests.CreateSession(meta, revision, level, _sessions.Now, "stateless");
        session.Access = access;
        var stream = new PostResponseStream(http, session, _options, keepAlive);
        // Without a session, closing the connection is how a client cancels (and ends a subscription).
        RequestOrigin.Set(http, http.Request.ContentLength ?? envelope.Params.Length);
        var pending = dispatcher.ExecuteAsync(session, envelope, stream, services, http.RequestAborted);
        RpcResult result;
        if (pending.IsCompleted)
        {
            result = pending.Result;
        }
        else
        {
            // Only a request that waits is visible to a shutdown (SERVER_DRAINING, ERROR_DRAIN_TIMEOUT).
            _sessions.TrackDetached(session);
            try
            {
                result = await pending.ConfigureAwait(false);
            }
            finally
            {
                _sessions.UntrackDetached(session);
            }
        }
        if (result.IsCancelled)
        {
            await stream.AbandonAsync().ConfigureAwait(false);
            return;
        }

        using var buffer = new PooledBufferWriter(1024);
        var cacheable = StatelessRequests.IsCacheable(envelope.Method!);
        JsonRpcWriter.WriteStatelessResponse(buffer, id, result, cacheable ? 0 : null, cacheable ? "private" : null);
        if (stream.IsStreaming)
        {
            await stream.CompleteAsync(buffer.WrittenMemory).ConfigureAwait(false);
            return;
        }

        var response = http.Response;
        response.StatusCode = HttpErrors.IsRetryLater(result.Error) ? StatusCodes.Status429TooManyRequests : result.Error?.Code switch
        {
            McpErrorCode.MethodNotFound => StatusCodes.Status404NotFound,
            McpErrorCode.MissingRequiredClientCapability or McpErrorCode.HeaderMismatch or McpErrorCode.UnsupportedProtocolVersion => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status200OK,
        };
        if (response.StatusCode == StatusCodes.Status429TooManyRequests)
        {
            response.Headers.RetryAfter = HttpErrors.RetryAfter(result.Error);
        }
        else if (result.Error is { Code: McpErrorCode.AuthenticationFailed } denied)
        {
            SetForbidden(response, denied);
        }

        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        McpServer.AspNetCore.Metrics.McpHttpMetrics.Sent(buffer.WrittenCount);
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

    private Task RefuseStatelessAsync(HttpContext http, JsonRpcId id, int code, string message, string reason, string? field) =>
        RefuseStatelessAsync(http, id, new RpcError(code, message, reason, field));

    private Task RefuseStatelessAsync(HttpContext http, JsonRpcId id, RpcError error)
    {
        LogInvalidMessage(http, error.Reason ?? "invalid", error.Message);
        return HttpErrors.WriteAsync(http, StatusCodes.Status400BadRequest, id, error);
    }

    private bool CheckStandardHeaders(HttpContext http, in JsonRpcEnvelope envelope, in StatelessRequestMeta meta, out string problem, out string header)
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

        if (envelope.Method == McpMethods.ToolsCall && dispatcher.Catalog.TryGetTool(bodyName, out var tool) && tool.HeaderParameters.Count > 0)
        {
            return CheckParameterHeaders(http, tool, envelope.Params.Span, out problem, out header);
        }

        problem = string.Empty;
        return true;
    }

    // Mcp-Param-{Name}: arguments whose schema says "x-mcp-header" travel in a header too, and must agree.
    private static bool CheckParameterHeaders(HttpContext http, ToolDefinition tool, ReadOnlySpan<byte> parameters, out string problem, out string header)
    {
        var arguments = ArgumentsOf(parameters);
        foreach (var p in tool.HeaderParameters)
        {
            header = p.HeaderName;
            var path = string.Join('.', p.Path);
            var body = p.ValueIn(arguments);
            var present = http.Request.Headers.ContainsKey(p.HeaderName);
            if (body is null)
            {
                if (present)
                {
                    problem = $"Header mismatch: {p.HeaderName} was sent but arguments.{path} has no value; send the header only with the argument.";
                    return false;
                }

                continue;
            }

            if (!present)
            {
                problem = $"Header mismatch: tool '{tool.Name}' needs the {p.HeaderName} header repeating arguments.{path}; call tools/list for its current schema.";
                return false;
            }

            if (!TryGetHeader(http, p.HeaderName, out var value, out problem))
            {
                problem = problem.Length > 0 ? problem : $"Header mismatch: {p.HeaderName} must appear once.";
                return false;
            }

            if (!string.Equals(value, body, StringComparison.Ordinal))
            {
                problem = $"Header mismatch: {p.HeaderName} header value does not match arguments.{path} in the body.";
                return false;
            }
        }

        problem = string.Empty;
        header = string.Empty;
        return true;
    }

    private static ReadOnlySpan<byte> ArgumentsOf(ReadOnlySpan<byte> parameters)
    {
        if (parameters.IsEmpty)
        {
            return default;
        }

        var reader = new Utf8JsonReader(parameters);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isArguments = reader.ValueTextEquals("arguments"u8);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (isArguments && parameters[start] == (byte)'{')
            {
                return parameters[start..(int)reader.BytesConsumed];
            }
        }

        return default;
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
}
