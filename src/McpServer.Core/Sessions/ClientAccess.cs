using System.Collections.Frozen;

namespace McpServer.Sessions;

/// <summary>
/// What an authenticated client may do, from the scopes of its API key or access token. A session
/// or request without one (authentication off) may do everything.
/// </summary>
/// <remarks>
/// Scopes: <c>tools:call</c> (every tool), <c>tools:call:NAME</c> (one tool), <c>resources:read</c>,
/// <c>prompts:get</c> and <c>admin</c>. Listing follows use: <c>tools/list</c> shows the tools the
/// client may call, and resources and prompts are listed only with their scope.
/// </remarks>
public sealed class ClientAccess
{
    /// <summary>The scope that allows every tool.</summary>
    public const string ToolsCall = "tools:call";

    /// <summary>The prefix of a scope that allows one tool: <c>tools:call:NAME</c>.</summary>
    public const string ToolsCallPrefix = "tools:call:";

    /// <summary>The scope that allows reading (and listing, subscribing to, completing) resources.</summary>
    public const string ResourcesRead = "resources:read";

    /// <summary>The scope that allows getting (and listing, completing) prompts.</summary>
    public const string PromptsGet = "prompts:get";

    /// <summary>The scope for operator endpoints.</summary>
    public const string Admin = "admin";

    /// <summary>The scopes a key gets when none are named: everything a client of the MCP endpoint uses.</summary>
    public static readonly IReadOnlyList<string> DefaultScopes = [ToolsCall, ResourcesRead, PromptsGet];

    private readonly FrozenSet<string> _tools;

    /// <summary>Creates the access of a client named <paramref name="principal"/> with <paramref name="scopes"/>.</summary>
    /// <param name="principal">The key id, or the token's subject: logged, never secret.</param>
    /// <param name="scopes">The granted scopes; unknown scopes are ignored.</param>
    public ClientAccess(string principal, IEnumerable<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(scopes);
        Principal = principal;
        var tools = new List<string>();
        var all = new List<string>();
        foreach (var scope in scopes)
        {
            all.Add(scope);
            switch (scope)
            {
                case ToolsCall:
                    AllTools = true;
                    break;
                case ResourcesRead:
                    CanReadResources = true;
                    break;
                case PromptsGet:
                    CanGetPrompts = true;
                    break;
                case Admin:
                    IsAdmin = true;
                    break;
                default:
                    if (scope.StartsWith(ToolsCallPrefix, StringComparison.Ordinal) && scope.Length > ToolsCallPrefix.Length)
                    {
                        tools.Add(scope[ToolsCallPrefix.Length..]);
                    }

                    break;
            }
        }

        Scopes = all;
        _tools = tools.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Gets the key id or token subject.</summary>
    public string Principal { get; }

    /// <summary>Gets the granted scopes, as given.</summary>
    public IReadOnlyList<string> Scopes { get; }

    /// <summary>Gets a value indicating whether every tool may be called.</summary>
    public bool AllTools { get; }

    /// <summary>Gets a value indicating whether any tool at all may be called.</summary>
    public bool AnyTool => AllTools || _tools.Count > 0;

    /// <summary>Gets a value indicating whether resources may be listed and read.</summary>
    public bool CanReadResources { get; }

    /// <summary>Gets a value indicating whether prompts may be listed and got.</summary>
    public bool CanGetPrompts { get; }

    /// <summary>Gets a value indicating whether operator endpoints may be used.</summary>
    public bool IsAdmin { get; }

    /// <summary>Whether the tool <paramref name="name"/> may be called.</summary>
    public bool CanCallTool(string name) => AllTools || _tools.Contains(name);

    /// <summary>The scope a call of <paramref name="name"/> needs, for an error that says what to ask for.</summary>
    public static string ScopeForTool(string name) => ToolsCallPrefix + name;
}
