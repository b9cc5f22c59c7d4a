using BenchmarkDotNet.Attributes;
using McpServer.Engine;

namespace McpServer.Benchmarks;

/// <summary>A read <c>tools/call echo</c> through the dispatcher to the tool's result; nothing written.</summary>
public class DispatchBenchmarks : HotPathBenchmark
{
    /// <summary>On an initialized 2025-11-25 session: request context, in-flight entry, the tool's result.</summary>
    [Benchmark]
    public RpcResult SessionToolCall() => HotPath.DispatchSessionCall();

    /// <summary>On 2026-07-28: <c>_meta</c> read and checked, a request-scoped session, then the same dispatch.</summary>
    [Benchmark]
    public RpcResult StatelessToolCall() => HotPath.DispatchStatelessCall();
}
