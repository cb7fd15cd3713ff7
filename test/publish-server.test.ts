// The agent's WebSocket + HTTP server on real loopback sockets: hello/status, Origin refusal, inbound
// size cap, newest-frame-wins for a client that does not read, clients vanishing mid-frame, overlay files.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { PublishServer, type Command } from '../src/publish/server.ts';
import { until } from './helpers.ts';

function get(port: number, rawPath: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function open(port: number, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; messages: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers });
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('error', reject);
  });
}

describe('publish server', () => {
  let server: PublishServer;
  const commands: Command[] = [];
  before(async () => {
    server = new PublishServer({
      port: 0,
      hello: () => ({ agent: 'test', models: {}, source: { kind: 'demo' } }),
      status: () => ({ state: 'running', message: 'ok' }),
      onCommand: (c) => commands.push(c),
      maxPayload: 1024,
      highWaterMark: 64 * 1024,
    });
    await server.start();
  });
  after(() => server.close());

  it('binds loopback and greets each client with hello then status', async () => {
    assert.equal(server.host, '127.0.0.1');
    const { ws, messages } = await open(server.port);
    await until(() => messages.length >= 2, 5000, 'hello + status');
    assert.equal(messages[0]!.type, 'hello');
    assert.equal(messages[0]!.v, 1);
    assert.equal(messages[0]!.agent, 'test');
    assert.deepEqual({ type: messages[1]!.type, state: messages[1]!.state }, { type: 'status', state: 'running' });
    server.publishFrame({ frameId: 7, capturedAt: Date.now(), window: { x: 0, y: 0, width: 8, height: 6 }, detections: [], stagesMs: {} });
    await until(() => messages.some((m) => m.type === 'frame'), 5000, 'frame');
    const f = messages.find((m) => m.type === 'frame')!;
    assert.equal(f.frameId, 7);
    assert.equal(typeof f.sentAt, 'number');
    ws.send(JSON.stringify({ type: 'pause' }));
    await until(() => commands.some((c) => c.type === 'pause'), 5000, 'pause command');
    ws.close();
  });

  it('refuses a foreign Origin and accepts the page own origins', async () => {
    const before = server.refused;
    await assert.rejects(open(server.port, { Origin: 'http://evil.example' }), /403/);
    assert.equal(server.refused, before + 1);
    for (const origin of [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`]) {
      const { ws } = await open(server.port, { Origin: origin });
      ws.close();
    }
    await assert.rejects(open(server.port, { Origin: `http://127.0.0.1:${server.port + 1}` }), /403/);
  });

  it('closes a client whose inbound message exceeds maxPayload (1009)', async () => {
    const { ws } = await open(server.port);
    const code = await new Promise<number>((resolve) => {
      ws.on('close', (c) => resolve(c));
      ws.send('x'.repeat(4096));
    });
    assert.equal(code, 1009);
  });

  it('gives a client that does not read only the newest frame, never a growing queue', async () => {
    // A raw socket that completes the handshake and then never reads.
    const sock = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    sock.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await new Promise<void>((resolve) => sock.once('data', () => resolve()));
    sock.pause();
    const fast = await open(server.port);
    let lastFast = 0;
    fast.ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === 'frame') lastFast = m.frameId;
    });
    const payload = 'p'.repeat(100 * 1024); // 100 KB per frame: the slow socket's kernel buffers fill fast
    let maxBuffered = 0;
    const frames = 150;
    for (let i = 1; i <= frames; i++) {
      server.publishFrame({ frameId: i, capturedAt: Date.now(), window: { x: 0, y: 0, width: 1, height: 1 }, detections: [], stagesMs: {}, pad: payload });
      for (const s of server.stats()) maxBuffered = Math.max(maxBuffered, s.bufferedAmount);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => lastFast === frames, 20000, 'the reading client to get the last frame');
    const stats = server.stats();
    const slow = stats.reduce((a, b) => (b.dropped > a.dropped ? b : a));
    assert.ok(slow.dropped > 0 && slow.sent < frames, `the slow client had ${slow.dropped} of ${frames} frames replaced (${slow.sent} sent)`);
    // At most one frame in the ws buffer beside what the kernel holds: bounded, not 300 x 200 KB.
    assert.ok(maxBuffered <= 64 * 1024 + 2 * 110 * 1024, `bufferedAmount peaked at ${maxBuffered} bytes`);
    assert.ok(slow.pending, 'the newest frame waits as the one pending frame');
    sock.destroy();
    fast.ws.close();
  });

  it('keeps serving when a client vanishes in the middle of frames', async () => {
    const a = await open(server.port);
    const b = await open(server.port);
    let bFrames = 0;
    b.ws.on('message', (d) => {
      if (JSON.parse(d.toString()).type === 'frame') bFrames++;
    });
    for (let i = 0; i < 50; i++) {
      if (i === 10) a.ws.terminate();
      server.publishFrame({ frameId: 1000 + i, capturedAt: Date.now(), window: { x: 0, y: 0, width: 1, height: 1 }, detections: [], stagesMs: {}, pad: 'q'.repeat(50000) });
      await new Promise((r) => setImmediate(r));
    }
    await until(() => bFrames >= 1 && server.clientCount === 1, 5000, 'the vanished client to be dropped');
    b.ws.close();
  });

  it('serves the overlay page with content types and never a file outside overlay/', async () => {
    const page = await get(server.port, '/overlay');
    assert.equal(page.status, 200);
    assert.match(page.type, /^text\/html/);
    const js = await get(server.port, '/overlay/overlay.js');
    assert.equal(js.status, 200);
    assert.match(js.type, /^text\/javascript/);
    for (const p of ['/overlay/../package.json', '/overlay/%2e%2e/package.json', '/overlay/..%2fpackage.json', '/overlay/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/overlay/electron/main.cjs', '/package.json']) {
      const r = await get(server.port, p);
      assert.notEqual(r.status, 200, `${p} answered 200`);
      assert.doesNotMatch(r.body, /"dependencies"|root:x:/, `${p} leaked a file`);
    }
  });
});
