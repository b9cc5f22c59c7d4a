using System.Text;
using System.Text.Json;
using McpServer.Protocol;

namespace McpServer.Tests.Protocol;

public sealed class Utf8StringCacheTests
{
    private static string Read(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        return Utf8StringCache.GetString(ref reader);
    }

    [Fact]
    public void SameBytes_GiveTheSameStringInstance()
    {
        var first = Read("\"2026-07-28\"");
        var second = Read("\"2026-07-28\"");

        Assert.Equal("2026-07-28", first);
        Assert.Same(first, second);
    }

    [Theory]
    [InlineData("\"caf\\u00e9\"", "café")]
    [InlineData("\"naïve\"", "naïve")]
    [InlineData("\"\"", "")]
    public void EscapedAndNonAsciiValues_ReadCorrectly(string json, string expected)
    {
        Assert.Equal(expected, Read(json));
        Assert.Equal(expected, Read(json));
    }

    [Fact]
    public void CollidingValues_NeverReturnAnotherValue()
    {
        var values = Enumerable.Range(0, 500).Select(i => "tool_" + i).ToArray();
        for (var round = 0; round < 2; round++)
        {
            foreach (var v in values)
            {
                Assert.Equal(v, Utf8StringCache.Get(Encoding.UTF8.GetBytes(v)));
            }
        }
    }

    [Fact]
    public void LongValues_AreReadButNotKept()
    {
        var text = new string('x', 500);

        Assert.Equal(text, Read("\"" + text + "\""));
        Assert.NotSame(Read("\"" + text + "\""), Read("\"" + text + "\""));
    }
}
