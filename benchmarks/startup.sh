#!/usr/bin/env bash
# Start-up figures of mcp-server: the time to the first successful tools/call echo result (TTFR),
# the CPU time used until then, and the idle RSS one second later, as medians over several
# starts of the published server pinned to CPU 0 (lib/first-result.py polls every millisecond;
# compare.sh's TTFR column polls with curl every 10 ms). The JIT build is published as compare.sh
# publishes it (ReadyToRun for linux-x64); with AOT=1 the Native AOT build (eng/publish-aot.sh) too.
#
#   benchmarks/startup.sh                 the JIT build, 7 starts, sessions (2025-11-25) and stateless (2026-07-28)
#   AOT=1 benchmarks/startup.sh           the JIT and the Native AOT build
#   AOT=1 SKIP_PUBLISH=1 ROUNDS=11 benchmarks/startup.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
ROUNDS=${ROUNDS:-7}
PORT=${PORT:-3041}
PUB="$ROOT/artifacts/publish/mcp-server"
AOTPUB="$ROOT/artifacts/publish/mcp-server-aot"
if [ "${SKIP_PUBLISH:-0}" != 1 ]; then
  OUT="$PUB" "$ROOT/eng/publish-jit.sh"
  if [ "${AOT:-0}" = 1 ]; then "$ROOT/eng/publish-aot.sh"; fi
fi

builds=("mcp-server|$PUB/mcp-server")
if [ "${AOT:-0}" = 1 ]; then builds+=("mcp-server-aot|$AOTPUB/mcp-server"); fi
for mode in stateful stateless; do
  for b in "${builds[@]}"; do
    python3 "$HERE/lib/first-result.py" --rounds "$ROUNDS" --mode "$mode" --port "$PORT" --label "${b%%|*}" -- "${b#*|}" --port "$PORT" --log-level warn
  done
done
