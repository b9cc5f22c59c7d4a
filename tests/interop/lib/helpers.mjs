// Shared plumbing for the interop tests: find and start the real mcp-server, and connect the
// official TypeScript SDK client to it over one of its three transports.
//
// It lives outside test/ because Node 20's `node --test test/` runs every .mjs file under a directory named test.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** tests/interop, the package root. */
export const packageRoot = path.resolve(here, '..');

/** The server executable: $MCP_SERVER_BIN, else the repo's default Release build output. */
export const serverBin = process.env.MCP_SERVER_BIN
  ? path.resolve(process.env.MCP_SERVER_BIN)
  : path.resolve(packageRoot, '../../artifacts/bin/McpServer/release/mcp-server');

/** How long a server gets to print SERVER_STARTED. */
export const STARTUP_TIMEOUT_MS = 30_000;

/** The three transports every behaviour is checked on. */
export const TRANSPORTS = ['streamable-http', 'sse', 'stdio'];

const CLIENT_INFO = { name: 'mcp-server-interop-tests', version: '1.0.0' };

// Every child this process started, so none outlives the test file even if a hook never runs.
const children = new Set();
process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

function assertServerBinExists() {
  if (!existsSync(serverBin)) {
    throw new Error(
      `mcp-server executable not found at ${serverBin}. Build it (dotnet build src/McpServer -c Release) ` +
        'or set MCP_SERVER_BIN to the absolute path of the mcp-server executable.',
    );
  }
}

/** Keeps the last lines a process wrote, for error messages. */
class LineLog {
  constructor(limit = 200) {
    this.limit = limit;
    this.lines = [];
    this.partial = '';
  }

  push(chunk, onLine) {
    const text = this.partial + chunk.toString('utf8');
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.limit) {
        this.lines.shift();
      }
      onLine?.(line);
    }
  }

  toString() {
    return [...this.lines, this.partial].filter(Boolean).join('\n');
  }
}

const STARTED = /SERVER_STARTED mcp-server (\S+) listening on (http:\/\/\S+?\/mcp)\b/;

/**
 * Starts `mcp-server --port 0 --catalog ...` over HTTP and waits for its SERVER_STARTED line.
 * Resolves to { mcpUrl, sseUrl, baseUrl, version, log, stop() }; stop() is safe to call twice.
 */
export async function startHttpServer({ catalogs = ['demo'], extraArgs = [] } = {}) {
  assertServerBinExists();
  const args = ['--port', '0', ...catalogs.flatMap((c) => ['--catalog', c]), ...extraArgs];
  const child = spawn(serverBin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  children.add(child);
  const log = new LineLog();
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    child.kill('SIGTERM');
    // A ref'd 5 s timer would keep the test process alive after the server has gone.
    const timedOut = await Promise.race([exited.then(() => false), delay(5_000, true, { ref: false })]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  try {
    const started = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`mcp-server did not print SERVER_STARTED within ${STARTUP_TIMEOUT_MS} ms.\n${log}`)),
        STARTUP_TIMEOUT_MS,
      );
      const onLine = (line) => {
        const m = STARTED.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ version: m[1], mcpUrl: m[2] });
        }
      };
      child.stdout.on('data', (chunk) => log.push(chunk, onLine));
      child.stderr.on('data', (chunk) => log.push(chunk));
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`mcp-server exited (code ${code}, signal ${signal}) before SERVER_STARTED.\n${log}`));
      });
    });
    const base = new URL(started.mcpUrl);
    base.pathname = '/';
    return {
      ...started,
      baseUrl: base.href,
      sseUrl: new URL('/sse', base).href,
      log,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Connects an SDK Client to a server.
 *  kind: 'streamable-http' | 'sse' | 'stdio'
 *  server: the startHttpServer() result (HTTP kinds only)
 *  catalogs: catalogues for the stdio child (stdio only)
 *  capabilities: client capabilities to declare
 *  setup(client): called before connect, to register handlers
 * Resolves to { client, transport, stderr, errors, wire, close() }; close() is safe to call twice.
 * wire: every JSON-RPC message received from the server after initialize, in order.
 */
export async function connectClient(kind, { server, catalogs = ['demo'], capabilities = {}, setup } = {}) {
  const client = new Client(CLIENT_INFO, { capabilities });
  // Errors the SDK reports outside any request (unknown progress tokens, responses to unknown ids,
  // stream hiccups). Not failures by themselves; tests that care look at them.
  const errors = [];
  client.onerror = (err) => errors.push(err);
  setup?.(client);

  let transport;
  let stderr;
  switch (kind) {
    case 'streamable-http':
      transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl));
      break;
    case 'sse':
      transport = new SSEClientTransport(new URL(server.sseUrl));
      break;
    case 'stdio': {
      assertServerBinExists();
      transport = new StdioClientTransport({
        command: serverBin,
        args: ['--stdio', ...catalogs.flatMap((c) => ['--catalog', c])],
        // The whole environment, so DOTNET_ROOT and friends reach the .NET app host.
        env: Object.fromEntries(Object.entries(process.env).filter(([, v]) => typeof v === 'string')),
        stderr: 'pipe',
        cwd: packageRoot,
      });
      stderr = new LineLog();
      transport.stderr.on('data', (chunk) => stderr.push(chunk));
      break;
    }
    default:
      throw new Error(`unknown transport kind ${kind}`);
  }

  let closed = false;
  const close = async () => {
    if (closed) {
      return;
    }
    closed = true;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
      // End the session politely (HTTP DELETE); a server may answer 405, which the SDK accepts.
      await transport.terminateSession().catch(() => {});
    }
    await client.close().catch(() => {});
  };

  try {
    await withTimeout(client.connect(transport), STARTUP_TIMEOUT_MS, `connect over ${kind}`);
  } catch (err) {
    await close();
    if (stderr) {
      err.message += `\nserver stderr:\n${stderr}`;
    }
    throw err;
  }
  // Every message the server sent, in arrival order, tapped below the SDK's Protocol layer.
  // SDK 1.32.2 handles responses synchronously but notifications one microtask later, so a
  // notification that arrives in the same read as the response to its request (stdio, legacy SSE)
  // is dropped by the SDK and reported through client.onerror as "unknown token"
  // (modelcontextprotocol/typescript-sdk#2580). The wire log shows what the server really sent, and when.
  const wire = [];
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    wire.push(message);
    deliver?.(message, extra);
  };
  return { client, transport, stderr, errors, wire, close };
}

/** Rejects when `promise` takes longer than `ms`. */
export async function withTimeout(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `predicate` every 25 ms until it returns a truthy value; rejects after `ms`. */
export async function waitFor(predicate, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    }
    await delay(25);
  }
}

/**
 * The progress notifications and the response for one request, as they came over the wire.
 * The SDK uses the request id as the progress token. Looks at messages from index `from` on.
 * Resolves to { id, response, progress: [params...], progressBeforeResponse }.
 */
export function wireTrace(wire, from, isTheResponse) {
  const tail = wire.slice(from);
  const responseIndex = tail.findIndex((m) => 'id' in m && ('result' in m || 'error' in m) && isTheResponse(m));
  if (responseIndex < 0) {
    throw new Error(`no matching response on the wire: ${JSON.stringify(tail)}`);
  }
  const response = tail[responseIndex];
  const isProgress = (m) => m.method === 'notifications/progress' && m.params?.progressToken === response.id;
  const progress = tail.filter(isProgress).map((m) => m.params);
  const progressBeforeResponse = tail.slice(0, responseIndex).filter(isProgress).length;
  return { id: response.id, response, progress, progressBeforeResponse };
}

/** The text of every text content item of a result, joined. */
export function textOf(result) {
  return (result.content ?? result.contents ?? [])
    .map((c) => c.text ?? '')
    .join('');
}
