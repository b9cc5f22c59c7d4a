using System.Globalization;
using System.Threading.RateLimiting;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace McpServer.AspNetCore.Security;

/// <summary>Options of client authentication on the MCP endpoints.</summary>
public sealed class McpAuthOptions
{
    /// <summary>Gets or sets the API keys file; <see langword="null"/> for no API keys. As soon as the
    /// file holds a key, every request to the MCP endpoints must present one.
    /// <value>The default is <see langword="null"/>.</value></summary>
    public string? KeysFile { get; set; }

    /// <summary>Gets or sets how many failed authentications one client address may make per
    /// <see cref="FailureWindow"/> before further failures are answered 429; 0 turns this off.
    /// <value>The default is 10.</value></summary>
    public int FailureLimit { get; set; } = 10;

    /// <summary>Gets or sets the window of <see cref="FailureLimit"/>.
    /// <value>The default is one minute.</value></summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the OAuth 2.1 authorization server whose access tokens (JWT) are accepted;
    /// <see langword="null"/> for none. Tokens must be signed with a key of its JWKS (found through its
    /// metadata), name it as issuer, name <see cref="OAuthAudience"/> as audience, and be unexpired. An
    /// application that sets it also calls <c>WithOAuth()</c> on the server builder.
    /// <value>The default is <see langword="null"/>.</value></summary>
    public string? OAuthIssuer { get; set; }

    /// <summary>Gets or sets this server's resource URL, the audience tokens must be for (RFC 8707), e.g.
    /// <c>https://mcp.example.com/mcp</c>; also the <c>resource</c> of the protected resource metadata.
    /// <value>The default is <see langword="null"/>.</value></summary>
    public string? OAuthAudience { get; set; }

    /// <summary>Gets or sets the authorization server's metadata URL; <see langword="null"/>: the issuer's
    /// <c>/.well-known/openid-configuration</c>.
    /// <value>The default is <see langword="null"/>.</value></summary>
    public string? OAuthMetadataAddress { get; set; }

    /// <summary>Gets or sets whether the issuer's metadata and keys must come over HTTPS.
    /// <value>The default is <see langword="true"/>.</value></summary>
    public bool OAuthRequireHttpsMetadata { get; set; } = true;

    /// <summary>Gets a value indicating whether OAuth access tokens are accepted.</summary>
    public bool OAuthEnabled => OAuthIssuer is not null && OAuthAudience is not null;

    /// <summary>Gets or sets the realm in <c>WWW-Authenticate</c>.
    /// <value>The default is <c>mcp-server</c>.</value></summary>
    public string Realm { get; set; } = "mcp-server";
}

/// <summary>Why a request was not authenticated, as the client will be told.</summary>
/// <param name="Status">401, 403 or 429.</param>
/// <param name="Reason">The stable word in <c>data.reason</c>.</param>
/// <param name="Message">What happened and what to do.</param>
/// <param name="KeyId">The key id presented, when there was one (never the secret).</param>
/// <param name="RetryAfter">For 429: when to try again.</param>
public sealed record AuthFailure(int Status, string Reason, string Message, string? KeyId, TimeSpan? RetryAfter = null);

/// <summary>
/// Authenticates requests to the MCP endpoints: an API key in <c>Authorization: Bearer</c> or
/// <c>X-API-Key</c>. Failures are error 1002 with a reason and <c>WWW-Authenticate</c> (RFC 6750);
/// each is logged as <c>ERROR_AUTH</c> with the key id and client address, never the secret; an
/// address that keeps failing is answered 429 until its window passes.
/// </summary>
public sealed partial class McpAuthenticator : IDisposable
{
    /// <summary>The API key header besides <c>Authorization</c>.</summary>
    public const string ApiKeyHeader = "X-API-Key";

    private readonly McpAuthOptions _options;
    private readonly ApiKeyStore? _keys;
    private readonly PartitionedRateLimiter<string>? _failures;
    private readonly ILogger _logger;

    /// <summary>Creates the authenticator over <paramref name="keys"/> (none: authentication off).</summary>
    public McpAuthenticator(McpAuthOptions options, ApiKeyStore? keys, ILogger<McpAuthenticator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _keys = keys;
        _logger = logger;
        if (options.FailureLimit > 0)
        {
            var limit = options.FailureLimit;
            var window = options.FailureWindow;
            _failures = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit,
                Window = window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        }
    }

    /// <summary>Gets a value indicating whether requests must authenticate.</summary>
    public bool Enabled => _options.OAuthEnabled || _keys is { Enabled: true };

    /// <summary>The authentication scheme that validates OAuth access tokens.</summary>
    public const string OAuthScheme = "McpOAuth";

    /// <summary>The path of the OAuth protected resource metadata (RFC 9728).</summary>
    public const string ResourceMetadataPath = "/.well-known/oauth-protected-resource";

    /// <summary>Gets the key store, when API keys are configured.</summary>
    public ApiKeyStore? Keys => _keys;

    /// <summary>
    /// Authenticates a request. Returns <see langword="null"/> with the client's access when it may
    /// go on (<paramref name="access"/> is <see langword="null"/> when authentication is off), or the
    /// failure to answer with <see cref="WriteFailureAsync"/>.
    /// </summary>
    public AuthFailure? Authenticate(HttpContext http, out ClientAccess? access)
    {
        access = null;
        var keys = _keys is { Enabled: true } k ? k : null;
        if (keys is null && !_options.OAuthEnabled)
        {
            return null;
        }

        var presented = Credentials(http.Request.Headers, out var source);
        if (presented.IsEmpty)
        {
            return Fail(http, StatusCodes.Status401Unauthorized, "missing_credentials", null, _options.OAuthEnabled
                ? $"This server requires an OAuth access token from {_options.OAuthIssuer} ('Authorization: Bearer TOKEN'; see {ResourceMetadataPath}){(keys is null ? string.Empty : $" or an API key ('Authorization: Bearer KEY' or '{ApiKeyHeader}: KEY')")}."
                : $"This server requires an API key: send it as 'Authorization: Bearer KEY' or '{ApiKeyHeader}: KEY'. The operator creates keys with 'mcp-server keys create --name NAME'.");
        }

        if (_options.OAuthEnabled && !presented.StartsWith(ApiKeyFormat.Prefix, StringComparison.Ordinal))
        {
            // An access token: validated by AuthenticateTokenAsync.
            return NeedsToken;
        }

        if (keys is null)
        {
            return Fail(http, StatusCodes.Status401Unauthorized, "invalid_credentials", null, "This server accepts OAuth access tokens, not API keys.");
        }

        var result = keys.Check(source, presented);
        switch (result.Outcome)
        {
            case ApiKeyCheck.Valid:
                access = result.Access;
                return null;
            case ApiKeyCheck.Expired:
                return Fail(http, StatusCodes.Status401Unauthorized, "expired_credentials", result.KeyId,
                    $"API key {result.KeyId} has expired. Ask the operator for a new key ('mcp-server keys rotate {result.KeyId}' or 'keys create').");
            case ApiKeyCheck.Revoked:
                return Fail(http, StatusCodes.Status401Unauthorized, "revoked_credentials", result.KeyId,
                    $"API key {result.KeyId} was revoked. Ask the operator for a new key.");
            default:
                return Fail(http, StatusCodes.Status401Unauthorized, "invalid_credentials", result.KeyId,
                    "The API key is not valid for this server. Check that it was copied whole (keys start with mcpk_ and are 61 characters long), or ask the operator for a new one.");
        }
    }

    /// <summary>
    /// Authenticates a request and answers it when it may not go on: the one call every MCP endpoint
    /// makes. Synchronous unless the request carries an OAuth access token or is refused.
    /// </summary>
    /// <returns>Whether the request may go on, and the client's access (<see langword="null"/> with authentication off).</returns>
    public ValueTask<(bool Allowed, ClientAccess? Access)> AdmitAsync(HttpContext http)
    {
        if (!Enabled)
        {
            return new((true, null));
        }

        var failure = Authenticate(http, out var access);
        return failure is null ? new((true, access)) : AdmitSlowAsync(http, failure);
    }

    private async ValueTask<(bool Allowed, ClientAccess? Access)> AdmitSlowAsync(HttpContext http, AuthFailure failure)
    {
        if (ReferenceEquals(failure, NeedsToken))
        {
            var (refused, access) = await AuthenticateTokenAsync(http).ConfigureAwait(false);
            if (refused is null)
            {
                return (true, access);
            }

            failure = refused;
        }

        await WriteFailureAsync(http, failure).ConfigureAwait(false);
        return (false, null);
    }

    /// <summary>
    /// Admits a request to an operator endpoint (<c>/metrics</c>): with authentication on, only a key
    /// or token with the <c>admin</c> scope; otherwise answers 401, 403 or 429 as the MCP endpoint does.
    /// </summary>
    public async ValueTask<bool> AdmitOperatorAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var (allowed, access) = await AdmitAsync(http).ConfigureAwait(false);
        if (!allowed)
        {
            return false;
        }

        if (access is { IsAdmin: false })
        {
            var message = $"{http.Request.Path.Value} needs a key or token with the '{ClientAccess.Admin}' scope; {access.Principal} lacks it. Create one with: mcp-server keys create --name NAME --scope admin";
            LogAuthFailed(_logger, http.Connection.RemoteIpAddress?.ToString() ?? "-", "insufficient_scope", access.Principal, http.Request.Path.Value ?? "/");
            http.Response.Headers.WWWAuthenticate = Challenge("insufficient_scope", message, ClientAccess.Admin);
            await HttpErrors.WriteAsync(http, StatusCodes.Status403Forbidden, null, new RpcError(McpErrorCode.AuthenticationFailed, message, "insufficient_scope")).ConfigureAwait(false);
            return false;
        }

        return true;
    }

    /// <summary>What <see cref="Authenticate"/> returns for an OAuth access token: call <see cref="AuthenticateTokenAsync"/>.</summary>
    public static readonly AuthFailure NeedsToken = new(0, "token", string.Empty, null);

    /// <summary>Validates an OAuth access token (signature, issuer, audience, expiry) and maps its scopes.</summary>
    public async Task<(AuthFailure? Failure, ClientAccess? Access)> AuthenticateTokenAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(OAuthScheme).ConfigureAwait(false);
        if (result.Succeeded && result.Principal is { } principal)
        {
            var subject = principal.FindFirst("sub")?.Value ?? principal.FindFirst("client_id")?.Value ?? "token";
            var scopes = principal.FindAll("scope").Concat(principal.FindAll("scp"))
                .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            return (null, new ClientAccess("token:" + subject, scopes));
        }

        return result.Failure is Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException
            ? (Fail(http, StatusCodes.Status401Unauthorized, "expired_credentials", null, $"The access token has expired. Get a new one from {_options.OAuthIssuer}."), null)
            : (Fail(http, StatusCodes.Status401Unauthorized, "invalid_credentials", null, $"The access token is not valid for this server: it must be signed by {_options.OAuthIssuer}, issued for {_options.OAuthAudience}, and unexpired."), null);
    }

    /// <summary>Answers a failed authentication: the status, <c>WWW-Authenticate</c> and a JSON-RPC error 1002.</summary>
    public Task WriteFailureAsync(HttpContext http, AuthFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var headers = http.Response.Headers;
        if (failure.Status == StatusCodes.Status429TooManyRequests)
        {
            headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(failure.RetryAfter?.TotalSeconds ?? 1)).ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            headers.WWWAuthenticate = Challenge(failure.Reason, failure.Message, null);
        }

        return HttpErrors.WriteAsync(http, failure.Status, null, new RpcError(McpErrorCode.AuthenticationFailed, failure.Message, failure.Reason));
    }

    /// <summary>The <c>WWW-Authenticate</c> value for a failure reason (RFC 6750 section 3).</summary>
    public string Challenge(string reason, string message, string? scope)
    {
        var realm = $"Bearer realm=\"{_options.Realm}\"";
        if (_options.OAuthEnabled && ResourceMetadataUrl() is { } metadata)
        {
            // MCP authorization: the client finds the authorization server through this document.
            realm += $", resource_metadata=\"{metadata}\"";
        }

        return reason switch
        {
            // No credentials: the challenge names the scheme only (RFC 6750 section 3.1).
            "missing_credentials" => realm,
            "insufficient_scope" => $"{realm}, error=\"insufficient_scope\", error_description=\"{Quote(message)}\"" + (scope is null ? string.Empty : $", scope=\"{Quote(scope)}\""),
            _ => $"{realm}, error=\"invalid_token\", error_description=\"{Quote(message)}\"",
        };
    }

    /// <summary>The protected resource metadata URL, on the origin of the configured audience.</summary>
    public string? ResourceMetadataUrl() =>
        Uri.TryCreate(_options.OAuthAudience, UriKind.Absolute, out var resource) ? new Uri(resource, ResourceMetadataPath).ToString() : null;

    /// <summary>Writes the protected resource metadata (RFC 9728).</summary>
    public Task WriteResourceMetadataAsync(HttpContext http)
    {
        http.Response.ContentType = "application/json";
        using var buffer = new McpServer.Engine.PooledBufferWriter(512);
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("resource", _options.OAuthAudience);
            w.WriteStartArray("authorization_servers");
            w.WriteStringValue(_options.OAuthIssuer);
            w.WriteEndArray();
            w.WriteStartArray("scopes_supported");
            foreach (var scope in new[] { ClientAccess.ToolsCall, ClientAccess.ResourcesRead, ClientAccess.PromptsGet, ClientAccess.Admin })
            {
                w.WriteStringValue(scope);
            }

            w.WriteEndArray();
            w.WriteStartArray("bearer_methods_supported");
            w.WriteStringValue("header");
            w.WriteEndArray();
            w.WriteString("resource_name", _options.Realm);
            w.WriteEndObject();
        }

        return http.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }

    /// <summary>Stops the failure windows and the keys file watch.</summary>
    public void Dispose()
    {
        _failures?.Dispose();
        _keys?.Dispose();
    }

    private static ReadOnlySpan<char> Credentials(IHeaderDictionary headers, out string? source)
    {
        var authorization = headers.Authorization;
        if (authorization.Count == 1 && authorization[0] is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            source = value;
            return value.AsSpan(7).Trim();
        }

        var key = headers[ApiKeyHeader];
        source = key.Count == 1 ? key[0] : null;
        return source is not null ? source.AsSpan().Trim() : default;
    }

    private AuthFailure Fail(HttpContext http, int status, string reason, string? keyId, string message)
    {
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "-";
        if (_failures is not null)
        {
            using var lease = _failures.AttemptAcquire(address);
            if (!lease.IsAcquired)
            {
                var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : _options.FailureWindow;
                LogThrottled(_logger, address, reason, keyId ?? "-");
                McpMetrics.CountLimit("too_many_auth_failures");
                return new AuthFailure(StatusCodes.Status429TooManyRequests, "too_many_auth_failures",
                    $"Too many failed authentications from {address}: {_options.FailureLimit} per {_options.FailureWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s. Retry after {Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s with a valid key.",
                    keyId, retry);
            }
        }

        LogAuthFailed(_logger, address, reason, keyId ?? "-", http.Request.Path.Value ?? "/");
        return new AuthFailure(status, reason, message, keyId);
    }

    private static string Quote(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    [LoggerMessage(500, LogLevel.Information, "Authentication failed from {ClientAddress}: {Reason} (key {KeyId}, {Path}).", EventName = "ERROR_AUTH")]
    private static partial void LogAuthFailed(ILogger logger, string clientAddress, string reason, string keyId, string path);

    [LoggerMessage(501, LogLevel.Debug, "Authentication failed again from {ClientAddress}, answered 429 too_many_auth_failures: {Reason} (key {KeyId}).", EventName = "AUTH_THROTTLED")]
    private static partial void LogThrottled(ILogger logger, string clientAddress, string reason, string keyId);
}
