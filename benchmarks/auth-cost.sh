#!/usr/bin/env bash
# What authentication costs: the same published mcp-server, stateless tools/call echo at c=64,
# without a keys file and with one (the request carrying a valid key), in alternating rounds in
# one run, server on CPU 0 and wrk on CPU 1 as in compare.sh. Prints each round and the ratio of
# the medians; the target is a cost of at most 5 %.
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
echo "== publishing mcp-server (Release, ReadyToRun for linux-x64) to $PUB"
dotnet publish "$ROOT/src/McpServer/McpServer.csproj" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$PUB" -nologo -clp:ErrorsOnly

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
KEY=$("$PUB/mcp-server" keys create --keys-file "$WORK/with.keys.json" --name bench --json | sed -n 's/.*"key": "\(.*\)".*/\1/p')
[ -n "$KEY" ] || { echo "auth-cost.sh: keys create printed no key" >&2; exit 1; }

measure() { # $1: keys file, $2: key (may be empty)
  taskset -c 0 "$PUB/mcp-server" --port "$PORT" --log-level warn --keys-file "$1" > "$WORK/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
  MCP_KEY="$2" taskset -c 1 wrk -t1 -c64 -d"${WARMUP}s" -s "$HERE/lib/echo-key.lua" "http://127.0.0.1:$PORT/mcp" > /dev/null
  local line
  line=$(MCP_KEY="$2" taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" -s "$HERE/lib/echo-key.lua" "http://127.0.0.1:$PORT/mcp" | grep '^RESULT')
  kill "$pid"; wait "$pid" 2>/dev/null || true
  case "$line" in *"non2xx=0 errors=0"*) ;; *) echo "auth-cost.sh: failed requests: $line" >&2; exit 1 ;; esac
  echo "$line" | sed 's/.*rps=\([0-9]*\).*/\1/'
}

off=(); on=()
for r in $(seq "$ROUNDS"); do
  a=$(measure "$WORK/none.keys.json" ""); off+=("$a")
  b=$(measure "$WORK/with.keys.json" "$KEY"); on+=("$b")
  echo "round $r: without keys $a req/s, with a key $b req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m_off=$(median "${off[@]}"); m_on=$(median "${on[@]}")
awk -v a="$m_off" -v b="$m_on" 'BEGIN { printf "median without keys %d req/s, with a key %d req/s: the key check costs %.1f %%\n", a, b, (a - b) * 100 / a }'
