using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace McpServer.Host.Config;

/// <summary>
/// Watches the configuration file (and SIGHUP) while the server runs: a change that validates is
/// applied and recorded in the history; one that does not leaves the running configuration in place
/// and says why (<c>ERROR_CONFIG_INVALID</c>).
/// </summary>
internal sealed partial class ConfigReloader : IDisposable
{
    /// <summary>Keys that take effect only at the next start.</summary>
    public static readonly IReadOnlySet<string> RestartKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "server.keyRing", "server.drainTimeoutSeconds", "logging.format", "logging.metricsIntervalSeconds", "limits.sseKeepAliveSeconds",
        "auth.keysFile", "auth.failureLimitPerMinute", "server.tlsCertificateFile", "server.tlsKeyFile",
        "auth.oauthIssuer", "auth.oauthAudience", "auth.oauthMetadataAddress", "auth.oauthRequireHttpsMetadata",
        "telemetry.metrics", "telemetry.otlpEndpoint", "telemetry.otlpProtocol", "telemetry.otlpExportIntervalSeconds", "telemetry.traceSamplePercent",
    };

    private static readonly TimeSpan s_debounce = TimeSpan.FromMilliseconds(300);
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<ServeSettings, ServeSettings, string?> _apply;
    private readonly ConfigHistory _history;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _timerGate = new();
    private readonly Func<ConfigFile, ServeSettings?>? _rebuild;
    private ServeSettings _current;
    private ConfigFile _file;
    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _sighup;
    private ITimer? _pending;
    private bool _disposed;

    public ConfigReloader(ServeSettings settings, ConfigFile file, ILogger logger, TimeProvider time, Func<ServeSettings, ServeSettings, string?> apply)
    {
        _current = settings;
        _rebuild = settings.Rebuild;
        _file = file;
        _logger = logger;
        _time = time;
        _apply = apply;
        _history = new ConfigHistory(file.Path, settings.ConfigHistory);
    }

    /// <summary>The version in force (its number in the history; 0 when the history could not be written).</summary>
    public int Version { get; private set; }

    /// <summary>The hash of the file in force.</summary>
    public string Hash { get; private set; } = string.Empty;

    /// <summary>When the file in force was applied.</summary>
    public DateTimeOffset AppliedAt { get; private set; }

    /// <summary>The file.</summary>
    public string Path => _file.Path;

    /// <summary>Records the file the server started with and begins watching.</summary>
    public void Start()
    {
        var version = Record(_file);
        (Version, Hash, AppliedAt) = (version?.Number ?? 0, ConfigHistory.HashOf(_file.Content), _time.GetUtcNow());
        LogLoaded(_logger, _file.Path, version?.Number ?? 0, ConfigHistory.HashOf(_file.Content));
        var directory = System.IO.Path.GetDirectoryName(_file.Path)!;
        _watcher = new FileSystemWatcher(directory, System.IO.Path.GetFileName(_file.Path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Schedule("file changed");
        _watcher.Created += (_, _) => Schedule("file changed");
        _watcher.Renamed += (_, _) => Schedule("file replaced");
        _watcher.EnableRaisingEvents = true;
        if (!OperatingSystem.IsWindows())
        {
            _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
            {
                c.Cancel = true;
                Schedule("SIGHUP");
            });
        }
    }

    /// <summary>Reloads after a short pause, so an editor's several writes make one reload.</summary>
    public void Schedule(string reason)
    {
        lock (_timerGate)
        {
            if (_disposed)
            {
                return;
            }

            _pending?.Dispose();
            _pending = _time.CreateTimer(static s => { var (self, why) = ((ConfigReloader, string))s!; _ = self.ReloadAsync(why); }, (this, reason), s_debounce, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Reads, checks and, when it validates, applies the file.</summary>
    public async Task ReloadAsync(string reason)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var errors = new List<string>();
            var warnings = new List<string>();
            var file = ConfigFile.Load(_file.Path, errors, warnings);
            foreach (var warning in warnings)
            {
                LogWarning(_logger, warning);
            }

            if (file is null)
            {
                LogInvalid(_logger, _file.Path, reason, errors.Count, string.Join(" | ", errors));
                Metrics.HostMetrics.Reload("invalid");
                return;
            }

            if (file.Content.AsSpan().SequenceEqual(_file.Content))
            {
                LogUnchanged(_logger, _file.Path, reason);
                return;
            }

            if (_rebuild?.Invoke(file) is not { } next)
            {
                LogInvalid(_logger, _file.Path, reason, 1, "the file validates but the settings it gives cannot be used with this command line.");
                Metrics.HostMetrics.Reload("invalid");
                return;
            }

            var changed = Changed(_file, file);
            if (_apply(_current, next) is { } failure)
            {
                // Nothing of the new version was kept: the last good configuration serves on.
                LogApplyFailed(_logger, _file.Path, reason, failure, Version);
                Metrics.HostMetrics.Reload("apply_failed");
                return;
            }

            _current = next;
            _file = file;
            _history.Keep = next.ConfigHistory;
            var version = Record(file);
            (Version, Hash, AppliedAt) = (version?.Number ?? 0, ConfigHistory.HashOf(file.Content), _time.GetUtcNow());
            LogApplied(_logger, _file.Path, Version, Hash, reason, changed.Count == 0 ? "none" : string.Join(", ", changed));
            Metrics.HostMetrics.Reload("applied");
            var restart = changed.Where(RestartKeys.Contains).ToArray();
            if (restart.Length > 0)
            {
                LogRestartRequired(_logger, string.Join(", ", restart));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogInvalid(_logger, _file.Path, reason, 1, "it cannot be read: " + ex.Message);
            Metrics.HostMetrics.Reload("invalid");
        }
        finally
        {
            _gate.Release();
        }
    }

    private ConfigVersion? Record(ConfigFile file)
    {
        try
        {
            return _history.Record(file.Content, _time.GetUtcNow());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogHistoryFailed(_logger, _history.Directory, ex.Message);
            return null;
        }
    }

    private static List<string> Changed(ConfigFile before, ConfigFile after)
    {
        var changed = new List<string>();
        foreach (var key in ConfigKeys.All)
        {
            var a = before.TryGet(key.Path, out var x) ? x.GetRawText() : null;
            var b = after.TryGet(key.Path, out var y) ? y.GetRawText() : null;
            if (!string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal))
            {
                changed.Add(key.Path);
            }
        }

        return changed;
    }

    private static string? Normalize(string? json) => json is null ? null : JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, ConfigJsonContext.Default.JsonElement);

    public void Dispose()
    {
        lock (_timerGate)
        {
            _disposed = true;
            _pending?.Dispose();
        }

        _watcher?.Dispose();
        _sighup?.Dispose();
    }

    [LoggerMessage(20, LogLevel.Information, "Configuration {Path} loaded: version {Version}, hash {Hash}. It is watched; a change that validates is applied (SIGHUP reloads too).", EventName = "CONFIG_LOADED")]
    private static partial void LogLoaded(ILogger logger, string path, int version, string hash);

    [LoggerMessage(21, LogLevel.Information, "Configuration {Path} applied ({Reason}): version {Version}, hash {Hash}; changed: {Changed}.", EventName = "CONFIG_APPLIED")]
    private static partial void LogApplied(ILogger logger, string path, int version, string hash, string reason, string changed);

    [LoggerMessage(22, LogLevel.Error, "Configuration {Path} was not applied ({Reason}): {Count} problem(s): {Problems} The running configuration stays; fix the file (mcp-server config check) or roll back (mcp-server config rollback).", EventName = "ERROR_CONFIG_INVALID")]
    private static partial void LogInvalid(ILogger logger, string path, string reason, int count, string problems);

    [LoggerMessage(27, LogLevel.Error, "Configuration {Path} validated but could not be applied ({Reason}): {Failure}. The server stays on the last good configuration, version {Version}; fix the file or roll back.", EventName = "ERROR_CONFIG_APPLY")]
    private static partial void LogApplyFailed(ILogger logger, string path, string reason, string failure, int version);

    [LoggerMessage(23, LogLevel.Warning, "These settings changed but take effect only at the next start: {Keys}.", EventName = "CONFIG_RESTART_REQUIRED")]
    private static partial void LogRestartRequired(ILogger logger, string keys);

    [LoggerMessage(24, LogLevel.Debug, "Configuration {Path} unchanged ({Reason}).", EventName = "CONFIG_UNCHANGED")]
    private static partial void LogUnchanged(ILogger logger, string path, string reason);

    [LoggerMessage(25, LogLevel.Warning, "{Warning}", EventName = "CONFIG_WARNING")]
    private static partial void LogWarning(ILogger logger, string warning);

    [LoggerMessage(26, LogLevel.Warning, "The configuration history in {Directory} could not be written: {Reason}; rollback will not know this version.", EventName = "CONFIG_HISTORY_FAILED")]
    private static partial void LogHistoryFailed(ILogger logger, string directory, string reason);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonElement))]
internal sealed partial class ConfigJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
