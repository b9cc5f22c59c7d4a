using McpServer.Engine;

namespace McpServer.Tests.Engine;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Write_BeyondInitialCapacity_GrowsAndKeepsContent()
    {
        using var writer = new PooledBufferWriter(4);
        var data = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();

        writer.Write(data.AsSpan(0, 3));
        writer.Write(data.AsSpan(3));

        Assert.Equal(data.Length, writer.WrittenCount);
        Assert.Equal(data, writer.WrittenSpan.ToArray());
        Assert.Equal(data, writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void GetSpanAndAdvance_WriteThroughSpan_IsWritten()
    {
        using var writer = new PooledBufferWriter(1);

        var span = writer.GetSpan(3);
        Assert.True(span.Length >= 3);
        "abc"u8.CopyTo(span);
        writer.Advance(3);
        var memory = writer.GetMemory();
        Assert.True(memory.Length >= 1);
        "d"u8.CopyTo(memory.Span);
        writer.Advance(1);

        Assert.Equal("abcd"u8.ToArray(), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Clear_AfterWrite_ForgetsContent()
    {
        using var writer = new PooledBufferWriter(8);
        writer.Write("hello"u8);

        writer.Clear();
        writer.Write("x"u8);

        Assert.Equal("x"u8.ToArray(), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Dispose_Twice_LeavesNothingWritten()
    {
        var writer = new PooledBufferWriter(8);
        writer.Write("hello"u8);

        writer.Dispose();
        writer.Dispose();

        Assert.Equal(0, writer.WrittenCount);
        Assert.True(writer.WrittenSpan.IsEmpty);
    }
}
