#!/usr/bin/env bash
# What authentication and rate limiting cost: the same published mcp-server, stateless
# tools/call echo at c=64, without a keys file, with one (the requests carrying a valid key), and
# with a key plus both rate limits on (set high enough never to refuse: the cost is the
# bookkeeping), in alternating rounds in one run, server on CPU 0 and wrk on CPU 1 as in
# compare.sh. Prints each round and the cost against the median without; the target is 5 %.
# Two figures per run: requests per second, and the server's CPU time per request (utime + stime
# from /proc over the timed run), which moves less with the neighbours of a shared machine.
#
#   benchmarks/auth-cost.sh            5 rounds of 10 s each way (about 4 minutes)
#   ROUNDS=3 DURATION=5 benchmarks/auth-cost.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
PORT=${PORT:-3031}
command -v wrk >/dev/null || { echo "auth-cost.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }

PUB="$ROOT/artifacts/publish/mcp-server"
OUT="$PUB" "$ROOT/eng/publish-jit.sh"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
KEY=$("$PUB/mcp-server" keys create --keys-file "$WORK/with.keys.json" --name bench --json | sed -n 's/.*"key": "\(.*\)".*/\1/p')
[ -n "$KEY" ] || { echo "auth-cost.sh: keys create printed no key" >&2; exit 1; }

echo '{ "limits": { "requestsPerMinutePerClient": 10000000, "toolCallsPerMinute": 10000000 } }' > "$WORK/limits.json"
echo '{ }' > "$WORK/none.json"

measure() { # $1: keys file, $2: key (may be empty), $3: configuration file
  taskset -c 0 "$PUB/mcp-server" --port "$PORT" --log-level warn --keys-file "$1" --config "$3" > "$WORK/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
  MCP_KEY="$2" taskset -c 1 wrk -t1 -c64 -d"${WARMUP}s" -s "$HERE/lib/echo-key.lua" "http://127.0.0.1:$PORT/mcp" > /dev/null
  local line before after
  before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  line=$(MCP_KEY="$2" taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" -s "$HERE/lib/echo-key.lua" "http://127.0.0.1:$PORT/mcp" | grep '^RESULT')
  after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  case "$line" in *"non2xx=0 errors=0"*) ;; *) echo "auth-cost.sh: failed requests: $line" >&2; exit 1 ;; esac
  local rps requests
  rps=$(echo "$line" | sed 's/.*rps=\([0-9]*\).*/\1/')
  requests=$(echo "$line" | sed 's/.*requests=\([0-9]*\).*/\1/')
  # clock ticks (USER_HZ) to microseconds per request
  echo "$rps $(awk -v t="$((after - before))" -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')"
}

# The order rotates each round, so a machine that speeds up or slows down during a round does not
# favour one configuration.
off=(); on=(); limited=(); off_us=(); on_us=(); limited_us=()
for r in $(seq "$ROUNDS"); do
  a=""; b=""; c=""
  for k in 0 1 2; do
    case $(( (r + k) % 3 )) in
      0) a=$(measure "$WORK/none.keys.json" "" "$WORK/none.json"); off+=("${a% *}"); off_us+=("${a#* }") ;;
      1) b=$(measure "$WORK/with.keys.json" "$KEY" "$WORK/none.json"); on+=("${b% *}"); on_us+=("${b#* }") ;;
      2) c=$(measure "$WORK/with.keys.json" "$KEY" "$WORK/limits.json"); limited+=("${c% *}"); limited_us+=("${c#* }") ;;
    esac
  done
  echo "round $r: without keys ${a% *} req/s (${a#* } us CPU/request), with a key ${b% *} (${b#* } us), with a key and rate limits ${c% *} (${c#* } us)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m_off=$(median "${off[@]}"); m_on=$(median "${on[@]}"); m_lim=$(median "${limited[@]}")
u_off=$(median "${off_us[@]}"); u_on=$(median "${on_us[@]}"); u_lim=$(median "${limited_us[@]}")
awk -v a="$u_off" -v b="$u_on" -v c="$u_lim" 'BEGIN { printf "median CPU per request: without keys %.2f us; with a key %.2f us (+%.1f %%); with a key and rate limits %.2f us (+%.1f %%)\n", a, b, (b - a) * 100 / a, c, (c - a) * 100 / a }'
awk -v a="$m_off" -v b="$m_on" -v c="$m_lim" 'BEGIN { printf "median without keys %d req/s; with a key %d (costs %.1f %%); with a key and rate limits %d (costs %.1f %%)\n", a, b, (a - b) * 100 / a, c, (a - c) * 100 / a }'
