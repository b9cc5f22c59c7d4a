using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace McpServer.Host.Logging;

/// <summary>Console logger options that never change: the level switch, not the options, follows a reload.</summary>
internal sealed class FixedConsoleLoggerOptions(ConsoleLoggerOptions value) : IOptionsMonitor<ConsoleLoggerOptions>
{
    public ConsoleLoggerOptions CurrentValue => value;

    public ConsoleLoggerOptions Get(string? name) => value;

    public IDisposable? OnChange(Action<ConsoleLoggerOptions, string?> listener) => null;
}
