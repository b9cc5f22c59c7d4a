#!/usr/bin/env bash
# What a GC setting costs in throughput: the same published mcp-server under the stateful
# tools/call echo load at c=64 (one session, as in compare.sh; server on CPU 0, wrk on CPU 1),
# started with each variant's environment in turn, in rounds whose order rotates, in one run.
# Reports requests per second and the server's CPU time per request (utime + stime over the timed
# run), which moves less with the neighbours of a shared machine, each against the first variant.
#
#   benchmarks/gc-cost.sh                         the variants below, 4 rounds of 8 s
#   ROUNDS=6 benchmarks/gc-cost.sh 'as shipped=' 'gen0 1 MiB=DOTNET_GCgen0MaxBudget=100000' 'earlier build=BIN=/tmp/old/mcp-server'
#
# A variant is NAME=ENV (ENV: space-separated VAR=VALUE, empty for none); DOTNET_ GC settings in the
# environment override the shipped runtimeconfig (values in hex). BIN=PATH in ENV runs another
# build of mcp-server (e.g. one published from an earlier commit) instead of this tree's.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-5}
PORT=${PORT:-3061}
PEER_BENCH="${PEER_BENCH:-$ROOT/../shared/bench}"
LUA="$PEER_BENCH/lib/echo.lua"
command -v wrk >/dev/null || { echo "gc-cost.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
[[ -f "$LUA" ]] || { echo "gc-cost.sh: no load script at $LUA (set PEER_BENCH)" >&2; exit 2; }
VARIANTS=("$@")
[[ ${#VARIANTS[@]} -gt 0 ]] || VARIANTS=('as shipped=' "the runtime's gen0 budget=DOTNET_GCgen0MaxBudget=8000000")

PUB="$ROOT/artifacts/publish/mcp-server"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  OUT="$PUB" "$ROOT/eng/publish-jit.sh"
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
URL="http://127.0.0.1:$PORT/mcp"

measure() { # $1: environment (VAR=VALUE ...; BIN=PATH runs another build) -> "req/s us/request"
  local bin="$PUB/mcp-server" vars=() word
  for word in $1; do
    if [[ "$word" == BIN=* ]]; then bin=${word#BIN=}; else vars+=("$word"); fi
  done
  env "${vars[@]}" taskset -c 0 "$bin" --port "$PORT" --log-level warn > "$WORK/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
  local sid
  sid=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    --data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"gc-cost","version":"1"}}}' \
    "$URL" | tr -d '\r' | awk -F': ' 'tolower($1) == "mcp-session-id" { print $2 }')
  curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -H "Mcp-Session-Id: $sid" \
    -H 'MCP-Protocol-Version: 2025-11-25' --data-binary '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$URL"
  export MCP_SESSION_ID="$sid" MCP_PROTO=2025-11-25 MCP_CHECK=0
  taskset -c 1 wrk -t1 -c64 -d"${WARMUP}s" -s "$LUA" "$URL" > /dev/null
  local before after line
  before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  line=$(taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" -s "$LUA" "$URL" | grep '^WRK_RESULT')
  after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  local rps requests bad
  rps=$(grep -o ' rps=[0-9.]*' <<<"$line" | cut -d= -f2)
  requests=$(grep -o ' requests=[0-9]*' <<<"$line" | cut -d= -f2)
  bad=$(grep -o 'http_4xx5xx=[0-9]*' <<<"$line" | cut -d= -f2)
  [[ -n "$rps" && "${bad:-1}" == 0 ]] || { echo "gc-cost.sh: failed load: $line" >&2; exit 1; }
  echo "$rps $(awk -v t="$((after - before))" -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')"
}

declare -A RPS US
n=${#VARIANTS[@]}
for r in $(seq "$ROUNDS"); do
  line="round $r:"
  for k in $(seq 0 $((n - 1))); do
    i=$(( (r + k) % n ))
    v=${VARIANTS[$i]}
    res=$(measure "${v#*=}")
    RPS[$i]+="${res% *} "; US[$i]+="${res#* } "
    line+="  ${v%%=*} $(printf '%.0f' "${res% *}") req/s ${res#* } us/req;"
  done
  echo "$line"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
base_rps=$(median <<<"${RPS[0]}"); base_us=$(median <<<"${US[0]}")
echo
echo "| variant | req/s (median) | vs first | us/request (median) | vs first |"
echo "|---|---:|---:|---:|---:|"
for i in $(seq 0 $((n - 1))); do
  m=$(median <<<"${RPS[$i]}"); u=$(median <<<"${US[$i]}")
  awk -v name="${VARIANTS[$i]%%=*}" -v m="$m" -v u="$u" -v bm="$base_rps" -v bu="$base_us" \
    'BEGIN { printf "| %s | %.0f | %+.1f %% | %.2f | %+.1f %% |\n", name, m, (m / bm - 1) * 100, u, (u / bu - 1) * 100 }'
done
