using Microsoft.Extensions.Logging;

namespace McpServer.Tests.TestUtilities;

/// <summary>One log event as written.</summary>
internal sealed record LogRecord(LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>A logger that keeps every event, so tests can assert on event ids and names.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly Lock _gate = new();
    private readonly List<LogRecord> _records = [];

    public IReadOnlyList<LogRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return [.. _records];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate)
        {
            _records.Add(new LogRecord(logLevel, eventId, formatter(state, exception), exception));
        }
    }

    /// <summary>The events named <paramref name="eventName"/>.</summary>
    public IReadOnlyList<LogRecord> Named(string eventName) => Records.Where(r => r.EventId.Name == eventName).ToArray();
}
