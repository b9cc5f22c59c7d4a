using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>The three transports mcp-server speaks.</summary>
public enum McpTransport
{
    /// <summary>Streamable HTTP at /mcp.</summary>
    StreamableHttp,

    /// <summary>The 2024-11-05 HTTP+SSE transport at /sse.</summary>
    LegacySse,

    /// <summary>Newline-delimited JSON-RPC on stdin/stdout of a <c>--stdio</c> process.</summary>
    Stdio,
}

/// <summary>Connects the official MCP C# SDK client to mcp-server over any of its transports.</summary>
public static class SdkClients
{
    /// <summary>Every transport, for <c>[MemberData]</c>.</summary>
    public static TheoryData<McpTransport> AllTransports => [McpTransport.StreamableHttp, McpTransport.LegacySse, McpTransport.Stdio];

    /// <summary>
    /// Connects a client. HTTP transports use the fixture's running server; stdio starts its own
    /// <c>mcp-server --stdio</c> process with the fixture's catalogues (the SDK owns and stops that process).
    /// </summary>
    /// <remarks>
    /// Unless <paramref name="probe"/> is set, the client is pinned to 2025-11-25: by default SDK 2.4
    /// probes <c>server/discover</c> and, since the server answers it, would use the stateless
    /// 2026-07-28 revision, where the session behaviour these tests exercise does not exist.
    /// </remarks>
    public static async Task<McpClient> ConnectAsync(McpTransport transport, ServerFixture fixture, ITestOutputHelper output, McpClientOptions? options = null, CancellationToken cancellationToken = default, bool probe = false)
    {
        options ??= new McpClientOptions();
        if (!probe)
        {
            options.ProtocolVersion ??= "2025-11-25";
        }

        var loggerFactory = XunitLoggerProvider.CreateFactory(output, "sdk", LogLevel.Warning);
        IClientTransport clientTransport = transport switch
        {
            McpTransport.StreamableHttp => new HttpClientTransport(
                new HttpClientTransportOptions { Endpoint = fixture.McpUrl, TransportMode = HttpTransportMode.StreamableHttp, Name = "streamable-http" },
                loggerFactory),
            McpTransport.LegacySse => new HttpClientTransport(
                new HttpClientTransportOptions { Endpoint = fixture.SseUrl, TransportMode = HttpTransportMode.Sse, Name = "legacy-sse" },
                loggerFactory),
            McpTransport.Stdio => StdioTransport(fixture.CatalogArgs, output),
            _ => throw new ArgumentOutOfRangeException(nameof(transport)),
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        return await McpClient.CreateAsync(clientTransport, options, loggerFactory, timeout.Token);
    }

    /// <summary>A stdio transport that runs <c>dotnet mcp-server.dll --stdio</c> (or MCP_SERVER_BIN).</summary>
    public static StdioClientTransport StdioTransport(IReadOnlyList<string> catalogArgs, ITestOutputHelper output)
    {
        var (fileName, prefix) = ServerProcess.Command();
        return new StdioClientTransport(
            new StdioClientTransportOptions
            {
                Name = "stdio",
                Command = fileName,
                Arguments = [.. prefix, "--stdio", .. catalogArgs],
                WorkingDirectory = AppContext.BaseDirectory,
                ShutdownTimeout = TimeSpan.FromSeconds(5),
                StandardErrorLines = line =>
                {
                    try
                    {
                        output.WriteLine("[stdio err] " + line);
                    }
                    catch (InvalidOperationException)
                    {
                    }
                },
            },
            XunitLoggerProvider.CreateFactory(output, "sdk-stdio", LogLevel.Warning));
    }
}
