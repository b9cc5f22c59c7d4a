#!/usr/bin/env bash
# Publishes mcp-server (Release, ReadyToRun for linux-x64) and measures it in the same run as the peer servers: the raw
# Kestrel floor and the official C# and TypeScript SDK servers, with the peer load harness
# (wrk on loopback; server pinned to CPU 0, load on CPU 1).
#
#   benchmarks/compare.sh            mcp-server rows (sessions on 2025-11-25; stateless 2026-07-28) + every peer
#   ONLY="floor-json csharp-sdk mcp-server" benchmarks/compare.sh
#   METRICS_OFF=1 benchmarks/compare.sh   adds both mcp-server rows again with --no-metrics (the cost of metrics)
#   AOT=1 benchmarks/compare.sh      plus a row "mcp-server-aot": the Native AOT build (eng/publish-aot.sh), sessions
#   ONLY="floor-json mcp-server mcp-server-aot" AOT=1 benchmarks/compare.sh
#
# PEER_BENCH names the harness folder (its compare.sh, run.sh and peers); by default the one
# beside this repository. The table is copied to benchmarks/results/compare-TIMESTAMP.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PEER_BENCH="${PEER_BENCH:-$ROOT/../shared/bench}"
[ -x "$PEER_BENCH/compare.sh" ] || { echo "benchmarks/compare.sh: no load harness at $PEER_BENCH (set PEER_BENCH)" >&2; exit 2; }

PUB="$ROOT/artifacts/publish/mcp-server"
OUT="$PUB" "$ROOT/eng/publish-jit.sh"

AOTROWS=()
if [ "${AOT:-0}" = 1 ]; then
  "$ROOT/eng/publish-aot.sh"
  AOTROWS=("mcp-server-aot|stateful|http://127.0.0.1:3003/mcp|$ROOT/artifacts/publish/mcp-server-aot/mcp-server --port 3003 --log-level warn")
fi

WORK="${PEERS_WORK:-/tmp/peers-work}"
export PEERS_WORK="$WORK"
before=$(ls -1 "$WORK/results"/compare-*.md 2>/dev/null | wc -l || true)
ROWS=(
  "mcp-server|stateful|http://127.0.0.1:3001/mcp|$PUB/mcp-server --port 3001 --log-level warn"
  "mcp-server-2026|stateless|http://127.0.0.1:3002/mcp|$PUB/mcp-server --port 3002 --log-level warn|2026-07-28"
)
if [ -n "${METRICS_OFF:-}" ]; then
  ROWS+=(
    "mcp-server-nometrics|stateful|http://127.0.0.1:3005/mcp|$PUB/mcp-server --port 3005 --log-level warn --no-metrics"
    "mcp-server-2026-nometrics|stateless|http://127.0.0.1:3006/mcp|$PUB/mcp-server --port 3006 --log-level warn --no-metrics|2026-07-28"
  )
fi
"$PEER_BENCH/compare.sh" "${ROWS[@]}" "${AOTROWS[@]}" "$@"
latest=$(ls -1t "$WORK/results"/compare-*.md | head -n 1)
cp "$latest" "$HERE/results/"
cp "${latest%.md}.tsv" "$HERE/results/"
echo "saved: benchmarks/results/$(basename "$latest")"
