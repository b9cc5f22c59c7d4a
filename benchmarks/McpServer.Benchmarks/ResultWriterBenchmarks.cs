using BenchmarkDotNet.Attributes;

namespace McpServer.Benchmarks;

/// <summary>The echo tool's result written as a JSON-RPC response into a reused pooled buffer.</summary>
public class ResultWriterBenchmarks : HotPathBenchmark
{
    /// <summary><c>{"jsonrpc":"2.0","id":…,"result":{"content":[…]}}</c>.</summary>
    [Benchmark]
    public int ToolCallResponse() => HotPath.WriteToolCallResponse();

    /// <summary>The 2026-07-28 form, with <c>resultType</c>.</summary>
    [Benchmark]
    public int StatelessToolCallResponse() => HotPath.WriteStatelessToolCallResponse();
}
