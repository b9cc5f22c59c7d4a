using System.Text.Json;
using McpServer.Host.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpServer.Tests.Host.Logging;

public sealed class McpConsoleFormatterTests
{
    [Fact]
    public void Write_Text_WritesTimeLevelEventAndMessage()
    {
        var line = Format(new McpTextConsoleFormatter(), LogLevel.Warning, new EventId(104, "ERROR_TIMEOUT"), "Tool slow timed out.");

        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN  ERROR_TIMEOUT Tool slow timed out\.\r?\n$", line);
    }

    [Fact]
    public void Write_TextWithoutEventName_UsesLog()
    {
        var line = Format(new McpTextConsoleFormatter(), LogLevel.Critical, new EventId(1), "x");

        Assert.Contains(" FATAL LOG x", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Json_WritesOneObjectWithFields()
    {
        var line = Format(new McpJsonConsoleFormatter(), LogLevel.Information, new EventId(103, "SESSION_INITIALIZED"), "Session s1 initialized.", [new("SessionId", "s1"), new("{OriginalFormat}", "Session {SessionId} initialized.")]);

        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal("INFO", root.GetProperty("level").GetString());
        Assert.Equal("SESSION_INITIALIZED", root.GetProperty("event").GetString());
        Assert.Equal("cat", root.GetProperty("category").GetString());
        Assert.Equal("Session s1 initialized.", root.GetProperty("message").GetString());
        Assert.Equal("s1", root.GetProperty("sessionId").GetString());
        Assert.False(root.TryGetProperty("{OriginalFormat}", out _));
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static string Format(McpConsoleFormatter formatter, LogLevel level, EventId eventId, string message, KeyValuePair<string, object?>[]? state = null)
    {
        using var writer = new StringWriter();
        IReadOnlyList<KeyValuePair<string, object?>> fields = state ?? [];
        var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(level, "cat", eventId, fields, null, (_, _) => message);
        formatter.Write(entry, null, writer);
        return writer.ToString();
    }
}
