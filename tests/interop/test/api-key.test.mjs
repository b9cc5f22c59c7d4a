// API keys with the official TypeScript SDK client: a key made with `mcp-server keys create`
// travels in the transport's request headers; without it the connection is refused with 401.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { serverBin, startHttpServer, textOf, waitFor, withTimeout } from '../lib/helpers.mjs';

const run = promisify(execFile);
const TEST_TIMEOUT = { timeout: 30_000 };

describe('API keys over streamable-http', () => {
  let dir;
  let keysFile;
  let server;
  let key;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mcp-interop-keys-'));
    keysFile = path.join(dir, 'mcp-server.keys.json');
    const { stdout } = await run(serverBin, ['keys', 'create', '--keys-file', keysFile, '--name', 'ts-sdk', '--json']);
    key = JSON.parse(stdout).key;
    server = await startHttpServer({ catalogs: ['demo'], extraArgs: ['--keys-file', keysFile] });
  });

  after(async () => {
    await server?.stop();
    if (dir) {
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const header of ['Authorization', 'X-API-Key']) {
    it(`connects, lists and calls tools with the key in ${header}`, TEST_TIMEOUT, async () => {
      const value = header === 'Authorization' ? `Bearer ${key}` : key;
      const client = new Client({ name: 'interop-api-key', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { [header]: value } } });
      await withTimeout(client.connect(transport), 20_000, 'connect with a key');
      try {
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === 'echo'), 'echo is listed');
        const result = await client.callTool({ name: 'echo', arguments: { text: 'keyed' } });
        assert.equal(textOf(result), 'keyed');
      } finally {
        await transport.terminateSession().catch(() => {});
        await client.close();
      }
    });
  }

  it('is refused with 401 without a key, and the log never shows the key', TEST_TIMEOUT, async () => {
    const client = new Client({ name: 'interop-no-key', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl));
    await assert.rejects(withTimeout(client.connect(transport), 20_000, 'connect without a key'), (err) => {
      assert.match(String(err?.message ?? err), /401|Unauthorized|missing_credentials/);
      return true;
    });
    await client.close().catch(() => {});
    // The server logs asynchronously: wait for the line rather than expect it at once.
    await waitFor(() => /ERROR_AUTH .*missing_credentials/.test(String(server.log)), 10_000, 'ERROR_AUTH missing_credentials in the server log');
    assert.ok(!String(server.log).includes(key.slice(18)), 'the secret never appears in the server log');
  });
});
