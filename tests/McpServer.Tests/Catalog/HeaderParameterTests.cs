using System.Text;
using System.Text.Json;
using McpServer.Catalog;

namespace McpServer.Tests.Catalog;

/// <summary>x-mcp-header annotations (2026-07-28): found where allowed, refused elsewhere, values read as headers carry them.</summary>
public sealed class HeaderParameterTests
{
    private static JsonElement Schema(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void Find_TopLevelAndNestedProperties_ReturnsPathsAndTypes()
    {
        var found = HeaderParameter.Find("t", Schema("""
            {"type":"object","properties":{
              "region":{"type":"string","x-mcp-header":"Region"},
              "opts":{"type":"object","properties":{"dry":{"type":"boolean","x-mcp-header":"Dry-Run"}}},
              "n":{"type":"integer","x-mcp-header":"N","default":{"x-mcp-header":"ignored, an instance"}}}}
            """));

        Assert.Equal(["Mcp-Param-Region", "Mcp-Param-Dry-Run", "Mcp-Param-N"], found.Select(p => p.HeaderName));
        Assert.Equal(["opts", "dry"], found[1].Path);
        Assert.Equal("integer", found[2].Type);
    }

    [Theory]
    [InlineData("""{"properties":{"x":{"type":"number","x-mcp-header":"X"}}}""", "needs \"type\"")]
    [InlineData("""{"properties":{"x":{"type":"string","x-mcp-header":""}}}""", "HTTP token")]
    [InlineData("""{"properties":{"x":{"type":"string","x-mcp-header":"A B"}}}""", "HTTP token")]
    [InlineData("""{"properties":{"x":{"type":"array","items":{"type":"string","x-mcp-header":"X"}}}}""", "not reachable")]
    [InlineData("""{"properties":{"x":{"oneOf":[{"type":"string","x-mcp-header":"X"}]}}}""", "not reachable")]
    [InlineData("""{"properties":{"a":{"type":"string","x-mcp-header":"X"},"b":{"type":"string","x-mcp-header":"x"}}}""", "used twice")]
    [InlineData("""{"type":"string","x-mcp-header":"X"}""", "not reachable")]
    public void Find_BrokenAnnotation_RefusesTheToolNamingTheRule(string schema, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => HeaderParameter.Find("bad_tool", Schema(schema)));

        Assert.Contains("bad_tool", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"region":"us-west1"}""", "us-west1")]
    [InlineData("""{"region":42}""", "42")]
    [InlineData("""{"region":true}""", "true")]
    [InlineData("""{"region":null}""", null)]
    [InlineData("""{"other":1}""", null)]
    public void ValueIn_ReadsTheArgumentAsAHeaderCarriesIt(string arguments, string? expected)
    {
        var p = new HeaderParameter("Region", ["region"], "string");

        Assert.Equal(expected, p.ValueIn(Encoding.UTF8.GetBytes(arguments)));
    }

    [Fact]
    public void ToolDefinition_ExposesItsHeaderParameters()
    {
        var tool = new ToolDefinition(new McpServer.Protocol.Tool { Name = "t", InputSchema = Schema("""{"type":"object","properties":{"r":{"type":"string","x-mcp-header":"R"}}}""") }, static (_, _) => default);

        Assert.Equal("Mcp-Param-R", Assert.Single(tool.HeaderParameters).HeaderName);
    }
}
