namespace McpServer.Protocol;

/// <summary>Parameters of <c>completion/complete</c>.</summary>
public sealed class CompleteRequestParams
{
    /// <summary>What is being completed: a prompt or a resource template.</summary>
    public CompletionReference? Ref { get; set; }
    /// <summary>The argument and its partial value.</summary>
    public CompletionArgument? Argument { get; set; }
    /// <summary>Values of arguments already filled in (2025-06-18 on).</summary>
    public CompletionContext? Context { get; set; }
}

/// <summary>A <c>ref/prompt</c> or <c>ref/resource</c> reference.</summary>
public sealed class CompletionReference
{
    /// <summary>"ref/prompt" or "ref/resource".</summary>
    public string? Type { get; set; }
    /// <summary>Prompt name.</summary>
    public string? Name { get; set; }
    /// <summary>Resource template URI.</summary>
    public string? Uri { get; set; }
}

/// <summary>The argument being completed.</summary>
public sealed class CompletionArgument
{
    /// <summary>Argument name.</summary>
    public string? Name { get; set; }
    /// <summary>What has been typed so far.</summary>
    public string? Value { get; set; }
}

/// <summary>Context of a completion.</summary>
public sealed class CompletionContext
{
    /// <summary>Arguments already resolved.</summary>
    public Dictionary<string, string>? Arguments { get; set; }
}

/// <summary>The result of <c>completion/complete</c>.</summary>
public sealed class CompleteResult
{
    /// <summary>The completion values.</summary>
    public Completion Completion { get; set; } = new();
}

/// <summary>Completion values (at most 100).</summary>
public sealed class Completion
{
    /// <summary>Values.</summary>
    public IList<string> Values { get; set; } = [];
    /// <summary>Total number of matches, if known.</summary>
    public int? Total { get; set; }
    /// <summary>Whether more matches exist than were returned.</summary>
    public bool? HasMore { get; set; }
}
