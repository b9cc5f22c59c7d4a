using McpServer.Engine;
using McpServer.Protocol;
using Microsoft.AspNetCore.Http;

namespace McpServer.AspNetCore.Security;

/// <summary>
/// DNS rebinding protection: the <c>Host</c> header must name an allowed host and an
/// <c>Origin</c> header, when present, must be a loopback origin or an allowed one.
/// </summary>
internal static class OriginHostValidator
{
    public static bool TryValidate(HttpContext http, McpHttpOptions options, out RpcError? error)
    {
        error = null;
        if (options.AllowedHosts is { } hosts)
        {
            // The host without its port, as a slice of the header: no string per request.
            var raw = http.Request.Host.Value ?? string.Empty;
            ReadOnlySpan<char> host = raw;
            if (raw.StartsWith('['))
            {
                var end = raw.IndexOf(']', StringComparison.Ordinal);
                host = end < 0 ? raw : raw.AsSpan(0, end + 1);
            }
            else if (raw.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0)
            {
                // One colon separates the port; more mean an IPv6 address without brackets.
                host = raw.IndexOf(':', colon + 1) < 0 ? raw.AsSpan(0, colon) : "[" + raw + "]";
            }

            if (!Contains(hosts, host))
            {
                error = new RpcError(McpErrorCode.ServerError, $"Host '{http.Request.Host}' is not allowed (DNS rebinding protection). Connect through one of: {string.Join(", ", hosts)}.", "host_not_allowed", "Host");
                return false;
            }
        }

        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || IsLoopbackOrigin(origin) || Contains(options.AllowedOrigins, origin) || Contains(options.AllowedOrigins, "*"))
        {
            return true;
        }

        error = new RpcError(McpErrorCode.ServerError, $"Origin '{origin}' is not allowed (DNS rebinding protection): only loopback origins{(options.AllowedOrigins.Count > 0 ? " and " + string.Join(", ", options.AllowedOrigins) : string.Empty)} may call this server.", "origin_not_allowed", "Origin");
        return false;
    }

    private static bool Contains(IList<string> list, ReadOnlySpan<char> value)
    {
        // Indexed, not foreach: enumerating an IList boxes its enumerator on every request.
        for (var i = 0; i < list.Count; i++)
        {
            if (value.Equals(list[i], StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsLoopbackOrigin(string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        return uri.Host is "localhost" or "127.0.0.1" or "[::1]" || uri.IsLoopback;
    }
}
