#!/usr/bin/env bash
# How much memory idle sessions cost at scale: starts the published mcp-server (ReadyToRun, pinned to
# CPU 0, limits.maxSessions raised for the run), opens 100 uncounted sessions, reads VmRSS, opens
# SESSIONS more (initialize + notifications/initialized each, over CONCURRENCY kept-alive connections
# from Node on CPU 1), waits 2 s, reads VmRSS again and checks that the server holds every session.
# Prints the RSS and (after - before) / SESSIONS, and writes the result to
# benchmarks/results/sessions-100k-TIMESTAMP.md. The target is 100 000 sessions in under 300 MiB.
#
#   benchmarks/sessions-100k.sh                           100 000 sessions, 32 connections (about 2 min)
#   SESSIONS=20000 CONCURRENCY=8 SKIP_BUILD=1 benchmarks/sessions-100k.sh
#
# Environment (defaults): SESSIONS (100000)  CONCURRENCY (32)  WARMUP (100)  PORT (3051)
#   LIMIT_MIB (300, the target)  SKIP_BUILD (0: publish first, as compare.sh does)
#   SERVER_CPU (0)  LOAD_CPU (1)
# Runs by hand only; it talks to 127.0.0.1 alone and stops the server it started.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SESSIONS=${SESSIONS:-100000}
CONCURRENCY=${CONCURRENCY:-32}
WARMUP=${WARMUP:-100}
PORT=${PORT:-3051}
LIMIT_MIB=${LIMIT_MIB:-300}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
for tool in node curl taskset setsid; do
  command -v "$tool" >/dev/null || { echo "sessions-100k.sh: needs $tool" >&2; exit 2; }
done

PUB="$ROOT/artifacts/publish/mcp-server"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  OUT="$PUB" "$ROOT/eng/publish-jit.sh"
fi
[[ -x "$PUB/mcp-server" ]] || { echo "sessions-100k.sh: no published server at $PUB (run without SKIP_BUILD=1)" >&2; exit 2; }

WORK="$(mktemp -d)"
SERVER=""
cleanup() {
  if [[ -n "$SERVER" ]]; then
    kill -TERM -- "-$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The session table must hold every session of the run (the default limit is 10 000).
echo "{ \"limits\": { \"maxSessions\": $((SESSIONS + WARMUP + 1000)) } }" > "$WORK/mcp-server.json"
chmod 600 "$WORK/mcp-server.json"
URL="http://127.0.0.1:$PORT/mcp"
taskset -c "$SERVER_CPU" setsid "$PUB/mcp-server" --config "$WORK/mcp-server.json" --port "$PORT" --log-level warn > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" || { echo "sessions-100k.sh: the server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; }
PID=$SERVER  # taskset and setsid exec the server in place
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$PID/status"; }
active() { curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^mcp_server_sessions_active/ { print $2 }'; }
open_sessions() { taskset -c "$LOAD_CPU" node "$HERE/lib/open-sessions.mjs" "$URL" "$1" "$CONCURRENCY" | tail -n 1; }

IDLE=$(rss)
W=$(open_sessions "$WARMUP")
[[ "$W" == *"failed=0"* ]] || { echo "sessions-100k.sh: warm-up failed: $W" >&2; exit 1; }
sleep 1
BEFORE=$(rss)
echo "== opening $SESSIONS sessions over $CONCURRENCY connections (RSS before: $((BEFORE / 1024)) MiB)"
S=$(open_sessions "$SESSIONS")
sleep 2
AFTER=$(rss)
HELD=$(active)
echo "   $S"
[[ "$S" == *"failed=0"* ]] || { echo "sessions-100k.sh: sessions failed: $S" >&2; exit 1; }
MS=$(sed 's/.* ms=\([0-9]*\).*/\1/' <<<"$S")
PER_SESSION=$(awk -v a="$AFTER" -v b="$BEFORE" -v n="$SESSIONS" 'BEGIN { printf "%.2f", (a - b) / n }')
AFTER_MIB=$(awk -v a="$AFTER" 'BEGIN { printf "%.1f", a / 1024 }')
VERDICT=$(awk -v a="$AFTER" -v l="$LIMIT_MIB" 'BEGIN { print (a / 1024 < l) ? "under" : "OVER" }')

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$HERE/results/sessions-100k-$STAMP.md"
mkdir -p "$HERE/results"
{
  echo "# $SESSIONS idle sessions ($STAMP)"
  echo
  echo "$(nproc) CPUs, $(free -g | awk '/^Mem/ { print $2 }') GiB, $(uname -sr); server on CPU $SERVER_CPU, client on CPU $LOAD_CPU;"
  echo "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (with local changes)');"
  echo "runtime settings from the environment: $(env | grep -E '^DOTNET_(GC|gc|Tiered|TC_|ReadyToRun)' | sort | tr '\n' ' ' | sed 's/ $//' | grep . || echo none)."
  echo
  echo "| sessions | held | opened in | idle RSS MiB | RSS before MiB | RSS after MiB | KiB/session | target |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---|"
  echo "| $SESSIONS | ${HELD:-?} | $((MS / 1000)) s | $((IDLE / 1024)) | $((BEFORE / 1024)) | $AFTER_MIB | $PER_SESSION | $VERDICT $LIMIT_MIB MiB |"
} > "$OUT"
cat "$OUT"
echo "saved: benchmarks/results/$(basename "$OUT")"
[[ "$VERDICT" == under ]]
