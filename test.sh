#!/usr/bin/env bash
# Runs every test layer of mcp-server and prints the totals as the last line:
#   unit (tests/McpServer.Tests), functional (tests/McpServer.FunctionalTests: the real server
#   on loopback with the official C# SDK client and raw HTTP), interop (tests/interop: the
#   official TypeScript SDK client), conformance (tests/conformance: the official MCP
#   conformance suite 0.1.16, every scenario), conformance-next (its 0.2.0 prerelease, the
#   2025-11-25 requirements) and conformance-2026 (the same prerelease, the 2026-07-28
#   requirements: stateless requests, multi-round-trip, subscriptions).
# Needs the .NET 10 SDK and Node.js with npm; everything else is installed on the way.
#   ./test.sh               all layers
#   ./test.sh unit functional   only the named layers
#   AOT=1 ./test.sh functional interop   those layers against the Native AOT build
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
LAYERS=("$@")
[ ${#LAYERS[@]} -gt 0 ] || LAYERS=(unit functional interop conformance conformance-next conformance-2026)
want() { local l; for l in "${LAYERS[@]}"; do [ "$l" = "$1" ] && return 0; done; return 1; }

PASSED=0
FAILED=0
LOGDIR="$(mktemp -d)"
SUMMARY=()
add() { PASSED=$((PASSED + $1)); FAILED=$((FAILED + $2)); SUMMARY+=("== $3: $1 passed, $2 failed"); echo "== $3: $1 passed, $2 failed"; }
# Names of failed tests, gathered from every layer's log and repeated at the end, so that the tail
# of a long run says what failed.
FAILURES=()
failures_from() { local line; while IFS= read -r line; do FAILURES+=("$1: $line"); done; }

echo "== build (Release, warnings are errors)"
if ! dotnet build mcp-server.slnx -c Release -nologo -clp:ErrorsOnly 2>&1 | tee "$LOGDIR/build.log"; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
export MCP_SERVER_BIN="$ROOT/artifacts/bin/McpServer/release/mcp-server"
# AOT=1: the layers that start the server process (functional, interop, conformance) run the Native AOT
# binary instead; eng/publish-aot.sh takes a few minutes and fails on any trim or AOT warning.
if [ "${AOT:-0}" = 1 ]; then
  echo "== Native AOT publish"
  if ! eng/publish-aot.sh; then
    echo "Native AOT publish failed"; echo "0 passed, 1 failed"; exit 1
  fi
  export MCP_SERVER_BIN="$ROOT/artifacts/publish/mcp-server-aot/mcp-server"
fi

# dotnet test prints one "Passed!/Failed! - Failed: F, Passed: P, Skipped: S, Total: T" line per assembly.
dotnet_layer() {
  local name=$1 project=$2 log="$LOGDIR/$1.log"
  dotnet test "$project" -c Release --no-build -nologo 2>&1 | tee "$log"
  local p f
  p=$(sed -n 's/.*Passed:[[:space:]]*\([0-9]*\),.*/\1/p' "$log" | awk '{ s += $1; n++ } END { if (n) print s }')
  f=$(sed -n 's/.*Failed:[[:space:]]*\([0-9]*\),.*/\1/p' "$log" | awk '{ s += $1; n++ } END { if (n) print s }')
  [ -n "$p" ] || { p=0; f=$(( ${f:-0} + 1 )); echo "$name: no test summary found"; }
  failures_from "$name" < <(sed -n 's/^[[:space:]]*Failed \(.*\) \[[^]]*\]$/\1/p' "$log")
  add "$p" "${f:-0}" "$name"
}

want unit && dotnet_layer unit tests/McpServer.Tests/McpServer.Tests.csproj
want functional && dotnet_layer functional tests/McpServer.FunctionalTests/McpServer.FunctionalTests.csproj

if want interop; then
  log="$LOGDIR/interop.log"
  ( cd tests/interop && npm ci --no-fund --no-audit --loglevel=error && npm test ) 2>&1 | tee "$log"
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
  [ -n "$p" ] || { p=0; f=1; echo "interop: no test summary found"; }
  failures_from interop < <(sed -n 's/^[[:space:]]*not ok [0-9]* - \(.*\)$/\1/p' "$log")
  add "$p" "${f:-0}" interop
fi

conformance_layer() {
  local name=$1; shift
  local log="$LOGDIR/$name.log"
  tests/conformance/run.sh "$@" 2>&1 | tee "$log"
  local last
  last=$(tail -n 1 "$log")
  if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    [ "${BASH_REMATCH[2]}" = 0 ] || failures_from "$name" < <(sed -n '/^=== SUMMARY ===$/,/^Total:/s/^✗ \(.*\)$/\1/p' "$log")
    add "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "$name"
  else
    add 0 1 "$name"
  fi
}

# 0.1.16, every scenario; then the 0.2.0 prerelease's 2025-11-25 requirements (session lifecycle, wire
# schema) and its 2026-07-28 requirements.
want conformance && conformance_layer conformance
want conformance-next && conformance_layer conformance-next --next
want conformance-2026 && conformance_layer conformance-2026 --next -- --requirements 2026-07-28

rm -rf "$LOGDIR"
echo
printf '%s\n' "${SUMMARY[@]}"
[ ${#FAILURES[@]} -eq 0 ] || { echo "== failed:"; printf '  %s\n' "${FAILURES[@]}"; }
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
