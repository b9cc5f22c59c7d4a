using System.Threading.RateLimiting;

namespace McpServer.Engine;

/// <summary>The token bucket behind an allowance of N requests a minute.</summary>
public static class RateBucket
{
    /// <summary>
    /// A full minute's allowance that may be spent in a burst, refilled evenly: every second by
    /// N/60 tokens when N is at least 60, else one token every 60/N seconds. Refilling at most once a
    /// second keeps the limiter's timer quiet however high N is.
    /// </summary>
    public static TokenBucketRateLimiterOptions Options(int perMinute)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perMinute, 1);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = perMinute >= 60 ? (perMinute + 59) / 60 : 1,
            ReplenishmentPeriod = perMinute >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60.0 / perMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
