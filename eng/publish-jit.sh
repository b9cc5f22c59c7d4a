#!/usr/bin/env bash
# Publishes mcp-server as the benchmarks run it: Release, framework-dependent, ReadyToRun code for
# linux-x64 (the first requests run precompiled code instead of waiting for the JIT), to
# artifacts/publish/mcp-server. Every script in benchmarks/ publishes through this one, so they all
# measure the same build; eng/publish-aot.sh is the Native AOT counterpart.
#
#   eng/publish-jit.sh
#   OUT=/tmp/jit eng/publish-jit.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/artifacts/publish/mcp-server}"
echo "== publishing mcp-server (Release, ReadyToRun for linux-x64) to $OUT"
dotnet publish "$ROOT/src/McpServer/McpServer.csproj" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$OUT" -nologo -clp:ErrorsOnly
