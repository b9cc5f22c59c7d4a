using McpServer.AspNetCore;
using McpServer.AspNetCore.LegacySse;
using McpServer.AspNetCore.StreamableHttp;
using McpServer.Engine;
using McpServer.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the MCP endpoints.</summary>
public static class McpEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps Streamable HTTP at <paramref name="pattern"/> (POST, GET, DELETE) and, unless turned
    /// off, the legacy HTTP+SSE transport at <c>/sse</c> and <c>/messages</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapMcpServer(this IEndpointRouteBuilder endpoints, string pattern = "/mcp")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var streamable = services.GetRequiredService<StreamableHttpHandler>();
        var legacy = services.GetRequiredService<LegacySseHandler>();
        var options = services.GetRequiredService<IOptions<McpHttpOptions>>().Value;
        var dispatcher = services.GetRequiredService<McpDispatcher>();
        var sessions = dispatcher.Sessions;
        sessions.SessionEnded += OnSessionEnded;
        services.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(() =>
        {
            dispatcher.CloseSubscriptions();
            ReleaseStreams(sessions);
        });

        var auth = services.GetRequiredService<McpServer.AspNetCore.Security.McpAuthenticator>();
        if (services.GetRequiredService<IOptions<McpServer.AspNetCore.Security.McpAuthOptions>>().Value.OAuthEnabled)
        {
            endpoints.MapGet(McpServer.AspNetCore.Security.McpAuthenticator.ResourceMetadataPath, auth.WriteResourceMetadataAsync);
        }

        var group = endpoints.MapGroup(pattern);
        group.MapPost(string.Empty, streamable.HandlePostAsync);
        group.MapGet(string.Empty, streamable.HandleGetAsync);
        group.MapDelete(string.Empty, streamable.HandleDeleteAsync);
        if (options.EnableLegacySse)
        {
            endpoints.MapGet("/sse", (HttpContext http) => legacy.HandleStreamAsync(http, "/messages"));
            endpoints.MapPost("/messages", legacy.HandleMessageAsync);
        }

        return group;
    }

    private static void OnSessionEnded(McpSession session)
    {
        if (session.TransportState is HttpSessionState state)
        {
            state.End();
        }

        LegacySseHandler.OnSessionEnded(session);
    }

    // On shutdown, open SSE streams are ended so in-flight requests can drain and the host can stop.
    private static void ReleaseStreams(SessionManager sessions)
    {
        foreach (var s in sessions.Sessions)
        {
            if (s.TransportState is HttpSessionState state)
            {
                state.ReleaseGetStreams();
            }

            else if (s.Transport == "sse")
            {
                // A legacy stream carries the answers too: it ends once nothing is in flight.
                _ = ReleaseWhenIdleAsync(s);
            }
        }
    }

    private static async Task ReleaseWhenIdleAsync(McpSession session)
    {
        while (session.InFlightCount > 0 && !session.IsEnded)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }

        LegacySseHandler.OnSessionEnded(session);
    }
}
