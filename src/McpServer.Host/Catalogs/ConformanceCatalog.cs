using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;

namespace McpServer.Host.Catalogs;

/// <summary>
/// Every fixture the official MCP conformance suite (<c>@modelcontextprotocol/conformance</c> 0.1.16)
/// names, exactly as it names them. Names, texts, MIME types, schemas and timings mirror the suite's
/// own fixture server (<c>examples/servers/typescript/everything-server.ts</c>), because the suite checks them.
/// </summary>
internal static partial class ConformanceCatalog
{
    /// <summary>A 1×1 red PNG pixel.</summary>
    private const string PngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    /// <summary>A minimal WAV file.</summary>
    private const string WavBase64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

    private const string WatchedUri = "test://watched-resource";
    private const string WatchedInitialText = "Watched resource content";
    private const int ProgressTotal = 100;

    /// <summary>Pause between the log messages and between the progress notifications.</summary>
    private static readonly TimeSpan s_stepDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>How long after registration the dynamic tool, resource and prompt appear.</summary>
    private static readonly TimeSpan s_dynamicDelay = TimeSpan.FromSeconds(2);

    /// <summary>How often <c>test://watched-resource</c> changes.</summary>
    private static readonly TimeSpan s_watchedPeriod = TimeSpan.FromSeconds(3);

    /// <summary>How long <c>test_reconnection</c> runs after closing its stream: a little more than the 1 s SSE retry hint.</summary>
    private static readonly TimeSpan s_reconnectionWait = TimeSpan.FromMilliseconds(1500);

    private static readonly JsonElement s_samplingSchema = Schemas.Parse("""
        {
          "type": "object",
          "properties": {
            "prompt": { "type": "string", "description": "The prompt to send to the LLM" }
          },
          "required": ["prompt"]
        }
        """);

    private static readonly JsonElement s_elicitationSchema = Schemas.Parse("""
        {
          "type": "object",
          "properties": {
            "message": { "type": "string", "description": "The message to show the user" }
          },
          "required": ["message"]
        }
        """);

    /// <summary>
    /// SEP-1613 and SEP-2106: listed verbatim, with <c>$schema</c>, <c>$defs</c> (with an <c>$anchor</c>),
    /// <c>additionalProperties</c>, composition (<c>allOf</c>/<c>anyOf</c>) and conditional (<c>if</c>/<c>then</c>/<c>else</c>) keywords.
    /// </summary>
    private static readonly JsonElement s_jsonSchema202012 = Schemas.Parse("""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "$defs": {
            "address": {
              "$anchor": "addressDef",
              "type": "object",
              "properties": {
                "street": { "type": "string" },
                "city": { "type": "string" }
              }
            }
          },
          "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" },
            "contactMethod": { "type": "string", "enum": ["phone", "email"] },
            "phone": { "type": "string" },
            "email": { "type": "string" }
          },
          "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
          "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
          "then": { "required": ["phone"] },
          "else": { "required": ["email"] },
          "additionalProperties": false
        }
        """);

    /// <summary>What <c>test_elicitation</c> asks for (the schema the scenario documents).</summary>
    private static readonly JsonElement s_userInfoRequest = Schemas.Parse("""
        {
          "type": "object",
          "properties": {
            "username": { "type": "string", "description": "User's response" },
            "email": { "type": "string", "description": "User's email address" }
          },
          "required": ["username", "email"]
        }
        """);

    /// <summary>SEP-1034: a default for every primitive type.</summary>
    private static readonly JsonElement s_defaultsRequest = Schemas.Parse("""
        {
          "type": "object",
          "properties": {
            "name": { "type": "string", "description": "User name", "default": "John Doe" },
            "age": { "type": "integer", "description": "User age", "default": 30 },
            "score": { "type": "number", "description": "User score", "default": 95.5 },
            "status": {
              "type": "string",
              "description": "User status",
              "enum": ["active", "inactive", "pending"],
              "default": "active"
            },
            "verified": { "type": "boolean", "description": "Verification status", "default": true }
          },
          "required": []
        }
        """);

    /// <summary>SEP-1330: all five enum shapes.</summary>
    private static readonly JsonElement s_enumsRequest = Schemas.Parse("""
        {
          "type": "object",
          "properties": {
            "untitledSingle": {
              "type": "string",
              "description": "Select one option",
              "enum": ["option1", "option2", "option3"]
            },
            "titledSingle": {
              "type": "string",
              "description": "Select one option with titles",
              "oneOf": [
                { "const": "value1", "title": "First Option" },
                { "const": "value2", "title": "Second Option" },
                { "const": "value3", "title": "Third Option" }
              ]
            },
            "legacyEnum": {
              "type": "string",
              "description": "Select one option (legacy)",
              "enum": ["opt1", "opt2", "opt3"],
              "enumNames": ["Option One", "Option Two", "Option Three"]
            },
            "untitledMulti": {
              "type": "array",
              "description": "Select multiple options",
              "minItems": 1,
              "maxItems": 3,
              "items": { "type": "string", "enum": ["option1", "option2", "option3"] }
            },
            "titledMulti": {
              "type": "array",
              "description": "Select multiple options with titles",
              "minItems": 1,
              "maxItems": 3,
              "items": {
                "anyOf": [
                  { "const": "value1", "title": "First Choice" },
                  { "const": "value2", "title": "Second Choice" },
                  { "const": "value3", "title": "Third Choice" }
                ]
              }
            }
          },
          "required": []
        }
        """);

    private static readonly int[] s_progressSteps = [0, 50, 100];
    private static readonly string[] s_argumentSuggestions = ["test", "test-value", "testing", "example", "sample"];
    private static readonly string[] s_templateIdSuggestions = ["1", "42", "123", "456"];

    /// <summary>
    /// The timers and changing state of each catalogue this class filled. Keyed weakly by the
    /// catalogue, so the timers live exactly as long as it does.
    /// </summary>
    private static readonly ConditionalWeakTable<McpCatalog, LiveFixtures> s_live = new();

    /// <summary>
    /// Adds the fixtures to <paramref name="catalog"/> and starts the timers that update
    /// <c>test://watched-resource</c> every 3 s and add the dynamic fixtures after 2 s.
    /// </summary>
    public static void Register(McpCatalog catalog, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(time);

        if (s_live.TryGetValue(catalog, out var previous))
        {
            previous.Dispose();
        }

        var live = new LiveFixtures(catalog, time);
        s_live.AddOrUpdate(catalog, live);

        RegisterContentTools(catalog);
        RegisterInteractiveTools(catalog, time);
        RegisterResources(catalog, live);
        RegisterPrompts(catalog);
        RegisterInputRequiredFixtures(catalog);

        live.Start();
    }

    private static void RegisterContentTools(McpCatalog catalog)
    {
        AddTool(catalog, "test_simple_text", "Tests simple text content response", Schemas.EmptyObject,
            static (_, _) => Done(CallToolResult.FromText("This is a simple text response for testing.")));

        AddTool(catalog, "test_image_content", "Tests image content response", Schemas.EmptyObject,
            static (_, _) => Done(new CallToolResult { Content = [Png()] }));

        AddTool(catalog, "test_audio_content", "Tests audio content response", Schemas.EmptyObject,
            static (_, _) => Done(new CallToolResult { Content = [new AudioContent { Data = WavBase64, MimeType = "audio/wav" }] }));

        AddTool(catalog, "test_embedded_resource", "Tests embedded resource content response", Schemas.EmptyObject,
            static (_, _) => Done(new CallToolResult
            {
                Content = [Embedded("test://embedded-resource", "text/plain", "This is an embedded resource content.")],
            }));

        AddTool(catalog, "test_multiple_content_types", "Tests response with multiple content types (text, image, resource)", Schemas.EmptyObject,
            static (_, _) => Done(new CallToolResult
            {
                Content =
                [
                    new TextContent("Multiple content types test:"),
                    Png(),
                    Embedded("test://mixed-content-resource", "application/json", """{"test":"data","value":123}"""),
                ],
            }));

        AddTool(catalog, "test_error_handling", "Tests error response handling", Schemas.EmptyObject,
            static (_, _) => Done(CallToolResult.Error("This tool intentionally returns an error for testing")));

        AddTool(catalog, "json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)", s_jsonSchema202012,
            static (_, arguments) => Done(CallToolResult.FromText($"JSON Schema 2020-12 tool called with: {arguments}")));
    }

    private static void RegisterInteractiveTools(McpCatalog catalog, TimeProvider time)
    {
        AddTool(catalog, "test_tool_with_logging", "Tests tool that emits log messages during execution", Schemas.EmptyObject,
            async (context, _) =>
            {
                await context.LogAsync(LoggingLevel.Info, "Tool execution started");
                await Task.Delay(s_stepDelay, time, context.CancellationToken);
                await context.LogAsync(LoggingLevel.Info, "Tool processing data");
                await Task.Delay(s_stepDelay, time, context.CancellationToken);
                await context.LogAsync(LoggingLevel.Info, "Tool execution completed");
                return CallToolResult.FromText("Tool with logging executed successfully");
            });

        AddTool(catalog, "test_tool_with_progress", "Tests tool that reports progress notifications", Schemas.EmptyObject,
            async (context, _) =>
            {
                foreach (var progress in s_progressSteps)
                {
                    if (progress > 0)
                    {
                        await Task.Delay(s_stepDelay, time, context.CancellationToken);
                    }

                    await context.ReportProgressAsync(progress, ProgressTotal, $"Completed step {progress} of {ProgressTotal}");
                }

                return CallToolResult.FromText(ProgressTokenText(context));
            });

        AddTool(catalog, "test_reconnection",
            "Tests SSE stream disconnection and client reconnection (SEP-1699). Server will close the stream mid-call and send the result after client reconnects.",
            Schemas.EmptyObject,
            async (context, _) =>
            {
                // The client reconnects with Last-Event-ID after the retry interval and must get the result there.
                context.CloseStream();
                await Task.Delay(s_reconnectionWait, time, context.CancellationToken);
                return CallToolResult.FromText("Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.");
            });

        AddTool(catalog, "test_sampling", "Tests server-initiated sampling (LLM completion request)", s_samplingSchema, SampleAsync);

        // 2026-07-28 (SEP-2575): logs only when the request asked for a level in _meta.
        AddTool(catalog, "test_logging_tool", "Sends three log messages; on 2026-07-28 only when the request's _meta names a log level.", Schemas.EmptyObject,
            async (context, _) =>
            {
                await context.LogAsync(LoggingLevel.Info, "Logging tool started");
                await context.LogAsync(LoggingLevel.Info, "Logging tool working");
                await context.LogAsync(LoggingLevel.Info, "Logging tool done");
                return CallToolResult.FromText("Logging tool finished");
            });

        // 2026-07-28 (SEP-2575): needs sampling; a client that did not declare it gets error -32021, not a result.
        AddTool(catalog, "test_missing_capability", "Requires the client's sampling capability; without it the call fails with -32021 MissingRequiredClientCapability.", Schemas.EmptyObject,
            static async (context, _) =>
            {
                var reply = await context.SampleAsync(
                    new CreateMessageRequestParams { Messages = [new SamplingMessage { Role = "user", Content = new TextContent("Say hello.") }], MaxTokens = 20 },
                    context.CancellationToken);
                return CallToolResult.FromText("Sampling answered: " + reply.Content.GetRawText());
            });
        AddTool(catalog, "test_elicitation", "Tests server-initiated elicitation (user input request)", s_elicitationSchema,
            (context, arguments) => arguments.TryGetString("message", out var message)
                ? ElicitAsync(context, message, s_userInfoRequest, "User response")
                : Done(CallToolResult.Error("Argument 'message' is required and must be a string.")));
        AddTool(catalog, "test_elicitation_sep1034_defaults", "Tests elicitation with default values per SEP-1034", Schemas.EmptyObject,
            static (context, _) => ElicitAsync(context, "Please review and update the form fields with defaults", s_defaultsRequest, "Elicitation completed"));
        AddTool(catalog, "test_elicitation_sep1330_enums", "Tests elicitation with enum schema improvements per SEP-1330", Schemas.EmptyObject,
            static (context, _) => ElicitAsync(context, "Please select options from the enum fields", s_enumsRequest, "Elicitation completed"));
    }

    private static void RegisterResources(McpCatalog catalog, LiveFixtures live)
    {
        AddTextResource(catalog, "test://static-text", "static-text", "Static Text Resource", "A static text resource for testing", "text/plain",
            "This is the content of the static text resource.");

        catalog.AddResource(new ResourceDefinition(
            new Resource
            {
                Uri = "test://static-binary",
                Name = "static-binary",
                Title = "Static Binary Resource",
                Description = "A static binary resource (image) for testing",
                MimeType = "image/png",
            },
            static (_, uri, _) => Done(new ReadResourceResult { Contents = [new ResourceContents { Uri = uri, MimeType = "image/png", Blob = PngBase64 }] })));

        catalog.AddResource(new ResourceDefinition(
            new Resource
            {
                Uri = WatchedUri,
                Name = "watched-resource",
                Title = "Watched Resource",
                Description = "A resource that auto-updates every 3 seconds",
                MimeType = "text/plain",
            },
            (_, uri, _) => Done(new ReadResourceResult { Contents = [new ResourceContents { Uri = uri, MimeType = "text/plain", Text = live.WatchedText }] })));

        catalog.AddResourceTemplate(new ResourceTemplateDefinition(
            new ResourceTemplate
            {
                UriTemplate = "test://template/{id}/data",
                Name = "template",
                Title = "Resource Template",
                Description = "A resource template with parameter substitution",
                MimeType = "application/json",
            },
            static (_, uri, variables) =>
            {
                var id = variables.GetValueOrDefault("id", string.Empty);
                return Done(new ReadResourceResult { Contents = [new ResourceContents { Uri = uri, MimeType = "application/json", Text = TemplateJson(id) }] });
            },
            new Dictionary<string, CompletionHandler> { ["id"] = Suggest(s_templateIdSuggestions) }));
    }

    private static void RegisterPrompts(McpCatalog catalog)
    {
        AddPrompt(catalog, "test_simple_prompt", "Simple Test Prompt", "A simple prompt without arguments", null,
            static _ => [Say("This is a simple prompt for testing.")]);

        AddPrompt(catalog, "test_prompt_with_arguments", "Prompt With Arguments", "A prompt with required arguments",
            [Argument("arg1", "First test argument"), Argument("arg2", "Second test argument")],
            static args => [Say($"Prompt with arguments: arg1='{args.GetValueOrDefault("arg1")}', arg2='{args.GetValueOrDefault("arg2")}'")],
            new Dictionary<string, CompletionHandler> { ["arg1"] = Suggest(s_argumentSuggestions) });

        AddPrompt(catalog, "test_prompt_with_embedded_resource", "Prompt With Embedded Resource", "A prompt that includes an embedded resource",
            [Argument("resourceUri", "URI of the resource to embed")],
            static args =>
            [
                new PromptMessage { Content = Embedded(args.GetValueOrDefault("resourceUri", string.Empty), "text/plain", "Embedded resource content for testing.") },
                Say("Please process the embedded resource above."),
            ]);

        AddPrompt(catalog, "test_prompt_with_image", "Prompt With Image", "A prompt that includes image content", null,
            static _ => [new PromptMessage { Content = Png() }, Say("Please analyze the image above.")]);
    }

    /// <summary>The fixtures that appear 2 s after registration, to exercise the <c>list_changed</c> notifications.</summary>
    private static void RegisterDynamicFixtures(McpCatalog catalog)
    {
        AddTool(catalog, "test_dynamic_tool", "A tool added 2 seconds after the server started, to test tools/list_changed", Schemas.EmptyObject,
            static (_, _) => Done(CallToolResult.FromText("This tool was added dynamically.")));

        AddTextResource(catalog, "test://dynamic-resource", "dynamic-resource", "Dynamic Resource",
            "A resource added 2 seconds after the server started, to test resources/list_changed", "text/plain",
            "This resource was added dynamically.");

        AddPrompt(catalog, "test_dynamic_prompt", "Dynamic Prompt", "A prompt added 2 seconds after the server started, to test prompts/list_changed", null,
            static _ => [Say("This prompt was added dynamically.")]);
    }

    private static async ValueTask<CallToolResult> SampleAsync(RequestContext context, ToolArguments arguments)
    {
        if (!arguments.TryGetString("prompt", out var prompt))
        {
            return CallToolResult.Error("Argument 'prompt' is required and must be a string.");
        }

        try
        {
            var result = await context.SampleAsync(new CreateMessageRequestParams
            {
                Messages = [new SamplingMessage { Role = "user", Content = new TextContent(prompt) }],
                MaxTokens = 100,
            }, context.CancellationToken);

            var text = FirstText(result.Content);
            return CallToolResult.FromText($"LLM response: {(string.IsNullOrEmpty(text) ? "No response" : text)}");
        }
        catch (McpProtocolException ex)
        {
            return CallToolResult.Error($"Sampling not supported or error: {ex.Message}");
        }
    }

    private static async ValueTask<CallToolResult> ElicitAsync(RequestContext context, string message, JsonElement requestedSchema, string label)
    {
        try
        {
            var result = await context.ElicitAsync(new ElicitRequestParams { Message = message, RequestedSchema = requestedSchema }, context.CancellationToken);
            var content = result.Content is { ValueKind: not JsonValueKind.Null } c ? c.GetRawText() : "{}";
            return CallToolResult.FromText($"{label}: action={result.Action}, content={content}");
        }
        catch (McpProtocolException ex)
        {
            return CallToolResult.Error($"Elicitation not supported or error: {ex.Message}");
        }
    }

    /// <summary>The first text of sampled content: one content block, or (2025-11-25) an array of them.</summary>
    private static string? FirstText(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.Object when content.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String => text.GetString(),
        JsonValueKind.Array => content.EnumerateArray().Select(FirstText).FirstOrDefault(t => !string.IsNullOrEmpty(t)),
        _ => null,
    };

    /// <summary>The request's <c>_meta.progressToken</c> as text, or "0" without one (as the reference server answers).</summary>
    private static string ProgressTokenText(RequestContext context)
    {
        if (context.Params.IsEmpty)
        {
            return "0";
        }

        using var doc = JsonDocument.Parse(context.Params);
        if (doc.RootElement.ValueKind == JsonValueKind.Object
            && doc.RootElement.TryGetProperty("_meta", out var meta)
            && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty("progressToken", out var token))
        {
            return token.ValueKind == JsonValueKind.String ? token.GetString()! : token.GetRawText();
        }

        return "0";
    }

    private static string TemplateJson(string id)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteBoolean("templateTest", true);
            writer.WriteString("data", $"Data for ID: {id}");
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void AddTool(McpCatalog catalog, string name, string description, JsonElement inputSchema, ToolHandler handler) =>
        catalog.AddTool(new ToolDefinition(new Tool { Name = name, Description = description, InputSchema = inputSchema }, handler));

    private static void AddTextResource(McpCatalog catalog, string uri, string name, string title, string description, string mimeType, string text) =>
        catalog.AddResource(new ResourceDefinition(
            new Resource { Uri = uri, Name = name, Title = title, Description = description, MimeType = mimeType },
            (_, requested, _) => Done(new ReadResourceResult { Contents = [new ResourceContents { Uri = requested, MimeType = mimeType, Text = text }] })));

    private static void AddPrompt(
        McpCatalog catalog,
        string name,
        string title,
        string description,
        IList<PromptArgument>? arguments,
        Func<IReadOnlyDictionary<string, string>, IList<PromptMessage>> render,
        IReadOnlyDictionary<string, CompletionHandler>? completions = null) =>
        catalog.AddPrompt(new PromptDefinition(
            new Prompt { Name = name, Title = title, Description = description, Arguments = arguments },
            (_, args) => ValueTask.FromResult(new GetPromptResult { Description = description, Messages = render(args) }),
            completions));

    private static PromptArgument Argument(string name, string description) => new() { Name = name, Description = description, Required = true };

    private static PromptMessage Say(string text) => new() { Role = "user", Content = new TextContent(text) };

    private static ImageContent Png() => new() { Data = PngBase64, MimeType = "image/png" };

    private static EmbeddedResourceContent Embedded(string uri, string mimeType, string text) =>
        new() { Resource = new ResourceContents { Uri = uri, MimeType = mimeType, Text = text } };

    private static ValueTask<T> Done<T>(T result) => ValueTask.FromResult(result);

    /// <summary>Completions: the candidates that start with what was typed, case-insensitively.</summary>
    private static CompletionHandler Suggest(string[] candidates) =>
        (value, _, _) => ValueTask.FromResult(candidates.Where(c => c.StartsWith(value, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// The timer-driven part of one catalogue: the watched resource's text and the two timers.
    /// The timers hold the catalogue only weakly, so a dropped catalogue stops them on their next tick.
    /// </summary>
    private sealed class LiveFixtures(McpCatalog catalog, TimeProvider time) : IDisposable
    {
        private readonly WeakReference<McpCatalog> _catalog = new(catalog);
        private readonly Lock _gate = new();
        private ITimer? _watchedTimer;
        private ITimer? _dynamicTimer;
        private int _updates;
        private string _watchedText = WatchedInitialText;
        private bool _disposed;

        public string WatchedText => Volatile.Read(ref _watchedText);

        public void Start()
        {
            lock (_gate)
            {
                _watchedTimer = time.CreateTimer(static s => ((LiveFixtures)s!).OnWatchedTick(), this, s_watchedPeriod, s_watchedPeriod);
                _dynamicTimer = time.CreateTimer(static s => ((LiveFixtures)s!).OnDynamicDue(), this, s_dynamicDelay, Timeout.InfiniteTimeSpan);
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _watchedTimer?.Dispose();
                _dynamicTimer?.Dispose();
                _watchedTimer = null;
                _dynamicTimer = null;
            }
        }

        private void OnWatchedTick()
        {
            if (!TryGetCatalog(out var target))
            {
                return;
            }

            var n = Interlocked.Increment(ref _updates);
            var stamp = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
            Volatile.Write(ref _watchedText, $"{WatchedInitialText} (update {n} at {stamp})");
            target.NotifyResourceUpdated(WatchedUri);
        }

        private void OnDynamicDue()
        {
            if (!TryGetCatalog(out var target))
            {
                return;
            }

            lock (_gate)
            {
                _dynamicTimer?.Dispose();
                _dynamicTimer = null;
            }

            RegisterDynamicFixtures(target);
        }

        private bool TryGetCatalog(out McpCatalog target)
        {
            lock (_gate)
            {
                if (!_disposed && _catalog.TryGetTarget(out target!))
                {
                    return true;
                }
            }

            Dispose();
            target = null!;
            return false;
        }
    }
}
