using System.Collections.Frozen;
using System.Security.Cryptography;
using McpServer.Sessions;
using Microsoft.Extensions.Logging;

namespace McpServer.AspNetCore.Security;

/// <summary>The outcome of checking a presented API key.</summary>
public enum ApiKeyCheck
{
    /// <summary>The key is known, current and not revoked.</summary>
    Valid,

    /// <summary>Not a key of this server (malformed, unknown id, or wrong secret).</summary>
    Invalid,

    /// <summary>The key's expiry (or, for a rotated key's old secret, the overlap) has passed.</summary>
    Expired,

    /// <summary>The key was revoked.</summary>
    Revoked,
}

/// <summary>The result of checking a presented API key.</summary>
/// <param name="Outcome">Valid, or why not.</param>
/// <param name="KeyId">The key id the key names, when it names one (never the secret).</param>
/// <param name="Access">What a valid key may do.</param>
public readonly record struct ApiKeyResult(ApiKeyCheck Outcome, string? KeyId, ClientAccess? Access);

/// <summary>
/// The API keys of the running server, read from the keys file and re-read within about a second
/// of any change (create, revoke, rotate), without restart. A file that cannot be read keeps the
/// keys last read, so a bad edit never opens the server. Records when each key was last used in
/// the usage file beside it.
/// </summary>
public sealed partial class ApiKeyStore : IDisposable
{
    private static readonly byte[] s_nothing = new byte[SHA256.HashSizeInBytes];

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Timer _poll;
    private readonly Lock _reloadLock = new();
    private FrozenDictionary<string, Entry> _entries = FrozenDictionary<string, Entry>.Empty;
    private FrozenDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private (DateTime Written, long Length, bool Exists) _stamp = (DateTime.MinValue, -1, false);
    private long _usageChanged;
    private long _usageWrittenTicks;
    private bool _disposed;

    // A keys file that exists but cannot be read, with no keys read before: every request is refused
    // until it can be read, so a broken or unreadable file never opens the server.
    private volatile bool _failedClosed;

    // Header strings whose key was verified, by identity; dropped with the strings. A reload bumps
    // the generation, so nothing verified against older keys is trusted.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, Verified> _verified = new();
    private int _generation;

    /// <summary>Reads <paramref name="path"/> and starts watching it.</summary>
    public ApiKeyStore(string path, TimeProvider time, ILogger<ApiKeyStore> logger, TimeSpan? pollInterval = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = System.IO.Path.GetFullPath(path);
        _time = time;
        _logger = logger;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        Reload(initial: true);
        var interval = pollInterval ?? TimeSpan.FromSeconds(1);
        _poll = new Timer(static s => ((ApiKeyStore)s!).OnPoll(), this, interval, interval);
    }

    /// <summary>Gets the keys file's full path.</summary>
    public string Path { get; }

    /// <summary>Gets a value indicating whether the file holds any key (revoked ones count): then every request must authenticate.</summary>
    public bool Enabled => _entries.Count > 0 || _failedClosed;

    /// <summary>Gets the number of keys in the file, revoked ones included.</summary>
    public int Count => _entries.Count;

    /// <summary>Checks a presented key; constant-time in the secret.</summary>
    public ApiKeyResult Check(ReadOnlySpan<char> presented) => Check(null, presented);

    /// <summary>
    /// Checks a key presented in <paramref name="source"/> (the header value it is a slice of). A key
    /// verified before in the same string instance (Kestrel reuses a header's string while a
    /// connection repeats it) skips the digest: the identity of the instance is compared, never its
    /// content, and revocation, expiry and file changes are still checked on every request.
    /// </summary>
    public ApiKeyResult Check(string? source, ReadOnlySpan<char> presented)
    {
        var generation = Volatile.Read(ref _generation);
        if (source is not null && _verified.TryGetValue(source, out var known) && known.Generation == generation)
        {
            return Admit(known.Entry, known.Current);
        }

        if (!ApiKeyFormat.TryGetId(presented, out var id))
        {
            return new ApiKeyResult(ApiKeyCheck.Invalid, null, null);
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        ApiKeyFormat.Digest(presented, digest);
        if (!_lookup.TryGetValue(id, out var entry))
        {
            // The same work as for a known id, so timing does not tell ids apart.
            _ = CryptographicOperations.FixedTimeEquals(digest, s_nothing);
            return new ApiKeyResult(ApiKeyCheck.Invalid, id.ToString(), null);
        }

        var current = ApiKeyFormat.Matches(digest, entry.Hash);
        if (!current && !ApiKeyFormat.Matches(digest, entry.PreviousHash))
        {
            return new ApiKeyResult(ApiKeyCheck.Invalid, entry.Record.Id, null);
        }

        var result = Admit(entry, current);
        if (source is not null && result.Outcome == ApiKeyCheck.Valid)
        {
            _verified.AddOrUpdate(source, new Verified(entry, current, generation));
        }

        return result;
    }

    // The key's secret matched: is the key itself still good?
    private ApiKeyResult Admit(Entry entry, bool current)
    {
        var now = _time.GetUtcNow();
        var record = entry.Record;
        if (record.Revoked is not null)
        {
            return new ApiKeyResult(ApiKeyCheck.Revoked, record.Id, null);
        }

        if (record.Expires is { } expires && now >= expires)
        {
            return new ApiKeyResult(ApiKeyCheck.Expired, record.Id, null);
        }

        if (!current && (record.PreviousExpires is not { } overlap || now >= overlap))
        {
            // The secret before the last rotation, past its overlap period.
            return new ApiKeyResult(ApiKeyCheck.Expired, record.Id, null);
        }

        var ticks = now.UtcTicks;
        if (ticks - Volatile.Read(ref entry.LastUsedTicks) >= TimeSpan.TicksPerSecond)
        {
            Volatile.Write(ref entry.LastUsedTicks, ticks);
            Volatile.Write(ref _usageChanged, 1);
        }

        return new ApiKeyResult(ApiKeyCheck.Valid, record.Id, entry.Access);
    }

    /// <summary>Re-reads the file now if it changed (the poll does this every second).</summary>
    public void Refresh() => Reload(initial: false);

    /// <summary>Writes the usage file and stops watching.</summary>
    public void Dispose()
    {
        lock (_reloadLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _poll.Dispose();
        FlushUsage();
    }

    private void OnPoll()
    {
        Reload(initial: false);
        var now = _time.GetUtcNow().UtcTicks;
        if (now - Volatile.Read(ref _usageWrittenTicks) >= TimeSpan.TicksPerMinute / 2)
        {
            FlushUsage();
        }
    }

    private void Reload(bool initial)
    {
        lock (_reloadLock)
        {
            if (_disposed)
            {
                return;
            }

            var stamp = Stamp();
            if (!initial && stamp == _stamp)
            {
                return;
            }

            ApiKeyFileContent content;
            try
            {
                content = ApiKeyFile.Read(Path);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                _stamp = stamp;
                _failedClosed = _entries.Count == 0;
                LogKeysInvalid(_logger, Path, ex.Message, _entries.Count);
                return;
            }

            _stamp = stamp;
            _failedClosed = false;
            var usage = initial ? ApiKeyFile.ReadUsage(Path) : null;
            var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (var record in content.Keys)
            {
                var entry = new Entry(record, ApiKeyFormat.ParseHash(record.Hash)!, ApiKeyFormat.ParseHash(record.PreviousHash), new ClientAccess(record.Id, record.Scopes));
                if (_entries.TryGetValue(record.Id, out var old))
                {
                    entry.LastUsedTicks = Volatile.Read(ref old.LastUsedTicks);
                }
                else if (usage is not null && usage.TryGetValue(record.Id, out var used))
                {
                    entry.LastUsedTicks = used.UtcTicks;
                }

                entries[record.Id] = entry;
            }

            var frozen = entries.ToFrozenDictionary(StringComparer.Ordinal);
            _lookup = frozen.GetAlternateLookup<ReadOnlySpan<char>>();
            _entries = frozen;
            Interlocked.Increment(ref _generation);
            var active = content.Keys.Count(k => k.Revoked is null);
            if (frozen.Count > 0)
            {
                LogKeysLoaded(_logger, frozen.Count, active, Path);
                WarnIfReadableByOthers();
            }
            else if (!initial)
            {
                LogKeysEmpty(_logger, Path);
            }
        }
    }

    private (DateTime, long, bool) Stamp()
    {
        try
        {
            var info = new FileInfo(Path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length, true) : (DateTime.MinValue, -1, false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (DateTime.MinValue, -2, false);
        }
    }

    private void WarnIfReadableByOthers()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            var mode = File.GetUnixFileMode(Path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                LogKeysFileOpen(_logger, Path, Convert.ToString((int)mode, 8));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The read above succeeded; a failing mode query changes nothing.
        }
    }

    private void FlushUsage()
    {
        Volatile.Write(ref _usageWrittenTicks, _time.GetUtcNow().UtcTicks);
        if (Interlocked.Exchange(ref _usageChanged, 0) == 0)
        {
            return;
        }

        var usage = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var (id, entry) in _entries)
        {
            var ticks = Volatile.Read(ref entry.LastUsedTicks);
            if (ticks > 0)
            {
                usage[id] = new DateTimeOffset(ticks, TimeSpan.Zero);
            }
        }

        try
        {
            ApiKeyFile.WriteUsage(Path, usage);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogUsageNotWritten(_logger, ApiKeyFile.UsagePath(Path), ex.Message);
        }
    }

    private sealed record Verified(Entry Entry, bool Current, int Generation);

    private sealed class Entry(ApiKeyRecord record, byte[] hash, byte[]? previousHash, ClientAccess access)
    {
        public readonly ApiKeyRecord Record = record;
        public readonly byte[] Hash = hash;
        public readonly byte[]? PreviousHash = previousHash;
        public readonly ClientAccess Access = access;
        public long LastUsedTicks;
    }

    [LoggerMessage(502, LogLevel.Information, "Read {Count} API key(s), {Active} not revoked, from {Path}: every request must authenticate.", EventName = "KEYS_LOADED")]
    private static partial void LogKeysLoaded(ILogger logger, int count, int active, string path);

    [LoggerMessage(503, LogLevel.Warning, "{Path} holds no keys any more: requests are no longer authenticated by API key", EventName = "KEYS_EMPTY")]
    private static partial void LogKeysEmpty(ILogger logger, string path);

    [LoggerMessage(504, LogLevel.Error, "{Path} could not be read, the {Count} key(s) read before stay in force (with none, every request is refused until the file can be read): {Problem}", EventName = "ERROR_KEYS_FILE")]
    private static partial void LogKeysInvalid(ILogger logger, string path, string problem, int count);

    [LoggerMessage(505, LogLevel.Warning, "{Path} has mode {Mode}: other users may read or change the key digests. Run: chmod 600 {Path}", EventName = "KEYS_FILE_OPEN")]
    private static partial void LogKeysFileOpen(ILogger logger, string path, string mode);

    [LoggerMessage(506, LogLevel.Warning, "{Path} could not be written ({Problem}); 'keys list' shows older last-used times", EventName = "ERROR_KEYS_USAGE")]
    private static partial void LogUsageNotWritten(ILogger logger, string path, string problem);
}
