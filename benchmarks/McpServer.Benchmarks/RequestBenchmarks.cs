using BenchmarkDotNet.Attributes;

namespace McpServer.Benchmarks;

/// <summary>A whole <c>tools/call echo</c> in the engine: envelope read, dispatched, response written.</summary>
public class RequestBenchmarks : HotPathBenchmark
{
    /// <summary>On an initialized 2025-11-25 session.</summary>
    [Benchmark]
    public int SessionToolCall() => HotPath.SessionToolCall();

    /// <summary>On 2026-07-28, without a session.</summary>
    [Benchmark]
    public int StatelessToolCall() => HotPath.StatelessToolCall();
}
