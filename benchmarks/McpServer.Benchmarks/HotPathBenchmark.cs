using BenchmarkDotNet.Attributes;

namespace McpServer.Benchmarks;

/// <summary>What every micro benchmark shares: allocations reported, one <see cref="HotPath"/> per run.</summary>
[MemoryDiagnoser]
public abstract class HotPathBenchmark
{
    /// <summary>The engine and the harness's bytes the benchmarks drive.</summary>
    private protected HotPath HotPath { get; private set; } = null!;

    [GlobalSetup]
    public void Setup() => HotPath = new HotPath();

    [GlobalCleanup]
    public void Cleanup() => HotPath.Dispose();
}
