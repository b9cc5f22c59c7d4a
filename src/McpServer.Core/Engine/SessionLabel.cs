namespace McpServer.Engine;

/// <summary>
/// A session id as log events show it: a request of revision 2026-07-28 has no session, and its
/// events say <c>stateless</c> rather than leave a blank. Formatted only when an event is written.
/// </summary>
internal readonly struct SessionLabel(string id)
{
    public const string Stateless = "stateless";

    public static implicit operator SessionLabel(string id) => new(id);

    public override string ToString() => string.IsNullOrEmpty(id) ? Stateless : id;
}
