using McpServer.Benchmarks;

namespace McpServer.Tests.Engine;

/// <summary>
/// Allocation budgets of the hot path: one per micro benchmark in benchmarks/McpServer.Benchmarks,
/// measuring the same operation (both run <see cref="HotPath"/>). Allocated bytes are deterministic
/// where times are not: a change that makes an operation allocate more than its budget fails here,
/// and benchmarks/README.md records each budget and why it is what it is. A change that needs more
/// raises the budget there and here in the same commit.
/// </summary>
public sealed class AllocationBudgetTests : IDisposable
{
    private const int Rounds = 2_000;

    private readonly HotPath _hotPath = new();

    public void Dispose() => _hotPath.Dispose();

    // Bytes allocated on this thread per run of `step`, after a warm-up (first-call caches, tiering).
    private static double BytesPerRound(Action step)
    {
        for (var i = 0; i < 200; i++)
        {
            step();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Rounds; i++)
        {
            step();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Rounds;
    }

    private static void AssertWithinBudget(string benchmark, int budget, Action step)
    {
        var bytes = BytesPerRound(step);
        Assert.True(bytes <= budget, $"{benchmark} allocated {bytes:F0} bytes per operation; budget {budget} (benchmarks/README.md)");
    }

    // EnvelopeReaderBenchmarks: the envelope is a struct over the input; known methods are interned.

    [Fact]
    public void EnvelopeReader_SessionToolCall_AllocatesNothing() =>
        AssertWithinBudget("EnvelopeReaderBenchmarks.SessionToolCall", 0, () => _hotPath.ReadSessionCall());

    [Fact]
    public void EnvelopeReader_StatelessToolCall_AllocatesNothing() =>
        AssertWithinBudget("EnvelopeReaderBenchmarks.StatelessToolCall", 0, () => _hotPath.ReadStatelessCall());

    // DispatchBenchmarks. Measured 360 B: the request context, the tool's result and its text block;
    // 464 B on 2026-07-28, the request-scoped session besides. Budgets with ~15 % room.

    [Fact]
    public void Dispatch_SessionToolCall_StaysWithinBudget() =>
        AssertWithinBudget("DispatchBenchmarks.SessionToolCall", 400, () => _hotPath.DispatchSessionCall());

    [Fact]
    public void Dispatch_StatelessToolCall_StaysWithinBudget() =>
        AssertWithinBudget("DispatchBenchmarks.StatelessToolCall", 530, () => _hotPath.DispatchStatelessCall());

    // ResultWriterBenchmarks: the writer is reused per thread and writes into the caller's pooled buffer.

    [Fact]
    public void ResultWriter_ToolCallResponse_AllocatesNothing() =>
        AssertWithinBudget("ResultWriterBenchmarks.ToolCallResponse", 0, () => _hotPath.WriteToolCallResponse());

    [Fact]
    public void ResultWriter_StatelessToolCallResponse_AllocatesNothing() =>
        AssertWithinBudget("ResultWriterBenchmarks.StatelessToolCallResponse", 0, () => _hotPath.WriteStatelessToolCallResponse());

    // RequestBenchmarks: envelope, dispatch and response together. Measured 360 B and 464 B, the same as
    // dispatch alone (reading and writing allocate nothing); budgets with ~15 % room.

    [Fact]
    public void Request_SessionToolCall_StaysWithinBudget() =>
        AssertWithinBudget("RequestBenchmarks.SessionToolCall", 400, () => _hotPath.SessionToolCall());

    [Fact]
    public void Request_StatelessToolCall_StaysWithinBudget() =>
        AssertWithinBudget("RequestBenchmarks.StatelessToolCall", 530, () => _hotPath.StatelessToolCall());

    // The same requests while every instrument of the McpServer meter is listened to, as when metrics
    // are on (the default): recording a request (duration histogram, tool and byte counters) must add
    // nothing to the budget.

    [Fact]
    public void Request_SessionToolCall_WithMetricsOn_StaysWithinTheSameBudget()
    {
        using var listener = ListenToEveryInstrument();
        AssertWithinBudget("RequestBenchmarks.SessionToolCall (metrics on)", 400, () => _hotPath.SessionToolCall());
    }

    [Fact]
    public void Request_StatelessToolCall_WithMetricsOn_StaysWithinTheSameBudget()
    {
        using var listener = ListenToEveryInstrument();
        AssertWithinBudget("RequestBenchmarks.StatelessToolCall (metrics on)", 530, () => _hotPath.StatelessToolCall());
    }

    private static System.Diagnostics.Metrics.MeterListener ListenToEveryInstrument()
    {
        var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = static (instrument, l) =>
            {
                if (instrument.Meter.Name == McpServer.Engine.McpMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        var sum = 0.0;
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => sum += value);
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => sum += value);
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => sum += value);
        listener.Start();
        Assert.True(McpServer.Engine.McpMetrics.RequestDuration.Enabled);
        return listener;
    }

    // HandshakeBenchmarks. Measured 400 B: the session with its id and table entry ~220 B, the request
    // context; initialize's params are parsed once and shared by the sessions that send the same bytes.
    // Budget with ~15 % room.

    [Fact]
    public void Handshake_Initialize_StaysWithinBudget()
    {
        AssertWithinBudget("HandshakeBenchmarks.Initialize", 460, () => _hotPath.InitializeHandshake());

        Assert.Equal(1, _hotPath.SessionCount);
    }
}
