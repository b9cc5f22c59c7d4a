using BenchmarkDotNet.Attributes;

namespace McpServer.Benchmarks;

/// <summary>The echo tool's result written as a JSON-RPC response into a reused pooled buffer.</summary>
[MemoryDiagnoser]
public class ResultWriterBenchmarks
{
    private HotPath _hotPath = null!;

    [GlobalSetup]
    public void Setup() => _hotPath = new HotPath();

    [GlobalCleanup]
    public void Cleanup() => _hotPath.Dispose();

    /// <summary><c>{"jsonrpc":"2.0","id":…,"result":{"content":[…]}}</c>.</summary>
    [Benchmark]
    public int ToolCallResponse() => _hotPath.WriteToolCallResponse();

    /// <summary>The 2026-07-28 form, with <c>resultType</c>.</summary>
    [Benchmark]
    public int StatelessToolCallResponse() => _hotPath.WriteStatelessToolCallResponse();
}
