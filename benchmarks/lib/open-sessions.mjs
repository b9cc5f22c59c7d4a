// Opens COUNT MCP sessions against a Streamable HTTP endpoint as fast as one client core allows:
// for each, POST initialize (2xx with an Mcp-Session-Id header and a JSON-RPC result) and then POST
// notifications/initialized with that session id (2xx). Sessions are left open (never DELETEd).
// Requests go over CONCURRENCY kept-alive connections (node:http, no per-request connection).
//
// usage: node open-sessions.mjs URL COUNT [CONCURRENCY] [PROTO]
// prints progress lines to stderr and one line on stdout: SESSIONS ok=N failed=N ms=N first_error=...
import http from 'node:http';

const [url, countArg, concArg, protoArg] = process.argv.slice(2);
if (!url || !countArg) {
  console.error('usage: node open-sessions.mjs URL COUNT [CONCURRENCY] [PROTO]');
  process.exit(2);
}
const target = new URL(url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname) && !target.hostname.startsWith('127.')) {
  console.error(`open-sessions.mjs: refusing non-loopback host '${target.hostname}'`);
  process.exit(2);
}
const count = Number(countArg);
const concurrency = Math.max(1, Number(concArg || 32));
const proto = protoArg || '2025-11-25';
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const initBody = JSON.stringify({
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: proto, capabilities: {}, clientInfo: { name: 'sessions-100k', version: '1.0.0' } },
});
const initializedBody = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
let next = 0, ok = 0, failed = 0, firstError = '';

function post(body, sessionId) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'content-length': Buffer.byteLength(body),
  };
  if (sessionId) {
    headers['mcp-session-id'] = sessionId;
    headers['mcp-protocol-version'] = proto;
  }
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port || 80, path: target.pathname, method: 'POST', headers,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, sessionId: res.headers['mcp-session-id'], text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function fail(message) {
  failed++;
  if (!firstError) firstError = message.replace(/\s+/g, ' ').slice(0, 300);
}

async function openOne(i) {
  const init = await post(initBody);
  if (init.status !== 200 || !init.sessionId || !init.text.includes('"result"')) {
    return fail(`initialize #${i}: HTTP ${init.status} session=${init.sessionId} body=${init.text}`);
  }
  const done = await post(initializedBody, init.sessionId);
  if (done.status < 200 || done.status > 299) return fail(`initialized #${i}: HTTP ${done.status} body=${done.text}`);
  ok++;
}

async function worker() {
  while (next < count && failed < 100) {
    const i = next++;
    try { await openOne(i); } catch (e) { fail(`#${i}: ${e.code ?? ''} ${e.message}`); }
    if ((i + 1) % 10000 === 0) console.error(`  ${i + 1} sessions opened`);
  }
}

const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
agent.destroy();
console.log(`SESSIONS ok=${ok} failed=${failed} ms=${Math.round(performance.now() - t0)} first_error=${firstError || '-'}`);
process.exit(failed ? 1 : 0);
