namespace McpServer.Protocol;

/// <summary>What a JSON-RPC message is.</summary>
public enum JsonRpcMessageKind
{
    /// <summary>A request: has <c>method</c> and <c>id</c>.</summary>
    Request,
    /// <summary>A notification: has <c>method</c>, no <c>id</c>.</summary>
    Notification,
    /// <summary>A successful response: has <c>id</c> and <c>result</c>.</summary>
    Response,
    /// <summary>An error response: has <c>id</c> and <c>error</c>.</summary>
    ErrorResponse,
}
