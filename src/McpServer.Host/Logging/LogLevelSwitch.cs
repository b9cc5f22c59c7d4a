using Microsoft.Extensions.Logging;

namespace McpServer.Host.Logging;

/// <summary>The level the server's own events are logged at; a configuration reload changes it in place.</summary>
internal static class LogLevelSwitch
{
    private static volatile int s_level = (int)LogLevel.Information;

    public static LogLevel Current
    {
        get => (LogLevel)s_level;
        set => s_level = (int)value;
    }

    public static bool IsEnabled(LogLevel level) => (int)level >= s_level;
}
