#!/usr/bin/env bash
# Runs the BenchmarkDotNet micro benchmarks of the engine's hot path (benchmarks/McpServer.Benchmarks)
# and keeps their GitHub-markdown reports in benchmarks/results/micro/ (one file per benchmark class).
#   benchmarks/run-micro.sh                              every benchmark: ShortRun job with 15 iterations
#   benchmarks/run-micro.sh --filter '*Dispatch*' --job short   arguments replace the defaults
# The reports' Allocated column is what AllocationBudgetTests holds; times move with the machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/benchmarks/results/micro"
ARTIFACTS="$(mktemp -d)"
trap 'rm -rf "$ARTIFACTS"' EXIT

ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--filter '*' --job short --iterationCount 15)

dotnet run -c Release --project benchmarks/McpServer.Benchmarks -- "${ARGS[@]}" --artifacts "$ARTIFACTS"
mkdir -p "$OUT"
for report in "$ARTIFACTS"/results/*-report-github.md; do
  cp "$report" "$OUT/$(basename "$report" | sed 's/^McpServer\.Benchmarks\.//; s/-report-github//')"
done
ls -1 "$OUT"
