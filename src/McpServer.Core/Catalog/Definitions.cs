using System.Text.Json;
using McpServer.Engine;
using McpServer.Protocol;

namespace McpServer.Catalog;

/// <summary>Runs a tool.</summary>
public delegate ValueTask<CallToolResult> ToolHandler(RequestContext context, ToolArguments arguments);

/// <summary>Reads a resource (or a URI matched by a template, with its variables).</summary>
public delegate ValueTask<ReadResourceResult> ResourceReader(RequestContext context, string uri, IReadOnlyDictionary<string, string> variables);

/// <summary>Renders a prompt.</summary>
public delegate ValueTask<GetPromptResult> PromptHandler(RequestContext context, IReadOnlyDictionary<string, string> arguments);

/// <summary>Offers completions for an argument: the partial value, then the other arguments already given.</summary>
public delegate ValueTask<IEnumerable<string>> CompletionHandler(string value, IReadOnlyDictionary<string, string> context, CancellationToken cancellationToken);

/// <summary>A tool: its description and its handler.</summary>
public sealed class ToolDefinition
{
    private readonly Tool?[] _byRevision = new Tool?[(int)ProtocolRevision.V2026_07_28 + 1];

    /// <summary>Creates a tool.</summary>
    public ToolDefinition(Tool tool, ToolHandler handler)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(handler);
        if (string.IsNullOrEmpty(tool.Name))
        {
            throw new ArgumentException("A tool needs a name.", nameof(tool));
        }

        if (tool.InputSchema.ValueKind != JsonValueKind.Object)
        {
            tool.InputSchema = Schemas.EmptyObject;
        }

        Tool = tool;
        Handler = handler;
        HeaderParameters = HeaderParameter.Find(tool.Name, tool.InputSchema);
    }

    /// <summary>Calls running now (counted only while a per-tool limit is set).</summary>
    internal int Running;

    /// <summary>Calls by outcome (ok, tool_error, error, cancelled), for <c>mcp.server.tool.calls</c>.</summary>
    internal readonly long[] Calls = new long[4];

    private ToolRate? _rate;

    /// <summary>Takes one call from the tool's allowance of <paramref name="perMinute"/> calls a minute; when there is none, how long to wait.</summary>
    internal TimeSpan? TryTakeCall(int perMinute)
    {
        var rate = Volatile.Read(ref _rate);
        if (rate is null || rate.PerMinute != perMinute)
        {
            var created = new ToolRate(perMinute);
            var seen = Interlocked.CompareExchange(ref _rate, created, rate);
            if (ReferenceEquals(seen, rate))
            {
                rate?.Limiter.Dispose();
                rate = created;
            }
            else
            {
                created.Limiter.Dispose();
                rate = seen!;
            }
        }

        try
        {
            using var lease = rate.Limiter.AttemptAcquire();
            return lease.IsAcquired ? null : lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromSeconds(1);
        }
        catch (ObjectDisposedException)
        {
            // The limit changed at this moment: the call goes through rather than fail.
            return null;
        }
    }

    private sealed class ToolRate(int perMinute)
    {
        public int PerMinute { get; } = perMinute;

        public System.Threading.RateLimiting.TokenBucketRateLimiter Limiter { get; } = new(McpServer.Engine.RateBucket.Options(perMinute));
    }

    /// <summary>The arguments the client must repeat in <c>Mcp-Param-*</c> headers (2026-07-28, HTTP).</summary>
    public IReadOnlyList<HeaderParameter> HeaderParameters { get; }

    /// <summary>The tool as the newest revision lists it.</summary>
    public Tool Tool { get; }

    /// <summary>The handler.</summary>
    public ToolHandler Handler { get; }

    /// <summary>The name.</summary>
    public string Name => Tool.Name;

    /// <summary>The tool as <paramref name="revision"/> knows it: members that revision lacks are left out.</summary>
    public Tool ForRevision(ProtocolRevision revision)
    {
        var i = (int)revision;
        return _byRevision[i] ??= revision >= ProtocolRevisions.Latest ? Tool : new Tool
        {
            Name = Tool.Name,
            Description = Tool.Description,
            InputSchema = Tool.InputSchema,
            Title = revision >= ProtocolRevision.V2025_06_18 ? Tool.Title : null,
            OutputSchema = revision >= ProtocolRevision.V2025_06_18 ? Tool.OutputSchema : null,
            Annotations = revision >= ProtocolRevision.V2025_03_26 ? Tool.Annotations : null,
            Meta = revision >= ProtocolRevision.V2025_06_18 ? Tool.Meta : null,
        };
    }
}

/// <summary>A fixed resource: its description and its reader.</summary>
public sealed class ResourceDefinition(Resource resource, ResourceReader reader)
{
    /// <summary>The resource as listed.</summary>
    public Resource Resource { get; } = resource ?? throw new ArgumentNullException(nameof(resource));

    /// <summary>The reader.</summary>
    public ResourceReader Reader { get; } = reader ?? throw new ArgumentNullException(nameof(reader));

    /// <summary>The URI.</summary>
    public string Uri => Resource.Uri;
}

/// <summary>A resource template: a URI template, its reader and completions for its variables.</summary>
public sealed class ResourceTemplateDefinition
{
    /// <summary>Creates a template.</summary>
    public ResourceTemplateDefinition(ResourceTemplate template, ResourceReader reader, IReadOnlyDictionary<string, CompletionHandler>? completions = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(reader);
        Template = template;
        Reader = reader;
        Completions = completions ?? new Dictionary<string, CompletionHandler>();
        Matcher = new UriTemplateMatcher(template.UriTemplate);
    }

    /// <summary>The template as listed.</summary>
    public ResourceTemplate Template { get; }

    /// <summary>The reader.</summary>
    public ResourceReader Reader { get; }

    /// <summary>Completions by variable name.</summary>
    public IReadOnlyDictionary<string, CompletionHandler> Completions { get; }

    internal UriTemplateMatcher Matcher { get; }
}

/// <summary>A prompt: its description, its handler and completions for its arguments.</summary>
public sealed class PromptDefinition
{
    /// <summary>Creates a prompt.</summary>
    public PromptDefinition(Prompt prompt, PromptHandler handler, IReadOnlyDictionary<string, CompletionHandler>? completions = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(handler);
        Prompt = prompt;
        Handler = handler;
        Completions = completions ?? new Dictionary<string, CompletionHandler>();
    }

    /// <summary>The prompt as listed.</summary>
    public Prompt Prompt { get; }

    /// <summary>The handler.</summary>
    public PromptHandler Handler { get; }

    /// <summary>Completions by argument name.</summary>
    public IReadOnlyDictionary<string, CompletionHandler> Completions { get; }

    /// <summary>The name.</summary>
    public string Name => Prompt.Name;
}

/// <summary>Helpers for JSON Schemas.</summary>
public static class Schemas
{
    /// <summary><c>{"type":"object"}</c>.</summary>
    public static JsonElement EmptyObject { get; } = Parse("""{"type":"object","properties":{}}""");

    /// <summary>Parses a schema written as JSON text.</summary>
    public static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
