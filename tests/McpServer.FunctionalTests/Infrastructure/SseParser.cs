using System.Text;

namespace McpServer.FunctionalTests.Infrastructure;

/// <summary>One Server-Sent Event as it came over the wire.</summary>
/// <param name="Id">The <c>id:</c> field, or null when the event had none.</param>
/// <param name="Event">The <c>event:</c> field, or null.</param>
/// <param name="Data">The <c>data:</c> lines joined with newlines ("" for an empty data line).</param>
/// <param name="Retry">The <c>retry:</c> field, or null.</param>
/// <param name="HasData">Whether the event had any <c>data:</c> line.</param>
public sealed record SseEvent(string? Id, string? Event, string Data, string? Retry, bool HasData);

/// <summary>A small, strict SSE parser for asserting on exactly what the server wrote.</summary>
public static class SseParser
{
    /// <summary>Parses a whole SSE body. Comment lines (keep-alives) are skipped.</summary>
    public static List<SseEvent> Parse(string body)
    {
        var events = new List<SseEvent>();
        var builder = new Builder();
        foreach (var raw in body.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (builder.Feed(line) is { } e)
            {
                events.Add(e);
            }
        }

        if (builder.Flush() is { } last)
        {
            events.Add(last);
        }

        return events;
    }

    /// <summary>Reads events from a live stream, one at a time; null at the end of the stream.</summary>
    public static async Task<SseEvent?> ReadEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var builder = new Builder();
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return builder.Flush();
            }

            if (builder.Feed(line) is { } e)
            {
                return e;
            }
        }
    }

    private sealed class Builder
    {
        private string? _id;
        private string? _event;
        private string? _retry;
        private StringBuilder? _data;
        private bool _any;

        public SseEvent? Feed(string line)
        {
            if (line.Length == 0)
            {
                return Flush();
            }

            if (line[0] == ':')
            {
                return null;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            _any = true;
            switch (name)
            {
                case "id":
                    _id = value;
                    break;
                case "event":
                    _event = value;
                    break;
                case "retry":
                    _retry = value;
                    break;
                case "data":
                    if (_data is null)
                    {
                        _data = new StringBuilder(value);
                    }
                    else
                    {
                        _data.Append('\n').Append(value);
                    }

                    break;
            }

            return null;
        }

        public SseEvent? Flush()
        {
            if (!_any)
            {
                return null;
            }

            var e = new SseEvent(_id, _event, _data?.ToString() ?? string.Empty, _retry, _data is not null);
            _id = _event = _retry = null;
            _data = null;
            _any = false;
            return e;
        }
    }
}
