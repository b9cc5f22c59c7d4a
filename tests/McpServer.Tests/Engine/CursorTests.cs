using System.Text;
using McpServer.Engine;

namespace McpServer.Tests.Engine;

public sealed class CursorTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(100)]
    [InlineData(int.MaxValue)]
    public void EncodeCursor_ThenDecode_RoundTrips(int offset)
    {
        var cursor = McpDispatcher.EncodeCursor(offset);

        Assert.True(McpDispatcher.TryDecodeCursor(cursor, out var back));
        Assert.Equal(offset, back);
    }

    [Fact]
    public void EncodeCursor_Offset_IsBase64OfPrefixedOffset()
    {
        Assert.Equal(Convert.ToBase64String(Encoding.ASCII.GetBytes("o:42")), McpDispatcher.EncodeCursor(42));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("o:1")]
    [InlineData("====")]
    public void TryDecodeCursor_NotBase64OrEmpty_ReturnsFalse(string cursor)
    {
        Assert.False(McpDispatcher.TryDecodeCursor(cursor, out _));
    }

    [Theory]
    [InlineData("o:")]
    [InlineData("x:1")]
    [InlineData("o;1")]
    [InlineData("o:-1")]
    [InlineData("o:+1")]
    [InlineData("o: 1")]
    [InlineData("o:1a")]
    [InlineData("o:2147483648")]
    [InlineData("o:99999999999999999999")]
    public void TryDecodeCursor_WrongPayload_ReturnsFalse(string payload)
    {
        Assert.False(McpDispatcher.TryDecodeCursor(Convert.ToBase64String(Encoding.ASCII.GetBytes(payload)), out _));
    }

    [Fact]
    public void TryDecodeCursor_LongerThan40Chars_ReturnsFalse()
    {
        // Base64 decoding skips white space, so only the length check refuses this one.
        var cursor = McpDispatcher.EncodeCursor(1) + new string(' ', 40);

        Assert.False(McpDispatcher.TryDecodeCursor(cursor, out _));
    }
}
