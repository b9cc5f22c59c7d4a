using McpServer.Catalog;
using McpServer.Protocol;
using McpServer.Tests.TestUtilities;

namespace McpServer.Tests.Catalog;

public sealed class ToolDefinitionTests
{
    private static readonly ToolHandler s_handler = static (_, _) => ValueTask.FromResult(CallToolResult.FromText("ok"));

    [Fact]
    public void Ctor_EmptyName_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ToolDefinition(new Tool { Name = "" }, s_handler));

        Assert.Equal("tool", ex.ParamName);
    }

    [Fact]
    public void Ctor_NullToolOrHandler_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new ToolDefinition(null!, s_handler));
        Assert.Throws<ArgumentNullException>(() => new ToolDefinition(new Tool { Name = "a" }, null!));
    }

    [Fact]
    public void Ctor_NoInputSchema_UsesEmptyObjectSchema()
    {
        var definition = new ToolDefinition(new Tool { Name = "a" }, s_handler);

        Assert.Equal("""{"type":"object","properties":{}}""", definition.Tool.InputSchema.GetRawText());
    }

    [Fact]
    public void Ctor_NonObjectInputSchema_IsReplaced()
    {
        var definition = new ToolDefinition(new Tool { Name = "a", InputSchema = Wire.Parse("true") }, s_handler);

        Assert.Equal("""{"type":"object","properties":{}}""", definition.Tool.InputSchema.GetRawText());
    }

    [Fact]
    public void ForRevision_Latest_IsTheToolItself()
    {
        var definition = Rich();

        Assert.Same(definition.Tool, definition.ForRevision(ProtocolRevision.V2025_11_25));
    }

    [Fact]
    public void ForRevision_SameRevisionTwice_IsCached()
    {
        var definition = Rich();

        Assert.Same(definition.ForRevision(ProtocolRevision.V2024_11_05), definition.ForRevision(ProtocolRevision.V2024_11_05));
    }

    [Fact]
    public void ForRevision_20241105_KeepsOnlyNameDescriptionAndInputSchema()
    {
        var tool = Rich().ForRevision(ProtocolRevision.V2024_11_05);

        Assert.Equal("rich", tool.Name);
        Assert.Equal("d", tool.Description);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, tool.InputSchema.ValueKind);
        Assert.Null(tool.Title);
        Assert.Null(tool.Annotations);
        Assert.Null(tool.OutputSchema);
        Assert.Null(tool.Meta);
        Assert.Null(tool.Icons);
    }

    [Fact]
    public void ForRevision_20250326_AddsAnnotations()
    {
        var tool = Rich().ForRevision(ProtocolRevision.V2025_03_26);

        Assert.NotNull(tool.Annotations);
        Assert.Null(tool.Title);
        Assert.Null(tool.OutputSchema);
        Assert.Null(tool.Icons);
    }

    [Fact]
    public void ForRevision_20250618_AddsTitleOutputSchemaAndMetaButNoIcons()
    {
        var tool = Rich().ForRevision(ProtocolRevision.V2025_06_18);

        Assert.Equal("Rich", tool.Title);
        Assert.NotNull(tool.OutputSchema);
        Assert.NotNull(tool.Meta);
        Assert.NotNull(tool.Annotations);
        Assert.Null(tool.Icons);
    }

    private static ToolDefinition Rich() => new(
        new Tool
        {
            Name = "rich",
            Title = "Rich",
            Description = "d",
            InputSchema = Schemas.EmptyObject,
            OutputSchema = Schemas.EmptyObject,
            Annotations = new ToolAnnotations { DestructiveHint = false },
            Icons = [new Icon { Src = "data:," }],
            Meta = Schemas.EmptyObject,
        },
        s_handler);
}
