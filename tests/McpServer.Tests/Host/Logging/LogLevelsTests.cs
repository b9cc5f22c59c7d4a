using McpServer.Host.Logging;
using Microsoft.Extensions.Logging;

namespace McpServer.Tests.Host.Logging;

public sealed class LogLevelsTests
{
    [Theory]
    [InlineData("trace", LogLevel.Trace)]
    [InlineData("DEBUG", LogLevel.Debug)]
    [InlineData("Info", LogLevel.Information)]
    [InlineData("information", LogLevel.Information)]
    [InlineData("warn", LogLevel.Warning)]
    [InlineData("warning", LogLevel.Warning)]
    [InlineData("WaRnInG", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    [InlineData("critical", LogLevel.Critical)]
    [InlineData("fatal", LogLevel.Critical)]
    [InlineData("none", LogLevel.None)]
    [InlineData("off", LogLevel.None)]
    [InlineData("  info \t", LogLevel.Information)]
    public void TryParse_KnownLevel_ReturnsIt(string value, LogLevel expected)
    {
        Assert.True(LogLevels.TryParse(value, out var level));
        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("bad")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("2")]
    [InlineData("inf")]
    [InlineData("warnings")]
    public void TryParse_UnknownLevel_ReturnsFalse(string? value)
    {
        Assert.False(LogLevels.TryParse(value, out _));
    }
}
