namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>
/// A class fixture owning one HTTP <c>mcp-server</c> process for every test of a class. Tests attach
/// their output helper so the server's log lines show up under the test that caused them.
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private ServerProcess? _server;

    /// <summary>The catalogue arguments this server runs with; stdio clients start their own process with the same ones.</summary>
    public abstract IReadOnlyList<string> CatalogArgs { get; }

    /// <summary>Further arguments for the HTTP server only.</summary>
    protected virtual IReadOnlyList<string> ExtraArgs => [];

    /// <summary>The running server.</summary>
    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>The Streamable HTTP endpoint.</summary>
    public Uri McpUrl => Server.McpUrl!;

    /// <summary>The legacy HTTP+SSE endpoint.</summary>
    public Uri SseUrl => new(Server.BaseUrl!, "/sse");

    public async Task InitializeAsync() => _server = await ServerProcess.StartHttpAsync(null, [.. CatalogArgs, .. ExtraArgs]);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The demo catalogue (echo, add, sleep, time, demo://readme, demo://greeting/{name}, greet).</summary>
public sealed class DemoServerFixture : ServerFixture
{
    public override IReadOnlyList<string> CatalogArgs => ["--catalog", "demo"];
}

/// <summary>The conformance catalogue plus the demo one (sleep and echo stay available).</summary>
public sealed class ConformanceServerFixture : ServerFixture
{
    public override IReadOnlyList<string> CatalogArgs => ["--catalog", "conformance", "--catalog", "demo"];
}
