using System.Globalization;
using McpServer.Catalog;
using McpServer.Protocol;

namespace McpServer.Host.Catalogs;

/// <summary>The catalogue the embedded default serves: small, useful tools to try a client against.</summary>
internal static class DemoCatalog
{
    private const double MaxSleepMs = 86_400_000;

    // A plus sign, so clients that show icons (2025-11-25) have one to show.
    private const string PlusIcon = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxNiAxNiI+PHBhdGggZD0iTTIgOGgxMk04IDJ2MTIiIHN0cm9rZT0iIzQ0NCIgc3Ryb2tlLXdpZHRoPSIyIi8+PC9zdmc+";
    private static readonly string[] s_styles = ["formal", "friendly", "pirate", "haiku"];

    public static void Register(McpCatalog catalog)
    {
        catalog.AddTool(new ToolDefinition(
            new Tool
            {
                Name = "echo",
                Title = "Echo",
                Description = "Returns the text it is given.",
                InputSchema = Schemas.Parse("""{"type":"object","properties":{"text":{"type":"string","description":"Text to echo back."}},"required":["text"]}"""),
                Annotations = new ToolAnnotations { ReadOnlyHint = true, IdempotentHint = true, OpenWorldHint = false },
            },
            static (_, args) => ValueTask.FromResult(CallToolResult.FromText(args.GetRequiredString("text")))));

        catalog.AddTool(new ToolDefinition(
            new Tool
            {
                Name = "add",
                Title = "Add",
                Description = "Adds two numbers and returns the sum as text.",
                Icons = [new Icon { Src = PlusIcon, MimeType = "image/svg+xml", Sizes = ["any"] }],
                InputSchema = Schemas.Parse("""{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}"""),
                OutputSchema = Schemas.Parse("""{"type":"object","properties":{"sum":{"type":"number"}},"required":["sum"]}"""),
                Annotations = new ToolAnnotations { ReadOnlyHint = true, IdempotentHint = true, OpenWorldHint = false },
            },
            static (_, args) =>
            {
                var sum = args.GetRequiredDouble("a") + args.GetRequiredDouble("b");
                if (!double.IsFinite(sum))
                {
                    throw McpProtocolException.InvalidParams("The sum of 'a' and 'b' is beyond the range of a double; use smaller numbers.", "invalid_arguments");
                }

                var text = sum.ToString("R", CultureInfo.InvariantCulture);
                return ValueTask.FromResult(new CallToolResult
                {
                    Content = [new TextContent(text)],
                    StructuredContent = Schemas.Parse($$"""{"sum":{{text}}}"""),
                });
            }));

        catalog.AddTool(new ToolDefinition(
            new Tool
            {
                Name = "sleep",
                Title = "Sleep",
                Description = "Waits the given number of milliseconds, then says so. Reports progress when asked; cancelled by the tool timeout.",
                InputSchema = Schemas.Parse("""{"type":"object","properties":{"ms":{"type":"integer","minimum":0,"description":"Milliseconds to wait."}},"required":["ms"]}"""),
                Annotations = new ToolAnnotations { ReadOnlyHint = true, OpenWorldHint = false },
            },
            static async (ctx, args) =>
            {
                var ms = args.GetRequiredDouble("ms");
                if (!(ms >= 0 && ms <= MaxSleepMs))
                {
                    throw McpProtocolException.InvalidParams($"Argument 'ms' must be between 0 and {MaxSleepMs} (one day).", "invalid_arguments");
                }

                var total = TimeSpan.FromMilliseconds(ms);
                if (ctx.HasProgressToken && ms >= 100)
                {
                    // Ten steps, so a client sees the call advance.
                    for (var i = 1; i <= 10; i++)
                    {
                        await Task.Delay(total / 10, ctx.CancellationToken);
                        await ctx.ReportProgressAsync(i * ms / 10, ms, $"slept {i * 10} %");
                    }
                }
                else
                {
                    await Task.Delay(total, ctx.CancellationToken);
                }

                return CallToolResult.FromText($"Slept {ms.ToString(CultureInfo.InvariantCulture)} ms.");
            }));

        catalog.AddTool(new ToolDefinition(
            new Tool
            {
                Name = "time",
                Title = "Current time",
                Description = "Returns the server's current time in UTC, ISO 8601.",
                InputSchema = Schemas.EmptyObject,
                Annotations = new ToolAnnotations { ReadOnlyHint = true, OpenWorldHint = false },
            },
            static (_, _) => ValueTask.FromResult(CallToolResult.FromText(DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)))));

        catalog.AddTool(new ToolDefinition(
            new Tool
            {
                Name = "list_roots",
                Title = "List client roots",
                Description = "Asks the client for its roots (roots/list) and returns them, one URI per line.",
                InputSchema = Schemas.EmptyObject,
                Annotations = new ToolAnnotations { ReadOnlyHint = true, OpenWorldHint = false },
            },
            static async (ctx, _) =>
            {
                ListRootsResult roots;
                try
                {
                    roots = await ctx.ListRootsAsync(ctx.CancellationToken);
                }
                catch (McpProtocolException ex)
                {
                    return CallToolResult.Error(ex.Message);
                }

                return CallToolResult.FromText(roots.Roots.Count == 0
                    ? "The client has no roots."
                    : string.Join('\n', roots.Roots.Select(r => r.Name is null ? r.Uri : $"{r.Uri} ({r.Name})")));
            }));

        catalog.AddResource(new ResourceDefinition(
            new Resource { Uri = "demo://readme", Name = "readme", Title = "About this server", Description = "What the demo catalogue offers.", MimeType = "text/markdown" },
            static (_, uri, _) => ValueTask.FromResult(new ReadResourceResult
            {
                Contents = [new ResourceContents
                {
                    Uri = uri,
                    MimeType = "text/markdown",
                    Text = "# mcp-server demo\n\nTools: `echo`, `add`, `sleep`, `time`, `list_roots`.\nResources: this page and `demo://greeting/{name}`.\nPrompt: `greet`.\n",
                }],
            })));

        catalog.AddResourceTemplate(new ResourceTemplateDefinition(
            new ResourceTemplate { UriTemplate = "demo://greeting/{name}", Name = "greeting", Title = "Greeting", Description = "A greeting for the given name.", MimeType = "text/plain" },
            static (_, uri, vars) => ValueTask.FromResult(new ReadResourceResult
            {
                Contents = [new ResourceContents { Uri = uri, MimeType = "text/plain", Text = $"Hello, {vars["name"]}!" }],
            }),
            new Dictionary<string, CompletionHandler> { ["name"] = static (value, _, _) => ValueTask.FromResult(Complete(["Ada", "Alan", "Grace", "Linus"], value)) }));

        catalog.AddPrompt(new PromptDefinition(
            new Prompt
            {
                Name = "greet",
                Title = "Greet someone",
                Description = "Asks the model to greet a person in a given style.",
                Arguments =
                [
                    new PromptArgument { Name = "name", Description = "Who to greet.", Required = true },
                    new PromptArgument { Name = "style", Description = "formal, friendly, pirate or haiku.", Required = false },
                ],
            },
            static (_, args) =>
            {
                var style = args.TryGetValue("style", out var s) && s.Length > 0 ? s : "friendly";
                return ValueTask.FromResult(new GetPromptResult
                {
                    Description = "A greeting prompt",
                    Messages = [new PromptMessage { Role = "user", Content = new TextContent($"Greet {args["name"]} in a {style} style.") }],
                });
            },
            new Dictionary<string, CompletionHandler>
            {
                ["style"] = static (value, _, _) => ValueTask.FromResult(Complete(s_styles, value)),
                ["name"] = static (value, _, _) => ValueTask.FromResult(Complete(["Ada", "Alan", "Grace", "Linus"], value)),
            }));
    }

    private static IEnumerable<string> Complete(IEnumerable<string> candidates, string prefix) =>
        candidates.Where(c => c.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
}
