#!/usr/bin/env bash
# Publishes mcp-server as a Native AOT binary for linux-x64 to artifacts/publish/mcp-server-aot and
# fails on any trim or AOT warning (warnings are errors in this repository; TrimmerSingleWarn=false
# names each warning instead of one per assembly). The native compile takes a few minutes, so this
# runs by hand and from benchmarks/, not in the test layers.
#
#   eng/publish-aot.sh              publish, print the binary's size
#   OUT=/tmp/aot eng/publish-aot.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/artifacts/publish/mcp-server-aot}"
echo "== publishing mcp-server (Release, Native AOT for linux-x64) to $OUT"
# The native compile step is incremental on its inputs only; a changed ILC setting must not reuse an old object file.
rm -rf "$ROOT/artifacts/obj/McpServer/release_linux-x64/native"
dotnet publish "$ROOT/src/McpServer/McpServer.csproj" -c Release -r linux-x64 -p:PublishAot=true -p:TrimmerSingleWarn=false -o "$OUT" -nologo -clp:ErrorsOnly
echo "mcp-server-aot: $(stat -c %s "$OUT/mcp-server") bytes ($OUT/mcp-server)"
