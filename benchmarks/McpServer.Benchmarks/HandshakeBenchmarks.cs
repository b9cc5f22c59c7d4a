using BenchmarkDotNet.Attributes;

namespace McpServer.Benchmarks;

/// <summary>
/// A session's life without calls: created, <c>initialize</c> answered, <c>notifications/initialized</c>
/// taken, ended. What it allocates is most of what a session costs in memory.
/// </summary>
public class HandshakeBenchmarks : HotPathBenchmark
{
    /// <summary>Revision 2025-11-25, the harness's <c>initialize</c>.</summary>
    [Benchmark]
    public int Initialize() => HotPath.InitializeHandshake();
}
