using System.Text;
using System.Text.Json;
using McpServer.Engine;

namespace McpServer.Tests.TestUtilities;

/// <summary>An <see cref="IMcpMessageSink"/> that keeps a copy of every message and lets tests wait for one.</summary>
internal sealed class CapturingSink : IMcpMessageSink
{
    private readonly Lock _gate = new();
    private readonly List<string> _messages = [];
    private readonly List<(Func<JsonElement, bool> Match, TaskCompletionSource<JsonElement> Completion)> _waiters = [];

    /// <summary>Every message received so far, as text, in order.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        // The engine may reuse the buffer after the send completes: keep a copy.
        var text = Encoding.UTF8.GetString(message.Span);
        var element = Wire.Parse(text);
        var matched = new List<TaskCompletionSource<JsonElement>>();
        lock (_gate)
        {
            _messages.Add(text);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(element))
                {
                    matched.Add(_waiters[i].Completion);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var completion in matched)
        {
            completion.TrySetResult(element);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Waits for a message (already received or still to come) that matches.</summary>
    public Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match)
    {
        lock (_gate)
        {
            foreach (var text in _messages)
            {
                var element = Wire.Parse(text);
                if (match(element))
                {
                    return Task.FromResult(element);
                }
            }

            var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, completion));
            return completion.Task.WaitAsync(TestTimeouts.Default);
        }
    }

    /// <summary>Waits for a message with <c>method</c> equal to <paramref name="method"/>.</summary>
    public Task<JsonElement> WaitForMethodAsync(string method) =>
        WaitForAsync(e => e.TryGetProperty("method", out var m) && m.GetString() == method);

    /// <summary>Waits for the response (result or error) with integer id <paramref name="id"/>.</summary>
    public Task<JsonElement> WaitForResponseAsync(long id) =>
        WaitForAsync(e => !e.TryGetProperty("method", out _) && e.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number && i.GetInt64() == id);
}
