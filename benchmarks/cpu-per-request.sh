#!/usr/bin/env bash
# CPU time and context switches per request, for the peer floor and the published mcp-server, each
# measured after a long warm-up so that both run fully optimized code: the harness's ratio column
# (compare.sh) moves with how far the floor's JIT has got by its c=64 run, this does not.
# Server pinned to CPU 0, wrk (one thread, c=64) on CPU 1, as in compare.sh; CPU time from
# /proc/PID/stat, context switches summed over the server's threads.
#
#   benchmarks/cpu-per-request.sh                    floor, then mcp-server stateless (2026-07-28), 30 s warm-up, 10 s runs, 2 rounds
#   WARMUP=20 ROUNDS=3 SKIP_BUILD=1 benchmarks/cpu-per-request.sh
#   EXTRA=--no-metrics SKIP_BUILD=1 benchmarks/cpu-per-request.sh
#
# The floor comes from the peer harness's build (PEERS_WORK/bin/floor, made by its build.sh or compare.sh).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PEER_BENCH="${PEER_BENCH:-$ROOT/../shared/bench}"
PEERS_WORK="${PEERS_WORK:-/tmp/peers-work}"
WARMUP="${WARMUP:-30}"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-2}"
PORT="${PORT:-3043}"
FLOOR_PORT="${FLOOR_PORT:-5043}"
PUB="$ROOT/artifacts/publish/mcp-server"

for tool in wrk taskset dotnet; do
  command -v "$tool" > /dev/null || { echo "cpu-per-request.sh: $tool is needed" >&2; exit 2; }
done
[ -f "$PEER_BENCH/lib/echo.lua" ] || { echo "cpu-per-request.sh: no load harness at $PEER_BENCH (set PEER_BENCH)" >&2; exit 2; }
[ -f "$PEERS_WORK/bin/floor/Floor.dll" ] || { echo "cpu-per-request.sh: no floor build at $PEERS_WORK/bin/floor (run the harness's build.sh, or set PEERS_WORK)" >&2; exit 2; }
if [ -z "${SKIP_BUILD:-}" ]; then
  OUT="$PUB" "$ROOT/eng/publish-jit.sh"
fi
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

switches() { # voluntary + involuntary context switches over every thread of $1
  cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'
}
ticks() { awk '{ print $14 + $15 }' /proc/"$1"/stat; }

measure() { # $1 label, $2 URL, $3 PID, $4 protocol revision
  MCP_PROTO="$4" taskset -c 1 wrk -t1 -c64 -d"${WARMUP}s" -s "$PEER_BENCH/lib/echo.lua" "$2" > /dev/null
  local hz; hz=$(getconf CLK_TCK)
  for round in $(seq "$ROUNDS"); do
    local c0 t0 c1 t1 line n
    c0=$(switches "$3"); t0=$(ticks "$3")
    line=$(MCP_PROTO="$4" taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" -s "$PEER_BENCH/lib/echo.lua" "$2" | grep '^WRK_RESULT')
    c1=$(switches "$3"); t1=$(ticks "$3")
    case "$line" in *"err_connect=0 err_read=0 err_write=0 http_4xx5xx=0"*) ;; *) echo "cpu-per-request.sh: failed requests: $line" >&2; exit 1 ;; esac
    n=$(printf '%s' "$line" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
    awk -v l="$1" -v r="$round" -v n="$n" -v d="$DURATION" -v t="$((t1 - t0))" -v hz="$hz" -v c="$((c1 - c0))" \
      'BEGIN { printf "%-34s round %d: %7.0f req/s  %5.2f us CPU per request  %.2f context switches per request\n", l, r, n / d, t * 1000000 / hz / n, c / n }'
  done
}

PORT="$FLOOR_PORT" FLOOR_FORMAT=json taskset -c 0 dotnet "$PEERS_WORK/bin/floor/Floor.dll" > "$WORK/floor.log" 2>&1 &
FLOOR=$!
for _ in $(seq 100); do grep -q "floor listening" "$WORK/floor.log" && break; sleep 0.1; done
measure "floor-json (2025-11-25)" "http://127.0.0.1:$FLOOR_PORT/mcp" "$FLOOR" 2025-11-25
kill "$FLOOR"; wait "$FLOOR" 2> /dev/null || true

# shellcheck disable=SC2086 # EXTRA is a list of flags
taskset -c 0 "$PUB/mcp-server" --port "$PORT" --log-level warn ${EXTRA:-} > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null && break; sleep 0.1; done
measure "mcp-server stateless (2026-07-28)${EXTRA:+ $EXTRA}" "http://127.0.0.1:$PORT/mcp" "$SERVER" 2026-07-28
kill "$SERVER"; wait "$SERVER" 2> /dev/null || true
