using System.Collections.Frozen;
using McpServer.Protocol;

namespace McpServer.Catalog;

/// <summary>What changed in a catalogue.</summary>
[Flags]
public enum CatalogChange
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>The tool list.</summary>
    Tools = 1,
    /// <summary>The resource or template list.</summary>
    Resources = 2,
    /// <summary>The prompt list.</summary>
    Prompts = 4,
}

/// <summary>
/// The tools, resources, templates and prompts the server offers. Readers see an immutable
/// snapshot; writers swap in a new one and raise <see cref="Changed"/>, which becomes
/// <c>list_changed</c> notifications.
/// </summary>
public sealed class McpCatalog
{
    private readonly Lock _gate = new();
    private Snapshot _snapshot = Snapshot.Empty;

    /// <summary>Raised after a change, with what changed.</summary>
    public event Action<CatalogChange>? Changed;

    /// <summary>Raised when a resource's contents change, with its URI (becomes <c>notifications/resources/updated</c>).</summary>
    public event Action<string>? ResourceUpdated;

    internal Snapshot Current => Volatile.Read(ref _snapshot);

    /// <summary>The tools, in the order they were added.</summary>
    public IReadOnlyList<ToolDefinition> Tools => Current.Tools;

    /// <summary>The fixed resources.</summary>
    public IReadOnlyList<ResourceDefinition> Resources => Current.Resources;

    /// <summary>The resource templates.</summary>
    public IReadOnlyList<ResourceTemplateDefinition> ResourceTemplates => Current.Templates;

    /// <summary>The prompts.</summary>
    public IReadOnlyList<PromptDefinition> Prompts => Current.Prompts;

    /// <summary>Adds or replaces a tool by name.</summary>
    public void AddTool(ToolDefinition tool) => Update(s => s with { Tools = Replace(s.Tools, tool, t => t.Name == tool.Name) }, CatalogChange.Tools);

    /// <summary>Adds or replaces a resource by URI.</summary>
    public void AddResource(ResourceDefinition resource) => Update(s => s with { Resources = Replace(s.Resources, resource, r => r.Uri == resource.Uri) }, CatalogChange.Resources);

    /// <summary>Adds or replaces a resource template by URI template.</summary>
    public void AddResourceTemplate(ResourceTemplateDefinition template) =>
        Update(s => s with { Templates = Replace(s.Templates, template, t => t.Template.UriTemplate == template.Template.UriTemplate) }, CatalogChange.Resources);

    /// <summary>Adds or replaces a prompt by name.</summary>
    public void AddPrompt(PromptDefinition prompt) => Update(s => s with { Prompts = Replace(s.Prompts, prompt, p => p.Name == prompt.Name) }, CatalogChange.Prompts);

    /// <summary>Removes a tool; <see langword="false"/> if there was none by that name.</summary>
    public bool RemoveTool(string name) => Remove(s => s.Tools, (s, l) => s with { Tools = l }, t => t.Name == name, CatalogChange.Tools);

    /// <summary>Removes a resource; <see langword="false"/> if there was none with that URI.</summary>
    public bool RemoveResource(string uri) => Remove(s => s.Resources, (s, l) => s with { Resources = l }, r => r.Uri == uri, CatalogChange.Resources);

    /// <summary>Removes a prompt; <see langword="false"/> if there was none by that name.</summary>
    public bool RemovePrompt(string name) => Remove(s => s.Prompts, (s, l) => s with { Prompts = l }, p => p.Name == name, CatalogChange.Prompts);

    /// <summary>Tells subscribers that a resource's contents changed.</summary>
    public void NotifyResourceUpdated(string uri) => ResourceUpdated?.Invoke(uri);

    /// <summary>
    /// Removes, in one step, every tool, resource, template and prompt that <paramref name="keep"/> does
    /// not have: after adding a new set of definitions, this drops the old ones without a moment in
    /// which a definition present in both is missing.
    /// </summary>
    public void RemoveAllExcept(McpCatalog keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var k = keep.Current;
        Update(s => s with
        {
            Tools = Array.FindAll(s.Tools, t => k.ToolsByName.ContainsKey(t.Name)),
            Resources = Array.FindAll(s.Resources, r => Array.Exists(k.Resources, x => x.Uri == r.Uri)),
            Templates = Array.FindAll(s.Templates, t => Array.Exists(k.Templates, x => x.Template.UriTemplate == t.Template.UriTemplate)),
            Prompts = Array.FindAll(s.Prompts, p => k.PromptsByName.ContainsKey(p.Name)),
        }, CatalogChange.Tools | CatalogChange.Resources | CatalogChange.Prompts);
    }

    /// <summary>Finds a tool by name.</summary>
    public bool TryGetTool(string name, out ToolDefinition tool) => Current.ToolsByName.TryGetValue(name, out tool!);

    /// <summary>Finds a tool by its UTF-8 name without allocating a string.</summary>
    internal bool TryGetTool(ReadOnlySpan<byte> utf8Name, out ToolDefinition tool)
    {
        Span<char> chars = stackalloc char[256];
        if (utf8Name.Length > chars.Length || System.Text.Unicode.Utf8.ToUtf16(utf8Name, chars, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            tool = null!;
            return false;
        }

        return Current.ToolsByName.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..written], out tool!);
    }

    /// <summary>Finds a prompt by name.</summary>
    public bool TryGetPrompt(string name, out PromptDefinition prompt) => Current.PromptsByName.TryGetValue(name, out prompt!);

    /// <summary>Finds the reader for a URI: a fixed resource first, then the first template that matches.</summary>
    public bool TryResolveResource(string uri, out ResourceReader reader, out IReadOnlyDictionary<string, string> variables)
    {
        var s = Current;
        if (s.ResourcesByUri.TryGetValue(uri, out var resource))
        {
            reader = resource.Reader;
            variables = FrozenDictionary<string, string>.Empty;
            return true;
        }

        foreach (var t in s.Templates)
        {
            if (t.Matcher.TryMatch(uri, out var vars))
            {
                reader = t.Reader;
                variables = vars;
                return true;
            }
        }

        reader = null!;
        variables = null!;
        return false;
    }

    private void Update(Func<Snapshot, Snapshot> change, CatalogChange what)
    {
        lock (_gate)
        {
            Volatile.Write(ref _snapshot, change(_snapshot).Index());
        }

        Changed?.Invoke(what);
    }

    private bool Remove<T>(Func<Snapshot, T[]> get, Func<Snapshot, T[], Snapshot> set, Func<T, bool> match, CatalogChange what)
    {
        lock (_gate)
        {
            var list = get(_snapshot);
            var kept = Array.FindAll(list, x => !match(x));
            if (kept.Length == list.Length)
            {
                return false;
            }

            Volatile.Write(ref _snapshot, set(_snapshot, kept).Index());
        }

        Changed?.Invoke(what);
        return true;
    }

    private static T[] Replace<T>(T[] list, T item, Predicate<T> same)
    {
        var i = Array.FindIndex(list, same);
        if (i < 0)
        {
            return [.. list, item];
        }

        var copy = (T[])list.Clone();
        copy[i] = item;
        return copy;
    }

    internal sealed record Snapshot(ToolDefinition[] Tools, ResourceDefinition[] Resources, ResourceTemplateDefinition[] Templates, PromptDefinition[] Prompts)
    {
        public static readonly Snapshot Empty = new Snapshot([], [], [], []).Index();

        public FrozenDictionary<string, ToolDefinition> ToolsByName { get; private init; } = FrozenDictionary<string, ToolDefinition>.Empty;
        public FrozenDictionary<string, ResourceDefinition> ResourcesByUri { get; private init; } = FrozenDictionary<string, ResourceDefinition>.Empty;
        public FrozenDictionary<string, PromptDefinition> PromptsByName { get; private init; } = FrozenDictionary<string, PromptDefinition>.Empty;

        public Snapshot Index() => this with
        {
            ToolsByName = Tools.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal),
            ResourcesByUri = Resources.ToFrozenDictionary(r => r.Uri, StringComparer.Ordinal),
            PromptsByName = Prompts.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal),
        };
    }
}
