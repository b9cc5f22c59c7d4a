using BenchmarkDotNet.Attributes;

namespace McpServer.Benchmarks;

/// <summary>
/// A session's life without calls: created, <c>initialize</c> answered, <c>notifications/initialized</c>
/// taken, ended. What it allocates is most of what a session costs in memory.
/// </summary>
[MemoryDiagnoser]
public class HandshakeBenchmarks
{
    private HotPath _hotPath = null!;

    [GlobalSetup]
    public void Setup() => _hotPath = new HotPath();

    [GlobalCleanup]
    public void Cleanup() => _hotPath.Dispose();

    /// <summary>Revision 2025-11-25, the harness's <c>initialize</c>.</summary>
    [Benchmark]
    public int Initialize() => _hotPath.InitializeHandshake();
}
