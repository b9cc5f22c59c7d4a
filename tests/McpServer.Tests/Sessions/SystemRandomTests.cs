using McpServer.Sessions;

namespace McpServer.Tests.Sessions;

public sealed class SystemRandomTests
{
    [Fact]
    public void Fill_TwoBuffers_DifferAndAreNotZero()
    {
        var a = new byte[32];
        var b = new byte[32];

        SystemRandom.Fill(a);
        SystemRandom.Fill(b);

        Assert.NotEqual(a, b);
        Assert.Contains(a, x => x != 0);
    }

    [Fact]
    public void Fill_LargeBuffer_FillsEveryByte()
    {
        // 1 MiB in one call: a short read must be continued, not leave a zero tail.
        var buffer = new byte[1 << 20];

        SystemRandom.Fill(buffer);

        Assert.Contains(buffer.AsSpan(buffer.Length - 64).ToArray(), x => x != 0);
        Assert.InRange(buffer.Count(x => x == 0), 1 << 10, 1 << 13);
    }

    [Fact]
    public void TryCreate_SessionIds_AreUniqueBase64Url()
    {
        using var sessions = new SessionManager(sweep: false);
        var ids = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < 1000; i++)
        {
            var session = sessions.TryCreate("streamable-http");
            Assert.NotNull(session);
            Assert.Matches("^[A-Za-z0-9_-]{22}$", session.Id);
            Assert.True(ids.Add(session.Id));
        }
    }
}
