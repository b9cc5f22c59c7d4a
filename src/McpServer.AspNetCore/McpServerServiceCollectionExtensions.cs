using McpServer.AspNetCore;
using McpServer.AspNetCore.LegacySse;
using McpServer.AspNetCore.StreamableHttp;
using McpServer.Catalog;
using McpServer.Engine;
using McpServer.Protocol;
using McpServer.Sessions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MCP server in a service collection.</summary>
public static class McpServerServiceCollectionExtensions
{
    /// <summary>Adds the MCP engine, its session table and the HTTP transports.</summary>
    public static IMcpServerBuilder AddMcpServer(this IServiceCollection services, Action<McpServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        // The request's HttpContext is recycled once its response is done, but a request may log later
        // (a legacy SSE answer): it keeps the connection's feature, which lives as long as the connection.
        RequestOrigin.Keep ??= static origin => origin is Microsoft.AspNetCore.Http.HttpContext http
            ? http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpConnectionFeature>() ?? (object)"-"
            : origin;
        RequestOrigin.Describe ??= static origin => origin switch
        {
            Microsoft.AspNetCore.Http.HttpContext { Connection: var c } => (c.Id, c.RemoteIpAddress is { } ip ? ip + ":" + c.RemotePort.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-"),
            Microsoft.AspNetCore.Http.Features.IHttpConnectionFeature f => (f.ConnectionId, f.RemoteIpAddress is { } ip ? ip + ":" + f.RemotePort.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-"),
            _ => ("-", "-"),
        };
        RequestOrigin.TraceContext ??= static origin => origin is Microsoft.AspNetCore.Http.HttpContext { Request.Headers: var h } && h.TraceParent.Count == 1
            ? (h.TraceParent.ToString(), h.TraceState.Count == 1 ? h.TraceState.ToString() : null)
            : (null, null);
        ClosedOptions.Add<McpServerOptions>(services);
        ClosedOptions.Add<SessionOptions>(services);
        ClosedOptions.Add<McpHttpOptions>(services);
        ClosedOptions.Add<McpServer.AspNetCore.Security.McpAuthOptions>(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var catalog = new McpCatalog();
            foreach (var registration in sp.GetServices<CatalogRegistration>())
            {
                registration.Apply(sp, catalog);
            }

            return catalog;
        });
        services.TryAddSingleton(sp => new SessionManager(
            sp.GetRequiredService<IOptions<SessionOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            Logger<SessionManager>(sp)));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<McpServerOptions>>().Value;
            // With Data Protection registered, request state is sealed with its key ring, so
            // replicas sharing that ring continue each other's multi-round-trip requests.
            if (options.RequestStateProtector is null && sp.GetService<IDataProtectionProvider>() is { } provider)
            {
                options.RequestStateProtector = new DataProtectionRequestStateProtector(provider);
            }

            return new McpDispatcher(
                sp.GetRequiredService<McpCatalog>(),
                sp.GetRequiredService<SessionManager>(),
                options,
                Logger<McpDispatcher>(sp));
        });
        services.TryAddSingleton(sp => new SseKeepAlive(sp.GetRequiredService<IOptions<McpHttpOptions>>().Value, sp.GetRequiredService<SessionManager>()));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<McpServer.AspNetCore.Security.McpAuthOptions>>().Value;
            var keys = options.KeysFile is null ? null : new McpServer.AspNetCore.Security.ApiKeyStore(options.KeysFile, sp.GetRequiredService<TimeProvider>(), Logger<McpServer.AspNetCore.Security.ApiKeyStore>(sp));
            return new McpServer.AspNetCore.Security.McpAuthenticator(options, keys, Logger<McpServer.AspNetCore.Security.McpAuthenticator>(sp));
        });
        services.TryAddSingleton(_ => new McpServer.AspNetCore.Limits.ClientRateLimiter());
        services.TryAddSingleton(sp => new StreamableHttpHandler(
            sp.GetRequiredService<McpDispatcher>(),
            sp.GetRequiredService<IOptions<McpHttpOptions>>(),
            sp.GetRequiredService<SseKeepAlive>(),
            sp.GetRequiredService<McpServer.AspNetCore.Security.McpAuthenticator>(),
            sp.GetRequiredService<McpServer.AspNetCore.Limits.ClientRateLimiter>(),
            sp,
            Logger<StreamableHttpHandler>(sp)));
        services.TryAddSingleton(sp => new LegacySseHandler(
            sp.GetRequiredService<McpDispatcher>(),
            sp.GetRequiredService<IOptions<McpHttpOptions>>(),
            sp.GetRequiredService<SseKeepAlive>(),
            sp.GetRequiredService<McpServer.AspNetCore.Security.McpAuthenticator>(),
            sp,
            Logger<LegacySseHandler>(sp)));
        return new McpServerBuilder(services);
    }

    // The services above are built by factories, with loggers from the factory and options from closed
    // registrations, rather than by the container's constructor injection and open generics
    // (ILogger<T>, IOptions<T>): the result is the same, but under Native AOT the container would
    // construct Logger<T>, UnnamedOptionsManager<T>, OptionsFactory<T> and their enumerables by
    // reflection at start-up, most of the time an AOT build spends starting (benchmarks/README.md#native-aot).
    private static ILogger<T> Logger<T>(IServiceProvider services) => services.GetRequiredService<ILoggerFactory>().CreateLogger<T>();

    /// <summary>Configures the HTTP transports.</summary>
    public static IMcpServerBuilder WithHttpTransport(this IMcpServerBuilder builder, Action<McpHttpOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Configures client authentication (API keys) on the MCP endpoints.</summary>
    public static IMcpServerBuilder WithAuthentication(this IMcpServerBuilder builder, Action<McpServer.AspNetCore.Security.McpAuthOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Accepts OAuth 2.1 access tokens: registers ASP.NET Core's JwtBearer handler (scheme
    /// <c>McpOAuth</c>), configured from <see cref="McpServer.AspNetCore.Security.McpAuthOptions.OAuthIssuer"/>
    /// and <see cref="McpServer.AspNetCore.Security.McpAuthOptions.OAuthAudience"/>. Only when tokens are wanted:
    /// a registered authentication scheme brings the authentication middleware to every request of the application.
    /// </summary>
    public static IMcpServerBuilder WithOAuth(this IMcpServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        // OAuth access tokens, when an issuer is configured: JwtBearer validates them (keys from the issuer's JWKS).
        services.AddAuthentication().AddJwtBearer(McpServer.AspNetCore.Security.McpAuthenticator.OAuthScheme, _ => { });
        services.AddOptions<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>(McpServer.AspNetCore.Security.McpAuthenticator.OAuthScheme)
            .Configure<IOptions<McpServer.AspNetCore.Security.McpAuthOptions>>((jwt, auth) =>
            {
                var o = auth.Value;
                jwt.Authority = o.OAuthIssuer;
                jwt.Audience = o.OAuthAudience;
                jwt.MetadataAddress = o.OAuthMetadataAddress ?? (o.OAuthIssuer is null ? string.Empty : o.OAuthIssuer.TrimEnd('/') + "/.well-known/openid-configuration");
                jwt.RequireHttpsMetadata = o.OAuthRequireHttpsMetadata;
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters.ValidIssuer = o.OAuthIssuer;
                jwt.TokenValidationParameters.ValidAudience = o.OAuthAudience;
                jwt.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
            });
        return builder;
    }

    /// <summary>Configures the session table.</summary>
    public static IMcpServerBuilder WithSessions(this IMcpServerBuilder builder, Action<SessionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Adds tools, resources and prompts to the catalogue when it is created.</summary>
    public static IMcpServerBuilder WithCatalog(this IMcpServerBuilder builder, Action<IServiceProvider, McpCatalog> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(new CatalogRegistration(configure));
        return builder;
    }

    /// <summary>Adds a tool.</summary>
    public static IMcpServerBuilder WithTool(this IMcpServerBuilder builder, ToolDefinition tool) =>
        builder.WithCatalog((_, c) => c.AddTool(tool));

    /// <summary>Adds a tool from its name, description, input schema (JSON text) and handler.</summary>
    public static IMcpServerBuilder WithTool(this IMcpServerBuilder builder, string name, string description, string inputSchema, ToolHandler handler) =>
        builder.WithTool(new ToolDefinition(new Tool { Name = name, Description = description, InputSchema = Schemas.Parse(inputSchema) }, handler));

    /// <summary>Adds a resource.</summary>
    public static IMcpServerBuilder WithResource(this IMcpServerBuilder builder, ResourceDefinition resource) =>
        builder.WithCatalog((_, c) => c.AddResource(resource));

    /// <summary>Adds a prompt.</summary>
    public static IMcpServerBuilder WithPrompt(this IMcpServerBuilder builder, PromptDefinition prompt) =>
        builder.WithCatalog((_, c) => c.AddPrompt(prompt));
}
