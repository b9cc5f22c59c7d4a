using BenchmarkDotNet.Attributes;
using McpServer.Engine;

namespace McpServer.Benchmarks;

/// <summary>A read <c>tools/call echo</c> through the dispatcher to the tool's result; nothing written.</summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private HotPath _hotPath = null!;

    [GlobalSetup]
    public void Setup() => _hotPath = new HotPath();

    [GlobalCleanup]
    public void Cleanup() => _hotPath.Dispose();

    /// <summary>On an initialized 2025-11-25 session: request context, in-flight entry, the tool's result.</summary>
    [Benchmark]
    public RpcResult SessionToolCall() => _hotPath.DispatchSessionCall();

    /// <summary>On 2026-07-28: <c>_meta</c> read and checked, a request-scoped session, then the same dispatch.</summary>
    [Benchmark]
    public RpcResult StatelessToolCall() => _hotPath.DispatchStatelessCall();
}
