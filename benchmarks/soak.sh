#!/usr/bin/env bash
# Soak test: runs the published mcp-server under a steady mixed load for DURATION seconds and
# samples its resident memory, to show that RSS stays flat once warmed up (no leak in sessions,
# request state, SSE buffers or metrics). Run by hand; it is not part of ./test.sh.
#
#   benchmarks/soak.sh                      30 minutes
#   DURATION=600 benchmarks/soak.sh         10 minutes
#
# Load, all at once, each with its own wrk on the load CPU:
#   - tools/call echo in one 2025-11-25 session (c=16, rate-limited with RATE per second),
#   - stateless 2026-07-28 tools/call echo (c=16, the same rate),
#   - session churn: SESSIONS_PER_MINUTE new sessions a minute (initialize + initialized) that
#     are never closed, so the idle timeout (limits.sessionIdleTimeoutSeconds = 60 here) must end them.
# Every SAMPLE seconds it records VmRSS (and its private and file-backed parts: RssAnon is what a
# leak grows; RssFile is code and data mapped from files, paged in as more of it runs), the managed
# memory (RssShmem: the JIT's code, double-mapped), the thread count, the managed heap, what the GC has
# committed and its collection counts, and the sessions held (from mcp-server status --json). After WARMUP seconds the RSS must stay within 5 % of its post-warm-up
# median; the result table is written to benchmarks/results/soak-TIMESTAMP.md.
#
# Needs: wrk, node (for the session churn), the .NET SDK (to publish), taskset.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PEER_BENCH="${PEER_BENCH:-$ROOT/../shared/bench}"
DURATION="${DURATION:-1800}"
WARMUP="${WARMUP:-$(( DURATION / 6 ))}"
SAMPLE="${SAMPLE:-10}"
RATE="${RATE:-2000}"
SESSIONS_PER_MINUTE="${SESSIONS_PER_MINUTE:-600}"
PORT="${PORT:-3077}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
URL="http://127.0.0.1:$PORT/mcp"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

for tool in wrk node taskset; do
  command -v "$tool" > /dev/null || { echo "soak.sh: $tool is needed" >&2; exit 2; }
done
[ -f "$PEER_BENCH/lib/echo.lua" ] || { echo "soak.sh: no load harness at $PEER_BENCH (set PEER_BENCH)" >&2; exit 2; }

PUB="${PUB:-$ROOT/artifacts/publish/mcp-server}"
if [ -z "${SKIP_BUILD:-}" ]; then
  OUT="$PUB" "$ROOT/eng/publish-jit.sh"
fi

cat > "$WORK/mcp-server.json" <<EOF
{ "limits": { "sessionIdleTimeoutSeconds": 60, "maxSessions": 100000 }, "logging": { "metricsIntervalSeconds": 60 } }
EOF
chmod 600 "$WORK/mcp-server.json"
taskset -c "$SERVER_CPU" "$PUB/mcp-server" --config "$WORK/mcp-server.json" --port "$PORT" --log-level warn > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null || { echo "soak.sh: the server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; }

H=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
SID=$(curl -si "${H[@]}" -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"soak","version":"1"}}}' "$URL" \
  | tr -d '\r' | awk -F': ' 'tolower($1) == "mcp-session-id" { print $2 }')
curl -s "${H[@]}" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$URL" > /dev/null

echo "== soak: ${DURATION}s (warm-up ${WARMUP}s), sample every ${SAMPLE}s; server PID $SERVER on CPU $SERVER_CPU"
# wrk has no rate option; each connection waits between requests (wrk's delay()) to hold RATE per second.
cat > "$WORK/paced.lua" <<EOF
dofile("$PEER_BENCH/lib/echo.lua")
function delay() return math.floor(16 * 1000 / $RATE) end
EOF
MCP_SESSION_ID="$SID" MCP_PROTO=2025-11-25 taskset -c "$LOAD_CPU" wrk -t1 -c16 -d"${DURATION}s" -s "$WORK/paced.lua" "$URL" > "$WORK/wrk-session.out" 2>&1 &
MCP_PROTO=2026-07-28 taskset -c "$LOAD_CPU" wrk -t1 -c16 -d"${DURATION}s" -s "$WORK/paced.lua" "$URL" > "$WORK/wrk-stateless.out" 2>&1 &
(
  end=$(( $(date +%s) + DURATION ))
  while [ "$(date +%s)" -lt "$end" ]; do
    taskset -c "$LOAD_CPU" node "$PEER_BENCH/lib/sessions.mjs" "$URL" "$SESSIONS_PER_MINUTE" 2025-11-25 4 >> "$WORK/sessions.out" 2>&1 || true
    sleep 60
  done
) &

echo "seconds,rss_kib,anon_kib,file_kib,shmem_kib,threads,heap_mib,committed_kib,gcs,sessions" > "$WORK/samples.csv"
start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt "$DURATION" ]; do
  sleep "$SAMPLE"
  t=$(( $(date +%s) - start ))
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$SERVER/status")
  anon=$(awk '/RssAnon/ { print $2 }' "/proc/$SERVER/status")
  file=$(awk '/RssFile/ { print $2 }' "/proc/$SERVER/status")
  shmem=$(awk '/RssShmem/ { print $2 }' "/proc/$SERVER/status")
  threads=$(awk '/^Threads/ { print $2 }' "/proc/$SERVER/status")
  status=$("$PUB/mcp-server" status --port "$PORT" --json 2> /dev/null || echo '{}')
  heap=$(printf '%s' "$status" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);const m=j.memory;console.log(Math.round(m.managedHeapBytes/1048576), Math.round(m.gcCommittedBytes/1024), m.gen0Collections+"/"+m.gen1Collections+"/"+m.gen2Collections, j.sessions)}catch{console.log("- - - -")}})')
  read -r heapmib committed gcs held <<< "$heap"
  echo "$t,$rss,$anon,$file,$shmem,$threads,$heapmib,$committed,$gcs,$held" >> "$WORK/samples.csv"
  printf '\r%5ds  RSS %6d KiB  heap %s MiB (GC committed %s KiB; GCs %s)  threads %s  sessions %s   ' "$t" "$rss" "$heapmib" "$committed" "$gcs" "$threads" "$held"
done
echo
wait $(jobs -p | grep -v "^$SERVER$") 2> /dev/null || true

OUT="$HERE/results/soak-$STAMP.md"
node - "$WORK/samples.csv" "$WARMUP" "$WORK/wrk-session.out" "$WORK/wrk-stateless.out" "$WORK/sessions.out" > "$OUT" <<'EOF'
const fs = require('fs');
const [csv, warmupArg, wrkA, wrkB, sessions] = process.argv.slice(2);
const warmup = Number(warmupArg);
const rows = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1).map(l => l.split(','));
const stats = column => {
  const sorted = rows.filter(r => Number(r[0]) >= warmup).map(r => Number(r[column])).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)], min = sorted[0], max = sorted[sorted.length - 1];
  return { min, median, max, spread: Math.max(median - min, max - median) / median * 100 };
};
const rss = stats(1), anon = stats(2), file = stats(3), shmem = stats(4);
const spread = rss.spread;
const wrk = f => (fs.readFileSync(f, 'utf8').match(/WRK_RESULT.*/) || ['(no result)'])[0];
const opened = fs.readFileSync(sessions, 'utf8').split('\n').filter(l => l.startsWith('SESSIONS_RESULT'));
console.log(`# Soak ${new Date().toISOString()}`);
console.log();
console.log(`${rows.length} samples over ${rows.at(-1)[0]} s; warm-up ${warmup} s.`);
const settings = Object.keys(process.env).filter(k => k.startsWith('DOTNET_') && !k.startsWith('DOTNET_CLI') && !['DOTNET_NOLOGO', 'DOTNET_GENERATE_ASPNET_CERTIFICATE'].includes(k)).map(k => `${k}=${process.env[k]}`);
console.log();
console.log(`Runtime settings from the environment: ${settings.length ? settings.map(x => '`' + x + '`').join(', ') : 'none (as shipped)'}.`);
console.log();
console.log(`| after warm-up | RSS KiB | private (RssAnon) KiB | file-backed (RssFile) KiB | shared (RssShmem: JIT code) KiB |`);
console.log(`|---|---:|---:|---:|---:|`);
for (const k of ['min', 'median', 'max']) console.log(`| ${k} | ${rss[k]} | ${anon[k]} | ${file[k]} | ${shmem[k]} |`);
console.log(`| largest distance from the median | ${rss.spread.toFixed(1)} % | ${anon.spread.toFixed(1)} % | ${file.spread.toFixed(1)} % | ${shmem.spread.toFixed(1)} % |`);
console.log();
console.log(`**${spread <= 5 ? 'flat' : 'NOT flat'}**: RSS stayed within ${spread.toFixed(1)} % of its median after warm-up (target 5 %).`);
console.log();
console.log('Load:');
console.log('- session echo: `' + wrk(wrkA) + '`');
console.log('- stateless echo: `' + wrk(wrkB) + '`');
console.log(`- session churn: ${opened.length} rounds; last: \`${opened.at(-1) || '-'}\``);
console.log();
console.log('| seconds | RSS KiB | private KiB | file-backed KiB | shared KiB | threads | heap MiB | GC committed KiB | GCs gen 0/1/2 | sessions |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
EOF
kill "$SERVER" 2> /dev/null || true
head -n 15 "$OUT"
echo "saved: benchmarks/results/$(basename "$OUT")"
