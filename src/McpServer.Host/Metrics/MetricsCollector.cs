using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using McpServer.Engine;
using Microsoft.Extensions.Logging;

namespace McpServer.Host.Metrics;

/// <summary>Request figures over a window: count, rate, latency percentiles, errors by reason.</summary>
internal sealed record MetricsWindow(TimeSpan Length, long Requests, double RatePerSecond, double P50Ms, double P99Ms, IReadOnlyDictionary<string, long> Errors)
{
    public long ErrorCount => Errors.Values.Sum();

    public string ErrorText => Errors.Count == 0 ? "none" : string.Join(", ", Errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value}"));
}

/// <summary>
/// Listens to the engine's instruments (<see cref="McpMetrics"/>) and keeps what the periodic
/// <c>METRICS</c> event and <c>mcp-server status</c> report: so both read the same figures as any
/// other listener of the meter would.
/// </summary>
internal sealed partial class MetricsCollector : IDisposable
{
    private const int Buckets = 128;
    private readonly MeterListener _listener = new();
    private readonly TimeProvider _time;
    private Counts _window;
    private readonly Counts _total = new();
    private long _windowStart;
    private readonly long _started;

    public MetricsCollector(TimeProvider time)
    {
        _time = time;
        _window = new Counts();
        _started = _windowStart = time.GetTimestamp();
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == McpMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (ReferenceEquals(instrument, McpMetrics.RequestDuration))
            {
                var bucket = Bucket(value);
                Volatile.Read(ref _window).Add(bucket);
                _total.Add(bucket);
            }
        });
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (ReferenceEquals(instrument, McpMetrics.Errors))
            {
                var reason = tags.Length > 0 && tags[0].Value is string r ? r : "error";
                Volatile.Read(ref _window).AddError(reason, value);
                _total.AddError(reason, value);
            }
        });
        _listener.Start();
    }

    /// <summary>The last window reported by <see cref="TakeWindow"/>, if any.</summary>
    public MetricsWindow? Latest { get; private set; }

    /// <summary>Everything since the server started.</summary>
    public MetricsWindow SinceStart => _total.ToWindow(_time.GetElapsedTime(_started));

    /// <summary>Ends the current window and starts a new one.</summary>
    public MetricsWindow TakeWindow()
    {
        var now = _time.GetTimestamp();
        var ended = Interlocked.Exchange(ref _window, new Counts());
        var length = _time.GetElapsedTime(Interlocked.Exchange(ref _windowStart, now), now);
        return Latest = ended.ToWindow(length);
    }

    public void Dispose() => _listener.Dispose();

    // Quarter-powers of two of microseconds: about 19 % wide, from 1 µs to hours.
    private static int Bucket(double seconds)
    {
        var micros = seconds * 1e6;
        return micros < 1 ? 0 : Math.Min(Buckets - 1, (int)(Math.Log2(micros) * 4) + 1);
    }

    private static double UpperMs(int bucket) => bucket == 0 ? 0.001 : Math.Pow(2, bucket / 4.0) / 1000.0;

    private sealed class Counts
    {
        private readonly long[] _buckets = new long[Buckets];
        private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
        private long _count;

        public void Add(int bucket)
        {
            Interlocked.Increment(ref _buckets[bucket]);
            Interlocked.Increment(ref _count);
        }

        public void AddError(string reason, long n) => _errors.AddOrUpdate(reason, n, (_, v) => v + n);

        public MetricsWindow ToWindow(TimeSpan length)
        {
            var count = Volatile.Read(ref _count);
            return new MetricsWindow(length, count, length > TimeSpan.Zero ? count / length.TotalSeconds : 0, Percentile(0.5, count), Percentile(0.99, count), new Dictionary<string, long>(_errors));
        }

        private double Percentile(double p, long count)
        {
            if (count == 0)
            {
                return 0;
            }

            var target = (long)Math.Ceiling(p * count);
            long seen = 0;
            for (var i = 0; i < Buckets; i++)
            {
                seen += Volatile.Read(ref _buckets[i]);
                if (seen >= target)
                {
                    return UpperMs(i);
                }
            }

            return UpperMs(Buckets - 1);
        }
    }
}
