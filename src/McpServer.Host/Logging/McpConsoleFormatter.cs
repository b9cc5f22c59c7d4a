using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace McpServer.Host.Logging;

/// <summary>
/// One line per event, led by the event name the operator guide documents
/// (<c>CONNECTION_OPENED</c>, <c>MESSAGE_RECEIVED</c>, <c>ERROR_*</c> ...), as text or JSON.
/// </summary>
internal class McpConsoleFormatter : ConsoleFormatter
{
    public const string TextName = "mcp-text";
    public const string JsonName = "mcp-json";
    private static readonly JsonWriterOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly bool _json;

    protected McpConsoleFormatter(string name) : base(name) => _json = name == JsonName;

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var time = DateTimeOffset.UtcNow;
        var name = string.IsNullOrEmpty(logEntry.EventId.Name) ? "LOG" : logEntry.EventId.Name;
        if (_json)
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream, s_json))
            {
                w.WriteStartObject();
                w.WriteString("time", time.ToString("O", CultureInfo.InvariantCulture));
                w.WriteString("level", Level(logEntry.LogLevel));
                w.WriteString("event", name);
                w.WriteString("category", logEntry.Category);
                w.WriteString("message", message);
                if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> fields)
                {
                    foreach (var (key, value) in fields)
                    {
                        if (key != "{OriginalFormat}")
                        {
                            w.WriteString(char.ToLowerInvariant(key[0]) + key[1..], Convert.ToString(value, CultureInfo.InvariantCulture));
                        }
                    }
                }

                if (logEntry.Exception is { } ex)
                {
                    w.WriteString("exception", ex.ToString());
                }

                w.WriteEndObject();
            }

            textWriter.WriteLine(System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length));
            return;
        }

        textWriter.Write(time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(Level(logEntry.LogLevel).PadRight(5));
        textWriter.Write(' ');
        textWriter.Write(name);
        textWriter.Write(' ');
        textWriter.WriteLine(message);
        if (logEntry.Exception is { } e)
        {
            textWriter.WriteLine(e.ToString());
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARN",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "FATAL",
        _ => "NONE",
    };
}

/// <summary>The text form.</summary>
internal sealed class McpTextConsoleFormatter() : McpConsoleFormatter(TextName);

/// <summary>The JSON form: one object per line.</summary>
internal sealed class McpJsonConsoleFormatter() : McpConsoleFormatter(JsonName);

/// <summary>Parses the log levels operators write (<c>MCP_LOG_LEVEL</c>, <c>--log-level</c>).</summary>
internal static class LogLevels
{
    public const string Accepted = "trace, debug, info, warn, error (any case)";

    public static bool TryParse(string? value, out LogLevel level)
    {
        level = (value ?? string.Empty).Trim().ToUpperInvariant() switch
        {
            "TRACE" => LogLevel.Trace,
            "DEBUG" => LogLevel.Debug,
            "INFO" or "INFORMATION" => LogLevel.Information,
            "WARN" or "WARNING" => LogLevel.Warning,
            "ERROR" => LogLevel.Error,
            "CRITICAL" or "FATAL" => LogLevel.Critical,
            "NONE" or "OFF" => LogLevel.None,
            _ => (LogLevel)(-1),
        };
        return (int)level >= 0;
    }
}
