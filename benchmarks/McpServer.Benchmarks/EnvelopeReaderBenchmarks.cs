using BenchmarkDotNet.Attributes;
using McpServer.Protocol;

namespace McpServer.Benchmarks;

/// <summary>The single-pass envelope reader on the load harness's <c>tools/call echo</c>.</summary>
public class EnvelopeReaderBenchmarks : HotPathBenchmark
{
    /// <summary>A session call (revision 2025-11-25).</summary>
    [Benchmark]
    public JsonRpcId SessionToolCall() => HotPath.ReadSessionCall();

    /// <summary>A 2026-07-28 call, its <c>_meta</c> skipped as raw <c>params</c>.</summary>
    [Benchmark]
    public JsonRpcId StatelessToolCall() => HotPath.ReadStatelessCall();
}
