namespace McpServer.Host.Metrics;

/// <summary>
/// The process's CPU use as <c>top</c> shows it: percent of one core (200 % is two cores busy), from
/// the difference of its processor time over an interval; cheap enough to read once per METRICS event.
/// </summary>
internal sealed class CpuUsage(TimeProvider time)
{
    private readonly Lock _gate = new();
    private long _lastTimestamp = time.GetTimestamp();
    private TimeSpan _lastCpu = Environment.CpuUsage.TotalTime;

    /// <summary>The percentage of the last interval ended by <see cref="TakeInterval"/>; <see langword="null"/> before the first.</summary>
    public (double Percent, TimeSpan Length)? Latest { get; private set; }

    /// <summary>CPU used since the previous call (or since start), in percent of one core.</summary>
    public double TakeInterval()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            var cpu = Environment.CpuUsage.TotalTime;
            var length = time.GetElapsedTime(_lastTimestamp, now);
            var percent = Percent(cpu - _lastCpu, length);
            (_lastTimestamp, _lastCpu) = (now, cpu);
            Latest = (percent, length);
            return percent;
        }
    }

    /// <summary>CPU used since the process started, in percent of one core.</summary>
    public static double SinceStart(TimeSpan uptime) => Percent(Environment.CpuUsage.TotalTime, uptime);

    private static double Percent(TimeSpan cpu, TimeSpan wall) => wall > TimeSpan.Zero ? Math.Max(0, cpu / wall * 100) : 0;
}
