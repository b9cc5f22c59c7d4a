using BenchmarkDotNet.Attributes;

namespace McpServer.Benchmarks;

/// <summary>A whole <c>tools/call echo</c> in the engine: envelope read, dispatched, response written.</summary>
[MemoryDiagnoser]
public class RequestBenchmarks
{
    private HotPath _hotPath = null!;

    [GlobalSetup]
    public void Setup() => _hotPath = new HotPath();

    [GlobalCleanup]
    public void Cleanup() => _hotPath.Dispose();

    /// <summary>On an initialized 2025-11-25 session.</summary>
    [Benchmark]
    public int SessionToolCall() => _hotPath.SessionToolCall();

    /// <summary>On 2026-07-28, without a session.</summary>
    [Benchmark]
    public int StatelessToolCall() => _hotPath.StatelessToolCall();
}
