// The demo catalogue, checked end to end over one transport. Each demo-*.test.mjs file runs this
// suite for its transport in its own process (files run in parallel when the machine has the cores).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';

import { connectClient, startHttpServer, textOf, wireTrace, withTimeout } from './helpers.mjs';

const TEST_TIMEOUT = { timeout: 20_000 };

export function defineDemoSuite(kind) {
  describe(`demo catalogue over ${kind}`, () => {
    let server;
    let conn;
    let client;

    before(async () => {
      if (kind !== 'stdio') {
        server = await startHttpServer({ catalogs: ['demo'] });
      }
      conn = await connectClient(kind, { server, catalogs: ['demo'] });
      client = conn.client;
    });

    after(async () => {
      await conn?.close();
      await server?.stop();
    });

    it('initialize: serverInfo names mcp-server and the capabilities are declared', TEST_TIMEOUT, () => {
      const info = client.getServerVersion();
      assert.equal(info?.name, 'mcp-server');
      assert.equal(typeof info.version, 'string');
      assert.ok(info.version.length > 0, 'serverInfo.version is empty');
      const caps = client.getServerCapabilities();
      assert.ok(caps, 'no server capabilities after initialize');
      for (const cap of ['tools', 'resources', 'prompts', 'logging', 'completions']) {
        assert.equal(typeof caps[cap], 'object', `capability '${cap}' not declared: ${JSON.stringify(caps)}`);
      }
    });

    it('ping', TEST_TIMEOUT, async () => {
      assert.deepEqual(await client.ping(), {});
    });

    it('tools/list: echo, add and sleep, each with an object inputSchema', TEST_TIMEOUT, async () => {
      const { tools } = await client.listTools();
      const byName = new Map(tools.map((t) => [t.name, t]));
      for (const name of ['echo', 'add', 'sleep']) {
        const tool = byName.get(name);
        assert.ok(tool, `tool '${name}' missing from tools/list: ${[...byName.keys()].join(', ')}`);
        assert.equal(typeof tool.inputSchema, 'object');
        assert.equal(tool.inputSchema.type, 'object', `${name}.inputSchema.type`);
      }
      assert.deepEqual(byName.get('echo').inputSchema.required, ['text']);
      assert.equal(byName.get('add').outputSchema?.type, 'object', 'add declares an outputSchema');
    });

    it('tools/call echo', TEST_TIMEOUT, async () => {
      const text = `hello from ${kind} ✓ "quoted" \\ back\nslash`;
      const result = await client.callTool({ name: 'echo', arguments: { text } });
      assert.notEqual(result.isError, true);
      assert.deepEqual(result.content, [{ type: 'text', text }]);
    });

    it('tools/call add returns structuredContent.sum', TEST_TIMEOUT, async () => {
      const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3.5 } });
      assert.notEqual(result.isError, true);
      assert.deepEqual(result.structuredContent, { sum: 5.5 });
      assert.equal(textOf(result), '5.5');
    });

    it('resources/list and resources/read demo://readme', TEST_TIMEOUT, async () => {
      const { resources } = await client.listResources();
      const readme = resources.find((r) => r.uri === 'demo://readme');
      assert.ok(readme, `demo://readme missing from resources/list: ${JSON.stringify(resources)}`);
      assert.equal(readme.name, 'readme');
      assert.equal(readme.mimeType, 'text/markdown');

      const { contents } = await client.readResource({ uri: 'demo://readme' });
      assert.equal(contents.length, 1);
      assert.equal(contents[0].uri, 'demo://readme');
      assert.equal(contents[0].mimeType, 'text/markdown');
      assert.match(contents[0].text, /^# mcp-server demo/);
    });

    it('resources/templates/list and resources/read demo://greeting/Ada', TEST_TIMEOUT, async () => {
      const { resourceTemplates } = await client.listResourceTemplates();
      assert.ok(
        resourceTemplates.some((t) => t.uriTemplate === 'demo://greeting/{name}' && t.name === 'greeting'),
        `template demo://greeting/{name} missing: ${JSON.stringify(resourceTemplates)}`,
      );

      const { contents } = await client.readResource({ uri: 'demo://greeting/Ada' });
      assert.equal(contents.length, 1);
      assert.equal(contents[0].uri, 'demo://greeting/Ada');
      assert.equal(contents[0].text, 'Hello, Ada!');
    });

    it('prompts/list and prompts/get greet', TEST_TIMEOUT, async () => {
      const { prompts } = await client.listPrompts();
      const greet = prompts.find((p) => p.name === 'greet');
      assert.ok(greet, `prompt greet missing: ${JSON.stringify(prompts)}`);
      assert.deepEqual(
        greet.arguments.map((a) => [a.name, a.required ?? false]),
        [
          ['name', true],
          ['style', false],
        ],
      );

      const result = await client.getPrompt({ name: 'greet', arguments: { name: 'Ada', style: 'pirate' } });
      assert.equal(result.messages.length, 1);
      assert.equal(result.messages[0].role, 'user');
      assert.deepEqual(result.messages[0].content, { type: 'text', text: 'Greet Ada in a pirate style.' });
    });

    it('completion/complete for the greet prompt style argument', TEST_TIMEOUT, async () => {
      const { completion } = await client.complete({
        ref: { type: 'ref/prompt', name: 'greet' },
        argument: { name: 'style', value: 'p' },
      });
      assert.ok(Array.isArray(completion.values));
      assert.ok(completion.values.includes('pirate'), `values: ${JSON.stringify(completion.values)}`);
      assert.ok(!completion.values.includes('formal'), 'values are filtered by the typed prefix');
    });

    it('completion/complete for the greeting template name variable', TEST_TIMEOUT, async () => {
      const { completion } = await client.complete({
        ref: { type: 'ref/resource', uri: 'demo://greeting/{name}' },
        argument: { name: 'name', value: 'A' },
      });
      assert.deepEqual([...completion.values].sort(), ['Ada', 'Alan']);
    });

    it('logging/setLevel', TEST_TIMEOUT, async () => {
      assert.deepEqual(await client.setLoggingLevel('debug'), {});
      assert.deepEqual(await client.setLoggingLevel('info'), {});
    });

    it('progress notifications for sleep {ms: 500}', TEST_TIMEOUT, async () => {
      const from = conn.wire.length;
      const updates = [];
      const result = await client.callTool({ name: 'sleep', arguments: { ms: 500 } }, undefined, {
        onprogress: (p) => updates.push(p),
      });
      assert.notEqual(result.isError, true);
      assert.equal(textOf(result), 'Slept 500 ms.');

      // What the server sent: ten steps, all before the response.
      const trace = wireTrace(conn.wire, from, (m) => m.result?.content?.[0]?.text === 'Slept 500 ms.');
      assert.deepEqual(
        trace.progress.map((p) => p.progress),
        [50, 100, 150, 200, 250, 300, 350, 400, 450, 500],
        `progress on the wire: ${JSON.stringify(trace.progress)}`,
      );
      assert.ok(trace.progress.every((p) => p.total === 500), JSON.stringify(trace.progress));
      assert.equal(trace.progressBeforeResponse, 10, 'every notifications/progress must precede the response');

      // What the SDK handed to onprogress: the same values, except that SDK 1.32.2 may drop the
      // last one when it arrives in the same read as the response (typescript-sdk#2580; see helpers.mjs).
      assert.ok(updates.length >= 9, `onprogress calls: ${JSON.stringify(updates)}`);
      assert.deepEqual(
        updates.map((u) => u.progress),
        trace.progress.slice(0, updates.length).map((p) => p.progress),
      );
    });

    it('cancellation: aborting sleep {ms: 30000} rejects quickly, and the session still works', TEST_TIMEOUT, async () => {
      const controller = new AbortController();
      const started = performance.now();
      const call = client.callTool({ name: 'sleep', arguments: { ms: 30_000 } }, undefined, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('interop test cancels the call')), 200);
      await assert.rejects(withTimeout(call, 5_000, 'the aborted call'), /interop test cancels the call/);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 2_000, `the aborted call took ${Math.round(elapsed)} ms to reject`);

      const echo = await withTimeout(
        client.callTool({ name: 'echo', arguments: { text: 'still alive' } }),
        5_000,
        'echo after cancellation',
      );
      assert.equal(textOf(echo), 'still alive');
    });

    it('cancellation reaches the server: no more progress and no response after notifications/cancelled', TEST_TIMEOUT, async () => {
      // sleep reports progress every ms/10. Cancel on the first report, then watch the wire: a server
      // that honours notifications/cancelled stops the tool (no more progress) and, per the spec's
      // cancellation rules, SHOULD NOT send a response for the cancelled request.
      const from = conn.wire.length;
      const controller = new AbortController();
      let cancelAt = -1;
      const call = client.callTool({ name: 'sleep', arguments: { ms: 1_500 } }, undefined, {
        signal: controller.signal,
        onprogress: () => {
          if (cancelAt < 0) {
            cancelAt = conn.wire.length;
            controller.abort(new Error('cancel after first progress'));
          }
        },
      });
      await assert.rejects(withTimeout(call, 5_000, 'the aborted call'), /cancel after first progress/);
      assert.ok(cancelAt >= 0, 'no progress notification arrived before the abort');
      const token = conn.wire.slice(from).find((m) => m.method === 'notifications/progress')?.params.progressToken;
      // Long enough for the remaining progress steps and the final response, had the server kept going.
      await delay(1_700);

      const lateProgress = conn.wire
        .slice(cancelAt)
        .filter((m) => m.method === 'notifications/progress' && m.params?.progressToken === token);
      assert.deepEqual(lateProgress, [], 'the server kept running the tool after notifications/cancelled');
      const responses = conn.wire.slice(from).filter((m) => !('method' in m) && m.id === token);
      assert.deepEqual(responses, [], 'the server answered a request the client had cancelled (spec: SHOULD NOT)');
      // Echo still works on the same session.
      const echo = await client.callTool({ name: 'echo', arguments: { text: 'after cancel' } });
      assert.equal(textOf(echo), 'after cancel');
    });

    if (kind === 'stdio') {
      it('stdio: stdout carries only JSON-RPC; SERVER_STARTED goes to stderr', TEST_TIMEOUT, async () => {
        assert.match(conn.stderr.toString(), /SERVER_STARTED mcp-server \S+ serving MCP on stdin\/stdout/);
        // A non-JSON line on stdout would have made the SDK's reader fail.
        assert.deepEqual(
          conn.errors.map((e) => String(e?.message ?? e)).filter((m) => /JSON|parse/i.test(m)),
          [],
        );
      });
    }
  });
}
