using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace McpServer.AspNetCore.Limits;

/// <summary>
/// Requests per minute per client: per API key (its id), or per client address without one. A
/// token bucket (<see cref="TokenBucketRateLimiter"/>) per client, so a client may use a minute's
/// allowance in a burst and then gets <c>429 rate_limited</c> with <c>Retry-After</c> until tokens
/// come back. Buckets idle for two minutes are dropped. Reconfigurable while serving.
/// </summary>
/// <remarks>
/// One limiter per client in a concurrent dictionary rather than a <c>PartitionedRateLimiter</c>:
/// that one takes a global lock and allocates a partition on every acquire, which profiles showed
/// on this path; here a request costs a lookup and the bucket's own lock.
/// </remarks>
public sealed class ClientRateLimiter : IDisposable
{
    private static readonly TimeSpan s_idle = TimeSpan.FromMinutes(2);
    private readonly Timer _sweep;
    private Limits? _limits;

    /// <summary>Creates the limiter, off until <see cref="Configure"/>.</summary>
    public ClientRateLimiter() => _sweep = new Timer(static s => ((ClientRateLimiter)s!).Sweep(), this, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    /// <summary>Gets the allowance per client and minute; 0 when off.</summary>
    public int PerMinute => Volatile.Read(ref _limits)?.PerMinute ?? 0;

    /// <summary>Gets a value indicating whether requests are limited.</summary>
    public bool Enabled => Volatile.Read(ref _limits) is not null;

    /// <summary>Sets the allowance per client and minute (0 turns the limit off); a change starts every bucket full.</summary>
    public void Configure(int perMinute)
    {
        var current = Volatile.Read(ref _limits);
        if ((current?.PerMinute ?? 0) == perMinute)
        {
            return;
        }

        var next = perMinute > 0 ? new Limits(perMinute) : null;
        if (Interlocked.CompareExchange(ref _limits, next, current) == current)
        {
            current?.Dispose();
        }
    }

    /// <summary>Takes one request from <paramref name="client"/>'s allowance; when there is none, returns how long to wait.</summary>
    public TimeSpan? TryAcquire(string client)
    {
        if (Volatile.Read(ref _limits) is not { } limits)
        {
            return null;
        }

        try
        {
            using var lease = limits.For(client).AttemptAcquire();
            if (lease.IsAcquired)
            {
                return null;
            }

            return lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromSeconds(1);
        }
        catch (ObjectDisposedException)
        {
            // Reconfigured or swept at this moment: let the request through rather than fail it.
            return null;
        }
    }

    /// <summary>Stops the buckets and the sweep.</summary>
    public void Dispose()
    {
        _sweep.Dispose();
        Interlocked.Exchange(ref _limits, null)?.Dispose();
    }

    private void Sweep() => Volatile.Read(ref _limits)?.Sweep();

    internal static TokenBucketRateLimiterOptions Bucket(int perMinute) => McpServer.Engine.RateBucket.Options(perMinute);

    private sealed class Limits(int perMinute) : IDisposable
    {
        private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new(StringComparer.Ordinal);

        public int PerMinute { get; } = perMinute;

        public TokenBucketRateLimiter For(string client) =>
            _buckets.TryGetValue(client, out var bucket) ? bucket : _buckets.GetOrAdd(client, static (_, n) => new TokenBucketRateLimiter(Bucket(n)), PerMinute);

        public void Sweep()
        {
            foreach (var (client, bucket) in _buckets)
            {
                if (bucket.IdleDuration is { } idle && idle > s_idle && _buckets.TryRemove(new KeyValuePair<string, TokenBucketRateLimiter>(client, bucket)))
                {
                    bucket.Dispose();
                }
            }
        }

        public void Dispose()
        {
            foreach (var bucket in _buckets.Values)
            {
                bucket.Dispose();
            }

            _buckets.Clear();
        }
    }
}
