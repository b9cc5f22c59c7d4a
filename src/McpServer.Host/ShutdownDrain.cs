using System.Globalization;
using System.Runtime.InteropServices;
using McpServer.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace McpServer.Host;

/// <summary>
/// What SIGTERM (or SIGINT, SIGQUIT) does to the HTTP server: report not-ready at once, keep serving
/// for <c>server.shutdownDelaySeconds</c> so load balancers stop sending, then close the listener and
/// let requests in flight finish within <c>server.drainTimeoutSeconds</c>, saying which were cut when
/// that passes. A second signal exits at once.
/// </summary>
internal sealed partial class ShutdownDrain : IDisposable
{
    /// <summary>
    /// How much longer than the drain timeout the host waits before it cuts what still runs, so
    /// ERROR_DRAIN_TIMEOUT is logged while those requests are still in flight.
    /// </summary>
    public static readonly TimeSpan CutMargin = TimeSpan.FromMilliseconds(250);

    private readonly IHostApplicationLifetime _lifetime;
    private readonly SessionManager _sessions;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _drainTimeout;
    private readonly Action<int> _abort;
    private readonly List<PosixSignalRegistration> _signals = [];
    private ITimer? _delayTimer;
    private ITimer? _drainTimer;
    private int _signalCount;
    private volatile bool _ready = true;
    private long _delayTicks;

    public ShutdownDrain(IHostApplicationLifetime lifetime, SessionManager sessions, ILogger logger, TimeProvider time, TimeSpan shutdownDelay, TimeSpan drainTimeout, Action<int> abort)
    {
        _lifetime = lifetime;
        _sessions = sessions;
        _logger = logger;
        _time = time;
        _drainTimeout = drainTimeout;
        _abort = abort;
        Delay = shutdownDelay;
        // However the stop began (a signal, or the embedding application), the drain is timed from here.
        lifetime.ApplicationStopping.Register(OnStopping);
    }

    /// <summary>Whether <c>/readyz</c> answers ready: true until the first signal (or the stop).</summary>
    public bool Ready => _ready;

    /// <summary>Requests in flight, in sessions and stateless.</summary>
    public int InFlight => _sessions.InFlightRequests().Count;

    /// <summary>How long to keep serving after the first signal (<c>server.shutdownDelaySeconds</c>); a reload may change it.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>Handles SIGTERM, SIGINT and SIGQUIT from here on (instead of the host's console lifetime).</summary>
    public void Listen()
    {
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var name = context.Signal.ToString();
        if (Interlocked.Increment(ref _signalCount) > 1)
        {
            LogAborted(_logger, name, InFlight);
            _abort(HostConstants.ExitFailure);
            return;
        }

        _ready = false;
        var delay = Delay;
        if (delay > TimeSpan.Zero)
        {
            LogDraining(_logger, name, delay.TotalSeconds, InFlight, _drainTimeout.TotalSeconds);
            _delayTimer = _time.CreateTimer(static s => ((ShutdownDrain)s!)._lifetime.StopApplication(), this, delay, Timeout.InfiniteTimeSpan);
        }
        else
        {
            LogDrainingNow(_logger, name, InFlight, _drainTimeout.TotalSeconds);
            _lifetime.StopApplication();
        }
    }

    private void OnStopping()
    {
        _ready = false;
        _drainTimer ??= _time.CreateTimer(static s => ((ShutdownDrain)s!).OnDrainTimeout(), this, _drainTimeout, Timeout.InfiniteTimeSpan);
    }

    private void OnDrainTimeout()
    {
        var running = _sessions.InFlightRequests();
        if (running.Count == 0)
        {
            return;
        }

        // "tools/call (tool sleep) 2, resources/read 1": what was cut, most frequent first.
        var what = string.Join(", ", running
            .GroupBy(static r => r.ToolName is { } tool ? $"{r.Method} (tool {tool})" : r.Method, StringComparer.Ordinal)
            .OrderByDescending(static g => g.Count())
            .ThenBy(static g => g.Key, StringComparer.Ordinal)
            .Select(static g => g.Key + " " + g.Count().ToString(CultureInfo.InvariantCulture)));
        LogDrainTimeout(_logger, running.Count, _drainTimeout.TotalSeconds, what);
    }

    public void Dispose()
    {
        foreach (var registration in _signals)
        {
            registration.Dispose();
        }

        _delayTimer?.Dispose();
        _drainTimer?.Dispose();
    }

    /// <summary>The host's lifetime without its signal handlers: <see cref="ShutdownDrain"/> handles the signals.</summary>
    internal sealed class SignalFreeLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(16, LogLevel.Information, "Draining after {Signal}: /readyz answers 503 draining; new requests are still served for {DelaySeconds:0.#} s (server.shutdownDelaySeconds), then the listener closes and the requests in flight ({InFlight} now) get up to {DrainTimeoutSeconds:0.#} s to finish (server.drainTimeoutSeconds).", EventName = "SERVER_DRAINING")]
    private static partial void LogDraining(ILogger logger, string signal, double delaySeconds, int inFlight, double drainTimeoutSeconds);

    // The same event without a delay: the listener closes at once.
#pragma warning disable SYSLIB1025
    [LoggerMessage(16, LogLevel.Information, "Draining after {Signal}: /readyz answers 503 draining and the listener closes now (server.shutdownDelaySeconds is 0: new connections are refused); the requests in flight ({InFlight} now) get up to {DrainTimeoutSeconds:0.#} s to finish (server.drainTimeoutSeconds).", EventName = "SERVER_DRAINING")]
    private static partial void LogDrainingNow(ILogger logger, string signal, int inFlight, double drainTimeoutSeconds);
#pragma warning restore SYSLIB1025

    [LoggerMessage(17, LogLevel.Warning, "The drain timeout passed with {Count} request(s) still running: they are cut now, after {DrainTimeoutSeconds:0.#} s (server.drainTimeoutSeconds): {Requests}. Their clients get no answer; a drain timeout above limits.toolTimeoutSeconds lets every call finish.", EventName = "ERROR_DRAIN_TIMEOUT")]
    private static partial void LogDrainTimeout(ILogger logger, int count, double drainTimeoutSeconds, string requests);

    [LoggerMessage(12, LogLevel.Warning, "Second {Signal}: exiting now without waiting for the drain ({InFlight} request(s) in flight are dropped).", EventName = "SERVER_ABORTED")]
    private static partial void LogAborted(ILogger logger, string signal, int inFlight);
}
