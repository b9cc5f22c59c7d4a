// OAuth access tokens with the official TypeScript SDK client: the test plays the authorization
// server (OpenID discovery and JWKS on loopback, RS256 tokens signed with its key) and the client
// sends the token in the transport's headers.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { startHttpServer, textOf, withTimeout } from '../lib/helpers.mjs';

const AUDIENCE = 'https://mcp.example.test/mcp';
const TEST_TIMEOUT = { timeout: 30_000 };
const b64url = (value) => Buffer.from(value).toString('base64url');

describe('OAuth access tokens over streamable-http', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let issuerServer;
  let issuer;
  let dir;
  let server;

  const token = (scope, { audience = AUDIENCE, expiresIn = 600 } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1' }));
    const payload = b64url(JSON.stringify({ iss: issuer, aud: audience, sub: 'ts-client', scope, iat: now - 60, nbf: now - 60, exp: now + expiresIn }));
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
    return `${header}.${payload}.${signature}`;
  };

  before(async () => {
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
    issuerServer = createServer((req, res) => {
      const body = req.url === '/.well-known/openid-configuration'
        ? { issuer, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'] }
        : req.url === '/jwks' ? { keys: [jwk] } : null;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? {}));
    });
    await new Promise((resolve) => issuerServer.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${issuerServer.address().port}`;

    dir = await mkdtemp(path.join(tmpdir(), 'mcp-interop-oauth-'));
    const config = path.join(dir, 'mcp-server.json');
    await writeFile(config, JSON.stringify({ auth: { oauthIssuer: issuer, oauthAudience: AUDIENCE, oauthRequireHttpsMetadata: false } }));
    await chmod(config, 0o600);
    server = await startHttpServer({ catalogs: ['demo'], extraArgs: ['--config', config, '--keys-file', path.join(dir, 'none.keys.json')] });
  });

  after(async () => {
    await server?.stop();
    await new Promise((resolve) => (issuerServer ? issuerServer.close(resolve) : resolve()));
    if (dir) {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('connects, lists and calls tools with a token', TEST_TIMEOUT, async () => {
    const client = new Client({ name: 'interop-oauth', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token('tools:call')}` } } });
    await withTimeout(client.connect(transport), 20_000, 'connect with a token');
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'echo'), 'echo is listed');
      assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'token' } })), 'token');
    } finally {
      await transport.terminateSession().catch(() => {});
      await client.close();
    }
  });

  it('is refused with a token for another audience', TEST_TIMEOUT, async () => {
    const client = new Client({ name: 'interop-oauth-wrong', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token('tools:call', { audience: 'https://elsewhere.example/mcp' })}` } } });
    await assert.rejects(withTimeout(client.connect(transport), 20_000, 'connect with a wrong token'), (err) => {
      assert.match(String(err?.message ?? err), /401|Unauthorized|invalid_credentials/);
      return true;
    });
    await client.close().catch(() => {});
  });
});
