using McpServer.Sessions;

namespace McpServer.AspNetCore.Security;

/// <summary>Binds sessions to the credentials that use them (session hijacking protection).</summary>
internal static class SessionAccess
{
    /// <summary>
    /// Whether a request with <paramref name="access"/> may use <paramref name="session"/>: a session
    /// created with a key answers only to that key (a rotated key keeps its id, so it keeps its
    /// sessions). The request's access then replaces the session's, so a changed scope applies at once.
    /// </summary>
    public static bool TryBind(McpSession session, ClientAccess? access)
    {
        if (session.Access is { } owner && (access is null || !string.Equals(owner.Principal, access.Principal, StringComparison.Ordinal)))
        {
            return false;
        }

        if (access is not null)
        {
            session.Access = access;
        }

        return true;
    }
}
