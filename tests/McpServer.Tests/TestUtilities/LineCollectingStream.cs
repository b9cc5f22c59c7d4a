using System.Text;

namespace McpServer.Tests.TestUtilities;

/// <summary>A write-only stream that splits what is written into lines and hands each to a <see cref="CapturingSink"/>.</summary>
internal sealed class LineCollectingStream : Stream
{
    private readonly Lock _gate = new();
    private readonly MemoryStream _all = new();
    private readonly List<byte> _pending = [];

    /// <summary>Every complete line, parsed as JSON.</summary>
    public CapturingSink Lines { get; } = new();

    /// <summary>Runs before each asynchronous write; lets a test hold a write back.</summary>
    public Func<ReadOnlyMemory<byte>, Task>? BeforeWrite { get; set; }

    /// <summary>Everything written so far.</summary>
    public string Text
    {
        get
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetString(_all.GetBuffer(), 0, (int)_all.Length);
            }
        }
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (BeforeWrite is { } before)
        {
            await before(buffer);
        }

        Write(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var complete = new List<byte[]>();
        lock (_gate)
        {
            _all.Write(buffer);
            foreach (var b in buffer)
            {
                if (b == (byte)'\n')
                {
                    complete.Add([.. _pending]);
                    _pending.Clear();
                }
                else
                {
                    _pending.Add(b);
                }
            }
        }

        foreach (var line in complete)
        {
            _ = Lines.SendAsync(line, CancellationToken.None);
        }
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
