using McpServer.Catalog;
using Microsoft.Extensions.DependencyInjection;

namespace McpServer.AspNetCore;

/// <summary>Configures an MCP server registered with <c>AddMcpServer()</c>.</summary>
public interface IMcpServerBuilder
{
    /// <summary>The service collection.</summary>
    IServiceCollection Services { get; }
}

internal sealed class McpServerBuilder(IServiceCollection services) : IMcpServerBuilder
{
    public IServiceCollection Services { get; } = services;
}

/// <summary>A change applied to the catalogue when it is created.</summary>
/// <param name="Apply">Adds tools, resources or prompts.</param>
public sealed record CatalogRegistration(Action<IServiceProvider, McpCatalog> Apply);
