using McpServer.Engine;

namespace McpServer.Tests.Engine;

public sealed class RateBucketTests
{
    [Theory]
    [InlineData(1, 1, 60_000)]
    [InlineData(30, 1, 2_000)]
    [InlineData(60, 1, 1_000)]
    [InlineData(600, 10, 1_000)]
    [InlineData(10_000_000, 166_667, 1_000)]
    public void Options_AllowAMinuteInABurst_RefillAtMostOnceASecond(int perMinute, int tokens, int periodMs)
    {
        var options = RateBucket.Options(perMinute);

        Assert.Equal(perMinute, options.TokenLimit);
        Assert.Equal(tokens, options.TokensPerPeriod);
        Assert.Equal(TimeSpan.FromMilliseconds(periodMs), options.ReplenishmentPeriod);
        Assert.Equal(0, options.QueueLimit);
        // Over a minute the refill gives back at least the allowance, never much more.
        var perMinuteRefill = options.TokensPerPeriod * (60_000 / periodMs);
        Assert.InRange(perMinuteRefill, perMinute, perMinute + 60);
    }
}
