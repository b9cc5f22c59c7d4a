namespace McpServer.Engine;

/// <summary>
/// Where messages to a client go: a Streamable HTTP response stream, the standalone SSE
/// stream, a legacy SSE stream or stdout. A message is one serialized JSON-RPC object.
/// </summary>
public interface IMcpMessageSink
{
    /// <summary>Sends one message. Implementations serialize concurrent sends.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);
}

/// <summary>A sink tied to one request's response stream, which the handler may ask to close (SSE polling).</summary>
internal interface IRequestStream : IMcpMessageSink
{
    /// <summary>Ends the HTTP response now; later messages wait in the replay buffer for a reconnect.</summary>
    void RequestClose();
}
