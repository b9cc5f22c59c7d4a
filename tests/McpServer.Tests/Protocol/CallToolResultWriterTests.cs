using System.Text.Json;
using System.Text.Json.Nodes;
using McpServer.Engine;
using McpServer.Protocol;

namespace McpServer.Tests.Protocol;

public sealed class CallToolResultWriterTests
{
    public static TheoryData<string> Cases => new() { "text", "image", "audio", "resource", "resource_link", "annotated", "structured", "error", "mixed", "empty" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Write_EveryContentKind_MatchesTheSourceGeneratedSerializer(string kind)
    {
        var result = Build(kind);

        var expected = JsonNode.Parse(JsonSerializer.Serialize(result, McpJsonContext.Default.CallToolResult));
        using var buffer = new PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            CallToolResultWriter.Write(writer, result);
        }

        var actual = JsonNode.Parse(buffer.WrittenSpan);
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected!.ToJsonString()}\nactual   {actual!.ToJsonString()}");
    }

    [Fact]
    public void WriteResponse_CallToolResult_UsesTheHandWrittenPathWithTheSameJson()
    {
        var result = Build("mixed");
        using var buffer = new PooledBufferWriter();

        JsonRpcWriter.WriteResponse(buffer, new JsonRpcId(7), RpcResult.Ok(result, McpJsonContext.Default.CallToolResult));

        var response = JsonNode.Parse(buffer.WrittenSpan)!;
        Assert.Equal(7, response["id"]!.GetValue<long>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(JsonSerializer.Serialize(result, McpJsonContext.Default.CallToolResult)), response["result"]));
    }

    private static CallToolResult Build(string kind)
    {
        var annotations = new Annotations { Audience = ["user"], Priority = 0.5 };
        ContentBlock[] blocks = kind switch
        {
            "text" => [new TextContent("hello \"world\" \u00e9 <tag>")],
            "image" => [new ImageContent { Data = "iVBORw0KGgo=", MimeType = "image/png" }],
            "audio" => [new AudioContent { Data = "UklGRg==", MimeType = "audio/wav" }],
            "resource" => [new EmbeddedResourceContent { Resource = new ResourceContents { Uri = "test://x", MimeType = "text/plain", Text = "t" } }],
            "resource_link" => [new ResourceLinkContent { Uri = "test://y", Name = "y", Title = "Y", Description = "d", MimeType = "text/plain" }],
            "annotated" => [new TextContent("a") { Annotations = annotations }, new ImageContent { Data = "AA==", MimeType = "image/png", Annotations = annotations }],
            "mixed" => [new TextContent("t"), new ImageContent { Data = "AA==", MimeType = "image/png" }, new EmbeddedResourceContent { Resource = new ResourceContents { Uri = "test://b", MimeType = "application/octet-stream", Blob = "AAE=" } }],
            _ => [],
        };

        return new CallToolResult
        {
            Content = blocks,
            StructuredContent = kind == "structured" ? JsonDocument.Parse("""{"sum":3,"nested":{"a":[1,2]}}""").RootElement.Clone() : null,
            IsError = kind == "error" ? true : null,
        };
    }
}
