using McpServer.Protocol;

namespace McpServer.Tests.Protocol;

public sealed class ProtocolRevisionsTests
{
    [Theory]
    [InlineData("2024-11-05", ProtocolRevision.V2024_11_05)]
    [InlineData("2025-03-26", ProtocolRevision.V2025_03_26)]
    [InlineData("2025-06-18", ProtocolRevision.V2025_06_18)]
    [InlineData("2025-11-25", ProtocolRevision.V2025_11_25)]
    public void TryParse_Supported_ReturnsRevision(string wire, ProtocolRevision expected)
    {
        Assert.True(ProtocolRevisions.TryParse(wire, out var revision));
        Assert.Equal(expected, revision);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2025-11-26")]
    [InlineData("2024-10-07")]
    [InlineData(" 2025-11-25")]
    [InlineData("2025-11-25 ")]
    [InlineData("2025/11/25")]
    public void TryParse_Unsupported_ReturnsFalseAndNone(string wire)
    {
        Assert.False(ProtocolRevisions.TryParse(wire, out var revision));
        Assert.Equal(ProtocolRevision.None, revision);
    }

    [Theory]
    [InlineData(ProtocolRevision.V2024_11_05)]
    [InlineData(ProtocolRevision.V2025_03_26)]
    [InlineData(ProtocolRevision.V2025_06_18)]
    [InlineData(ProtocolRevision.V2025_11_25)]
    public void ToWire_EveryRevision_RoundTripsThroughTryParse(ProtocolRevision revision)
    {
        Assert.True(ProtocolRevisions.TryParse(ProtocolRevisions.ToWire(revision), out var back));
        Assert.Equal(revision, back);
    }

    [Fact]
    public void ToWire_None_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProtocolRevisions.ToWire(ProtocolRevision.None));
    }

    [Fact]
    public void Supported_ListsEveryRevisionNewestFirst()
    {
        Assert.Equal(["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"], ProtocolRevisions.Supported);
        Assert.Equal(ProtocolRevisions.Supported[0], ProtocolRevisions.ToWire(ProtocolRevisions.Latest));
    }

    [Theory]
    [InlineData(ProtocolRevision.None, false)]
    [InlineData(ProtocolRevision.V2024_11_05, true)]
    [InlineData(ProtocolRevision.V2025_03_26, true)]
    [InlineData(ProtocolRevision.V2025_06_18, false)]
    [InlineData(ProtocolRevision.V2025_11_25, false)]
    public void AllowsBatches_Revision_OnlyBefore20250618(ProtocolRevision revision, bool expected)
    {
        Assert.Equal(expected, ProtocolRevisions.AllowsBatches(revision));
    }
}
