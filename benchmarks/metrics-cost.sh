#!/usr/bin/env bash
# What metrics cost: the same published mcp-server, stateless 2026-07-28 tools/call echo at c=64,
# with metrics off (--no-metrics), on (the default: every instrument recorded for /metrics and the
# METRICS event), and on with /metrics scraped every second during the run (a scraper fifteen times
# keener than Prometheus' default), in rotating rounds in one run: server on CPU 0, wrk on CPU 1 as
# in compare.sh. Prints each round and the medians; the target is 5 % for metrics on.
# Two figures per run: requests per second, and the server's CPU time per request (utime + stime
# from /proc over the timed run), which moves less with the neighbours of a shared machine.
#
#   benchmarks/metrics-cost.sh            5 rounds of 10 s each way (about 4 minutes)
#   ROUNDS=3 DURATION=5 benchmarks/metrics-cost.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PEER_BENCH="${PEER_BENCH:-$ROOT/../shared/bench}"
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
PORT=${PORT:-3032}
command -v wrk >/dev/null || { echo "metrics-cost.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
[ -f "$PEER_BENCH/lib/echo.lua" ] || { echo "metrics-cost.sh: no load harness at $PEER_BENCH (set PEER_BENCH)" >&2; exit 2; }

PUB="$ROOT/artifacts/publish/mcp-server"
if [ -z "${SKIP_BUILD:-}" ]; then
  OUT="$PUB" "$ROOT/eng/publish-jit.sh"
fi
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export MCP_PROTO=2026-07-28

measure() { # $1: extra flag (may be empty), $2: "scrape" to scrape /metrics every second
  taskset -c 0 "$PUB/mcp-server" --port "$PORT" --log-level warn $1 > "$WORK/server.log" 2>&1 &
  local pid=$! scraper=""
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
  taskset -c 1 wrk -t1 -c64 -d"${WARMUP}s" -s "$PEER_BENCH/lib/echo.lua" "http://127.0.0.1:$PORT/mcp" > /dev/null
  if [ "$2" = scrape ]; then
    (while true; do taskset -c 1 curl -s -o /dev/null "http://127.0.0.1:$PORT/metrics"; sleep 1; done) &
    scraper=$!
  fi
  local line before after
  before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  line=$(taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" -s "$PEER_BENCH/lib/echo.lua" "http://127.0.0.1:$PORT/mcp" | grep '^WRK_RESULT')
  after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  [ -n "$scraper" ] && { kill "$scraper"; wait "$scraper" 2>/dev/null || true; }
  kill "$pid"; wait "$pid" 2>/dev/null || true
  case "$line" in *"err_connect=0 err_read=0 err_write=0 http_4xx5xx=0"*) ;; *) echo "metrics-cost.sh: failed requests: $line" >&2; exit 1 ;; esac
  local rps requests
  rps=$(echo "$line" | sed 's/.*rps=\([0-9]*\).*/\1/')
  requests=$(echo "$line" | sed 's/.*requests=\([0-9]*\).*/\1/')
  echo "$rps $(awk -v t="$((after - before))" -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')"
}

# The order rotates each round, so a machine that speeds up or slows down during a round does not
# favour one configuration.
off=(); on=(); scraped=(); off_us=(); on_us=(); scraped_us=()
for r in $(seq "$ROUNDS"); do
  a=""; b=""; c=""
  for k in 0 1 2; do
    case $(( (r + k) % 3 )) in
      0) a=$(measure "--no-metrics" ""); off+=("${a% *}"); off_us+=("${a#* }") ;;
      1) b=$(measure "" ""); on+=("${b% *}"); on_us+=("${b#* }") ;;
      2) c=$(measure "" scrape); scraped+=("${c% *}"); scraped_us+=("${c#* }") ;;
    esac
  done
  echo "round $r: metrics off ${a% *} req/s (${a#* } us CPU/request), on ${b% *} (${b#* } us), on and scraped every second ${c% *} (${c#* } us)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m_off=$(median "${off[@]}"); m_on=$(median "${on[@]}"); m_sc=$(median "${scraped[@]}")
u_off=$(median "${off_us[@]}"); u_on=$(median "${on_us[@]}"); u_sc=$(median "${scraped_us[@]}")
awk -v a="$u_off" -v b="$u_on" -v c="$u_sc" 'BEGIN { printf "median CPU per request: metrics off %.2f us; on %.2f us (+%.1f %%); on and scraped %.2f us (+%.1f %%)\n", a, b, (b - a) * 100 / a, c, (c - a) * 100 / a }'
awk -v a="$m_off" -v b="$m_on" -v c="$m_sc" 'BEGIN { printf "median metrics off %d req/s; on %d (costs %.1f %%); on and scraped every second %d (costs %.1f %%)\n", a, b, (a - b) * 100 / a, c, (a - c) * 100 / a }'
