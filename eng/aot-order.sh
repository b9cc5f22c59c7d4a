#!/usr/bin/env bash
# Regenerates src/McpServer/aot.order, the order in which the Native AOT build lays out its methods:
# every method the server runs from start-up through its first requests (sessions and stateless,
# the common methods of the demo catalogue) comes first, so those pages sit together. Code the
# server does not run then is never read, and the resident code at idle shrinks from most of the
# binary's code to little more than what ran (benchmarks/README.md#native-aot).
#
# Runs the published AOT binary under valgrind's callgrind (instructions, not time: the same set of
# methods on a busy machine) through a fixed list of requests, and writes the executed methods'
# symbol names, sorted. Names the binary no longer has are ignored by the compiler, and methods not
# listed are placed after the listed ones, so a stale file costs memory, never correctness. Rerun
# after larger changes to start-up or the request path:
#
#   eng/aot-order.sh                 publish, profile, write src/McpServer/aot.order (a few minutes)
#   SKIP_PUBLISH=1 eng/aot-order.sh  profile the binary already in artifacts/publish/mcp-server-aot
set -euo pipefail
export LC_ALL=C
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AOTPUB="$ROOT/artifacts/publish/mcp-server-aot"
PORT=${PORT:-3047}
command -v valgrind >/dev/null || { echo "aot-order.sh: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
[ "${SKIP_PUBLISH:-0}" = 1 ] || "$ROOT/eng/publish-aot.sh"

WORK="$(mktemp -d)"
VG_PID=""
cleanup() { [ -z "$VG_PID" ] || kill -KILL "$VG_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
# valgrind reads the symbol table from the separate debug file; the DWARF in it is more than it can read, so
# profile a copy whose debug link points at the symbols alone.
objcopy --strip-debug "$AOTPUB/mcp-server.dbg" "$WORK/mcp-server.dbg"
objcopy --remove-section=.gnu_debuglink --add-gnu-debuglink="$WORK/mcp-server.dbg" "$AOTPUB/mcp-server" "$WORK/mcp-server"

valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.%p" "$WORK/mcp-server" --port "$PORT" --log-level warn >"$WORK/server.log" 2>&1 &
VG_PID=$!
URL="http://127.0.0.1:$PORT/mcp"
post() { # BODY [extra curl args...]
  local body=$1; shift
  curl -sS --max-time 30 -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' "$@" --data-binary "$body" "$URL"
}
for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done

# Sessions (2025-11-25): the handshake, then the demo catalogue's common requests.
SID=$(post '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"aot-order","version":"1.0.0"}}}' -D - -o /dev/null | tr -d '\r' | awk -F': ' 'tolower($1) == "mcp-session-id" { print $2 }')
[ -n "$SID" ] || { echo "aot-order.sh: no session: $(cat "$WORK/server.log")" >&2; exit 1; }
S=(-H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25')
post '{"jsonrpc":"2.0","method":"notifications/initialized"}' "${S[@]}" >/dev/null
for body in \
  '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
  '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}' \
  '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}' \
  '{"jsonrpc":"2.0","id":5,"method":"resources/list"}' \
  '{"jsonrpc":"2.0","id":6,"method":"resources/read","params":{"uri":"demo://readme"}}' \
  '{"jsonrpc":"2.0","id":7,"method":"resources/templates/list"}' \
  '{"jsonrpc":"2.0","id":8,"method":"prompts/list"}' \
  '{"jsonrpc":"2.0","id":9,"method":"ping"}' \
  '{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"nope","arguments":{}}}'; do
  post "$body" "${S[@]}" >/dev/null
done
curl -sS -o /dev/null -X DELETE "${S[@]}" "$URL"

# Stateless (2026-07-28): tools/call echo as the benchmark sends it, and discovery.
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
post '{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},'"$META"'}}' \
  -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/call' -H 'Mcp-Name: echo' >/dev/null
post '{"jsonrpc":"2.0","id":12,"method":"server/discover","params":{'"$META"'}}' \
  -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: server/discover' >/dev/null
curl -s -o /dev/null "http://127.0.0.1:$PORT/readyz"

callgrind_control -d "$VG_PID" >/dev/null 2>&1
sleep 1
kill -KILL "$VG_PID"; wait "$VG_PID" 2>/dev/null || true; VG_PID=""
DUMP=$(ls "$WORK"/callgrind.*.1 | head -n 1)
# Every function the dump names (as caller or callee) that is a symbol of the binary's managed code.
nm --defined-only "$WORK/mcp-server.dbg" | awk '{ print $3 }' | sort -u > "$WORK/symbols"
sed -n -E 's/^c?fn=\([0-9]+\) (.*)$/\1/p' "$DUMP" | sed -E "s/'[0-9]+$//" | sort -u | comm -12 - "$WORK/symbols" > "$ROOT/src/McpServer/aot.order"
echo "src/McpServer/aot.order: $(wc -l < "$ROOT/src/McpServer/aot.order") methods"
