using System.Text.Json;
using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;

namespace McpServer.Host.Catalogs;

// The multi-round-trip fixtures of the 0.2.0 suite (SEP-2322, revision 2026-07-28). Each asks
// through RequestContext, so on a session revision the same tool sends real requests to the client.
internal static partial class ConformanceCatalog
{
    private static readonly JsonElement s_nameSchema = ObjectSchema("name", "string");
    private static readonly JsonElement s_confirmSchema = ObjectSchema("ok", "boolean");
    private static readonly JsonElement s_colorSchema = ObjectSchema("color", "string");
    private static readonly JsonElement s_contextSchema = ObjectSchema("context", "string");
    private static readonly JsonElement s_headerParameterSchema = Schemas.Parse("""
        {
          "type": "object",
          "properties": {
            "region": { "type": "string", "description": "Where to run", "x-mcp-header": "Region" }
          },
          "required": ["region"]
        }
        """);

    private static void RegisterInputRequiredFixtures(McpCatalog catalog)
    {
        AddTool(catalog, "test_input_required_result_elicitation", "Asks the user's name (input key user_name), then greets them.", Schemas.EmptyObject,
            static async (context, _) =>
            {
                var name = await AskNameAsync(context, "user_name", "What is your name?");
                return CallToolResult.FromText(name is null ? "No name was given." : $"Hello, {name}!");
            });

        AddTool(catalog, "test_input_required_result_sampling", "Asks the client's model a question (input key capital_question) and returns its answer.", Schemas.EmptyObject,
            static async (context, _) => CallToolResult.FromText("Sampling answered: " + await AskCapitalAsync(context)));

        AddTool(catalog, "test_input_required_result_list_roots", "Asks the client for its roots (input key client_roots) and lists them.", Schemas.EmptyObject,
            static async (context, _) => CallToolResult.FromText(DescribeRoots(await context.ListRootsAsync("client_roots", context.CancellationToken))));

        AddTool(catalog, "test_input_required_result_request_state", "Asks for a confirmation (input key confirm) and carries state between the rounds; answers state-ok when the echoed state verified.", Schemas.EmptyObject,
            static async (context, _) =>
            {
                context.InputState = "awaiting-confirmation";
                var answer = await context.ElicitAsync("confirm", new ElicitRequestParams { Message = "Please confirm", RequestedSchema = s_confirmSchema }, context.CancellationToken);
                var verified = context.InputRound > 0 && context.InputState == "awaiting-confirmation";
                return CallToolResult.FromText($"{(verified ? "state-ok" : "no state")}: action={answer.Action}, content={Raw(answer.Content)}");
            });

        AddTool(catalog, "test_input_required_result_multiple_inputs", "Asks for a name, a sampled greeting and the roots in one round (keys user_name, greeting, client_roots).", Schemas.EmptyObject,
            static async (context, _) =>
            {
                // Started together, so all three go to the client in one InputRequiredResult.
                var name = AskNameAsync(context, "user_name", "What is your name?");
                var greeting = context.SampleAsync("greeting", Question("Generate a greeting", 50), context.CancellationToken);
                var roots = context.ListRootsAsync("client_roots", context.CancellationToken);
                await Task.WhenAll(name, greeting, roots);
                return CallToolResult.FromText($"name={await name}, greeting={FirstText((await greeting).Content)}, {DescribeRoots(await roots)}");
            });

        AddTool(catalog, "test_input_required_result_multi_round", "Asks two questions in two rounds (keys step1, then step2).", Schemas.EmptyObject,
            static async (context, _) =>
            {
                var name = await AskNameAsync(context, "step1", "Step 1: What is your name?");
                var color = await context.ElicitAsync("step2", new ElicitRequestParams { Message = "Step 2: What is your favorite color?", RequestedSchema = s_colorSchema }, context.CancellationToken);
                return CallToolResult.FromText($"Hello, {name}! Your favorite color is {StringMember(color.Content, "color") ?? "unknown"}.");
            });

        AddTool(catalog, "test_input_required_result_tampered_state", "Asks for a confirmation (input key confirm); a changed requestState is refused with -32602.", Schemas.EmptyObject,
            static async (context, _) =>
            {
                var answer = await context.ElicitAsync("confirm", new ElicitRequestParams { Message = "Please confirm", RequestedSchema = s_confirmSchema }, context.CancellationToken);
                return CallToolResult.FromText($"Confirmed: action={answer.Action}");
            });

        AddTool(catalog, "test_input_required_result_capabilities", "Asks only for what the client declared: elicitation (user_name), sampling (capital_question), roots (client_roots).", Schemas.EmptyObject,
            static async (context, _) =>
            {
                var declared = context.Session.ClientCapabilities;
                var asks = new List<Task<string>>();
                if (declared?.Elicitation is not null)
                {
                    asks.Add(Describe(AskNameAsync(context, "user_name", "What is your name?"), static n => "name=" + n));
                }

                if (declared?.Sampling is not null)
                {
                    asks.Add(Describe(AskCapitalAsync(context), static a => "sampling=" + a));
                }

                if (declared?.Roots is not null)
                {
                    asks.Add(Describe(context.ListRootsAsync("client_roots", context.CancellationToken), DescribeRoots));
                }

                if (asks.Count == 0)
                {
                    return CallToolResult.FromText("The client declared none of elicitation, sampling and roots, so there was nothing to ask.");
                }

                return CallToolResult.FromText(string.Join("; ", await Task.WhenAll(asks)));
            });

        AddTool(catalog, "test_streaming_elicitation", "Asks for a confirmation; on 2026-07-28 through an InputRequiredResult, never a request on the response stream.", Schemas.EmptyObject,
            static async (context, _) =>
            {
                var answer = await context.ElicitAsync("confirmation", new ElicitRequestParams { Message = "Please confirm to continue", RequestedSchema = s_confirmSchema }, context.CancellationToken);
                return CallToolResult.FromText($"Elicitation completed: action={answer.Action}, content={Raw(answer.Content)}");
            });

        // SEP-2575: hooks that change the lists, so subscriptions/listen streams have something to carry.
        AddTool(catalog, "test_trigger_tool_change", "Adds test_triggered_tool, or removes it when present: the tool list changes.", Schemas.EmptyObject,
            (_, _) =>
            {
                if (!catalog.RemoveTool("test_triggered_tool"))
                {
                    AddTool(catalog, "test_triggered_tool", "Added by test_trigger_tool_change.", Schemas.EmptyObject, static (_, _) => Done(CallToolResult.FromText("Triggered tool called.")));
                }

                return Done(CallToolResult.FromText("The tool list changed."));
            });

        AddTool(catalog, "test_trigger_prompt_change", "Adds test_triggered_prompt, or removes it when present: the prompt list changes.", Schemas.EmptyObject,
            (_, _) =>
            {
                if (!catalog.RemovePrompt("test_triggered_prompt"))
                {
                    AddPrompt(catalog, "test_triggered_prompt", "Triggered Prompt", "Added by test_trigger_prompt_change.", null, static _ => [Say("This prompt was added by test_trigger_prompt_change.")]);
                }

                return Done(CallToolResult.FromText("The prompt list changed."));
            });

        // SEP-2243: an argument the client repeats in the Mcp-Param-Region header (2026-07-28 over HTTP).
        AddTool(catalog, "test_header_parameter", "Echoes its region argument, which clients also send in the Mcp-Param-Region header.", s_headerParameterSchema,
            static (_, arguments) => Done(arguments.TryGetString("region", out var region)
                ? CallToolResult.FromText("Region: " + region)
                : CallToolResult.Error("Argument 'region' is required and must be a string.")));

        catalog.AddPrompt(new PromptDefinition(
            new Prompt { Name = "test_input_required_result_prompt", Title = "Prompt Needing Input", Description = "Asks the user for context (input key user_context) before it renders." },
            static async (context, _) =>
            {
                var answer = await context.ElicitAsync("user_context", new ElicitRequestParams { Message = "What context should the prompt use?", RequestedSchema = s_contextSchema }, context.CancellationToken);
                var text = StringMember(answer.Content, "context") ?? "(none given)";
                return new GetPromptResult { Description = "A prompt rendered with context from the user", Messages = [Say($"Use this context: {text}")] };
            }));
    }

    private static async Task<string?> AskNameAsync(RequestContext context, string key, string message)
    {
        var answer = await context.ElicitAsync(key, new ElicitRequestParams { Message = message, RequestedSchema = s_nameSchema }, context.CancellationToken);
        return answer.Action == "accept" ? StringMember(answer.Content, "name") : null;
    }

    private static async Task<string> AskCapitalAsync(RequestContext context)
    {
        var reply = await context.SampleAsync("capital_question", Question("What is the capital of France?", 100), context.CancellationToken);
        return FirstText(reply.Content) ?? "(no text)";
    }

    private static CreateMessageRequestParams Question(string text, int maxTokens) =>
        new() { Messages = [new SamplingMessage { Role = "user", Content = new TextContent(text) }], MaxTokens = maxTokens };

    private static async Task<string> Describe<T>(Task<T> ask, Func<T, string> describe) => describe(await ask);

    private static string DescribeRoots(ListRootsResult roots) =>
        roots.Roots.Count == 0 ? "no roots" : "roots: " + string.Join(", ", roots.Roots.Select(static r => r.Name is null ? r.Uri : $"{r.Uri} ({r.Name})"));

    private static string? StringMember(JsonElement? content, string name) =>
        content is { ValueKind: JsonValueKind.Object } c && c.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Raw(JsonElement? content) => content is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } c ? c.GetRawText() : "{}";

    private static JsonElement ObjectSchema(string property, string type) => Schemas.Parse(
        "{\"type\":\"object\",\"properties\":{\"" + property + "\":{\"type\":\"" + type + "\"}},\"required\":[\"" + property + "\"]}");
}
