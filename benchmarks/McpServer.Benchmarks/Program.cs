using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Metrology;

// Runs the benchmarks the arguments select (BenchmarkDotNet's command line: --filter, --job, ...);
// benchmarks/run-micro.sh runs them all and keeps the reports. Allocations are shown in bytes, the
// unit of the budgets in tests/McpServer.Tests/Engine/AllocationBudgetTests.cs.
var config = DefaultConfig.Instance.WithSummaryStyle(SummaryStyle.Default.WithSizeUnit(SizeUnit.B));
BenchmarkSwitcher.FromAssembly(typeof(McpServer.Benchmarks.HotPath).Assembly).Run(args, config);
