using McpServer.Catalog;
using McpServer.Protocol;

// Run: dotnet run --project samples/EmbeddedServer -- --urls http://127.0.0.1:5080
// Then point any MCP client at http://127.0.0.1:5080/mcp.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddMcpServer(o => o.Instructions = "Call 'reverse' to reverse a string.")
    .WithTool(
        "reverse",
        "Reverses the text it is given.",
        """{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}""",
        static (_, args) =>
        {
            var chars = args.GetRequiredString("text").ToCharArray();
            Array.Reverse(chars);
            return ValueTask.FromResult(CallToolResult.FromText(new string(chars)));
        })
    .WithResource(new ResourceDefinition(
        new Resource { Uri = "sample://hello", Name = "hello", MimeType = "text/plain" },
        static (_, uri, _) => ValueTask.FromResult(new ReadResourceResult { Contents = [new ResourceContents { Uri = uri, MimeType = "text/plain", Text = "Hello from an embedded server." }] })));

var app = builder.Build();
app.MapMcpServer("/mcp");
app.Run();
