using System.Text.Json;

namespace McpServer.Protocol;

/// <summary>Parameters of <c>initialize</c>.</summary>
public sealed class InitializeRequestParams
{
    /// <summary>The revision the client asks for.</summary>
    public string? ProtocolVersion { get; set; }
    /// <summary>What the client can do.</summary>
    public ClientCapabilities? Capabilities { get; set; }
    /// <summary>The client's name and version.</summary>
    public Implementation? ClientInfo { get; set; }
}

/// <summary>What a client can do.</summary>
public sealed class ClientCapabilities
{
    /// <summary>Present when the client answers <c>roots/list</c>.</summary>
    public RootsCapability? Roots { get; set; }
    /// <summary>Present when the client answers <c>sampling/createMessage</c>.</summary>
    public JsonElement? Sampling { get; set; }
    /// <summary>Present when the client answers <c>elicitation/create</c>.</summary>
    public JsonElement? Elicitation { get; set; }
    /// <summary>Non-standard capabilities.</summary>
    public JsonElement? Experimental { get; set; }
}

/// <summary>The client's roots capability.</summary>
public sealed class RootsCapability
{
    /// <summary>Whether the client sends <c>notifications/roots/list_changed</c>.</summary>
    public bool? ListChanged { get; set; }
}

/// <summary>The result of <c>initialize</c>.</summary>
public sealed class InitializeResult
{
    /// <summary>The negotiated revision.</summary>
    public string ProtocolVersion { get; set; } = string.Empty;
    /// <summary>What this server offers.</summary>
    public ServerCapabilities Capabilities { get; set; } = new();
    /// <summary>This server's name and version.</summary>
    public Implementation ServerInfo { get; set; } = new();
    /// <summary>Hints for the model about how to use this server.</summary>
    public string? Instructions { get; set; }
}

/// <summary>What a server offers.</summary>
public sealed class ServerCapabilities
{
    /// <summary>Tools.</summary>
    public ListChangedCapability? Tools { get; set; }
    /// <summary>Resources.</summary>
    public ResourcesCapability? Resources { get; set; }
    /// <summary>Prompts.</summary>
    public ListChangedCapability? Prompts { get; set; }
    /// <summary>Log messages to the client.</summary>
    public EmptyResult? Logging { get; set; }
    /// <summary>Argument completion (2025-03-26 on).</summary>
    public EmptyResult? Completions { get; set; }
}

/// <summary>A capability that may announce list changes.</summary>
public sealed class ListChangedCapability
{
    /// <summary>Whether the server sends list_changed notifications.</summary>
    public bool ListChanged { get; set; }
}

/// <summary>The resources capability.</summary>
public sealed class ResourcesCapability
{
    /// <summary>Whether <c>resources/subscribe</c> is supported.</summary>
    public bool Subscribe { get; set; }
    /// <summary>Whether the server sends list_changed notifications.</summary>
    public bool ListChanged { get; set; }
}
