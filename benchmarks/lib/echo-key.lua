-- wrk script: stateless (2026-07-28) tools/call echo, with the API key in MCP_KEY (when set) sent
-- as Authorization: Bearer. Unique JSON-RPC ids; done() prints requests/s and non-2xx counts.
local key = os.getenv("MCP_KEY") or ""

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "echo"
if key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end

local head = '{"jsonrpc":"2.0","id":'
local tail = ',"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
local counter = 0

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, head .. counter .. tail)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f requests=%d non2xx=%d errors=%d p99ms=%.2f\n",
    summary.requests / (summary.duration / 1e6), summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(99) / 1000))
end
