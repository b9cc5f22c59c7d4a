namespace McpServer.Tests.TestUtilities;

/// <summary>Upper bounds for waits, so a broken test fails instead of hanging. No test sleeps.</summary>
internal static class TestTimeouts
{
    /// <summary>How long to wait for something that should happen almost at once.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);
}
