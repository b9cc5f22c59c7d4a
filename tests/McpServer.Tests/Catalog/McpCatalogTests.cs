using McpServer.Catalog;
using McpServer.Protocol;

namespace McpServer.Tests.Catalog;

public sealed class McpCatalogTests
{
    private readonly McpCatalog _catalog = new();
    private readonly List<CatalogChange> _changes = [];

    public McpCatalogTests() => _catalog.Changed += _changes.Add;

    [Fact]
    public void AddTool_New_AppendsAndRaisesToolsChanged()
    {
        _catalog.AddTool(NewTool("a"));
        _catalog.AddTool(NewTool("b"));

        Assert.Equal(["a", "b"], _catalog.Tools.Select(t => t.Name));
        Assert.Equal([CatalogChange.Tools, CatalogChange.Tools], _changes);
        Assert.True(_catalog.TryGetTool("b", out var b));
        Assert.Equal("b", b.Name);
    }

    [Fact]
    public void AddTool_SameName_ReplacesInPlace()
    {
        _catalog.AddTool(NewTool("a"));
        _catalog.AddTool(NewTool("b"));
        var replacement = NewTool("a", "new");

        _catalog.AddTool(replacement);

        Assert.Equal(["a", "b"], _catalog.Tools.Select(t => t.Name));
        Assert.Same(replacement, _catalog.Tools[0]);
        Assert.True(_catalog.TryGetTool("a", out var found));
        Assert.Same(replacement, found);
        Assert.Equal(3, _changes.Count);
    }

    [Fact]
    public void AddTool_NamesDifferingInCase_AreDistinct()
    {
        _catalog.AddTool(NewTool("echo"));
        _catalog.AddTool(NewTool("Echo"));

        Assert.Equal(2, _catalog.Tools.Count);
        Assert.False(_catalog.TryGetTool("ECHO", out _));
    }

    [Fact]
    public void RemoveTool_Existing_RemovesAndRaisesChanged()
    {
        _catalog.AddTool(NewTool("a"));
        _catalog.AddTool(NewTool("b"));
        _changes.Clear();

        Assert.True(_catalog.RemoveTool("a"));

        Assert.Equal(["b"], _catalog.Tools.Select(t => t.Name));
        Assert.False(_catalog.TryGetTool("a", out _));
        Assert.Equal([CatalogChange.Tools], _changes);
    }

    [Fact]
    public void RemoveTool_Missing_ReturnsFalseWithoutChange()
    {
        _catalog.AddTool(NewTool("a"));
        _changes.Clear();

        Assert.False(_catalog.RemoveTool("b"));

        Assert.Empty(_changes);
        Assert.Single(_catalog.Tools);
    }

    [Fact]
    public void Tools_ReadBeforeAChange_IsASnapshot()
    {
        _catalog.AddTool(NewTool("a"));
        var before = _catalog.Tools;

        _catalog.AddTool(NewTool("b"));
        _catalog.RemoveTool("a");

        Assert.Equal(["a"], before.Select(t => t.Name));
        Assert.Equal(["b"], _catalog.Tools.Select(t => t.Name));
    }

    [Fact]
    public void AddResourceAndTemplate_RaiseResourcesChanged()
    {
        _catalog.AddResource(NewResource("file:///a"));
        _catalog.AddResource(NewResource("file:///a"));
        _catalog.AddResourceTemplate(NewTemplate("file:///{x}"));
        _catalog.AddResourceTemplate(NewTemplate("file:///{x}"));

        Assert.Single(_catalog.Resources);
        Assert.Single(_catalog.ResourceTemplates);
        Assert.Equal(Enumerable.Repeat(CatalogChange.Resources, 4), _changes);
    }

    [Fact]
    public void RemoveResource_ExistingAndMissing_ReportsWhetherRemoved()
    {
        _catalog.AddResource(NewResource("file:///a"));
        _changes.Clear();

        Assert.False(_catalog.RemoveResource("file:///b"));
        Assert.True(_catalog.RemoveResource("file:///a"));

        Assert.Empty(_catalog.Resources);
        Assert.Equal([CatalogChange.Resources], _changes);
    }

    [Fact]
    public void AddAndRemovePrompt_RaisePromptsChanged()
    {
        _catalog.AddPrompt(NewPrompt("p"));
        var found = _catalog.TryGetPrompt("p", out var prompt);
        var removed = _catalog.RemovePrompt("p");
        var removedAgain = _catalog.RemovePrompt("p");

        Assert.True(found);
        Assert.Equal("p", prompt.Name);
        Assert.True(removed);
        Assert.False(removedAgain);
        Assert.Equal([CatalogChange.Prompts, CatalogChange.Prompts], _changes);
    }

    [Fact]
    public void NotifyResourceUpdated_RaisesResourceUpdatedWithTheUri()
    {
        var updated = new List<string>();
        _catalog.ResourceUpdated += updated.Add;

        _catalog.NotifyResourceUpdated("file:///a");

        Assert.Equal(["file:///a"], updated);
        Assert.Empty(_changes);
    }

    [Fact]
    public async Task TryResolveResource_FixedResourceAndTemplate_PrefersFixedThenFirstTemplate()
    {
        _catalog.AddResourceTemplate(NewTemplate("file:///docs/{name}", "first"));
        _catalog.AddResourceTemplate(NewTemplate("file:///{+path}", "second"));
        _catalog.AddResource(NewResource("file:///docs/fixed", "fixed"));

        Assert.Equal("fixed", await ReadAsync("file:///docs/fixed"));
        Assert.Equal("first:name=x", await ReadAsync("file:///docs/x"));
        Assert.Equal("second:path=docs/x/y", await ReadAsync("file:///docs/x/y"));
        Assert.False(_catalog.TryResolveResource("http://docs/x", out _, out _));
    }

    [Fact]
    public void TryResolveResource_FixedResource_HasNoVariables()
    {
        _catalog.AddResource(NewResource("file:///a"));

        Assert.True(_catalog.TryResolveResource("file:///a", out _, out var variables));

        Assert.Empty(variables);
    }

    private async Task<string> ReadAsync(string uri)
    {
        Assert.True(_catalog.TryResolveResource(uri, out var reader, out var variables));
        var result = await reader(null!, uri, variables);
        return result.Contents[0].Text!;
    }

    private static ToolDefinition NewTool(string name, string? description = null) =>
        new(new Tool { Name = name, Description = description }, static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok")));

    private static ResourceDefinition NewResource(string uri, string text = "r") =>
        new(new Resource { Uri = uri, Name = uri }, (_, _, _) => ValueTask.FromResult(new ReadResourceResult { Contents = [new ResourceContents { Uri = uri, Text = text }] }));

    private static ResourceTemplateDefinition NewTemplate(string template, string label = "t") =>
        new(new ResourceTemplate { UriTemplate = template, Name = label }, (_, uri, vars) =>
            ValueTask.FromResult(new ReadResourceResult { Contents = [new ResourceContents { Uri = uri, Text = label + ":" + string.Join(",", vars.Select(v => v.Key + "=" + v.Value)) }] }));

    private static PromptDefinition NewPrompt(string name) =>
        new(new Prompt { Name = name }, static (_, _) => ValueTask.FromResult(new GetPromptResult()));
}
