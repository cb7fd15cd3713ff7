// The WebSocket protocol's one definition (src/publish/protocol.ts): overlay/protocol.js is that module
// with its types erased, and answers every case as the server's copy does; the rules take the messages
// of ../shared/CLI.md (with the nametag, track and companion additions) and refuse broken ones, naming
// the field; the server does not send a message that breaks them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import * as server from '../src/publish/protocol.ts';
import { overlayProtocolModule, PROTOCOL_JS } from '../src/publish/protocol-page.ts';
import { PublishServer } from '../src/publish/server.ts';
import { until } from './helpers.ts';

type Checker = Pick<typeof server, 'checkMessage' | 'checkFrameView' | 'checkDetection' | 'isKnownMessage'>;
const page = (await import(pathToFileURL(PROTOCOL_JS).href)) as Checker;

const COG = {
  bbox: [200, 300, 240, 200],
  label: 'cog',
  score: 0.95,
  suit: 'cb',
  name: 'pennypincher',
  fineScore: 0.9,
  track: 4,
  level: 3,
  nametag: { text: 'Penny Pincher / Cashbot / Level 3', name: 'pennypincher', suit: 'cb', level: 3, score: 0.93, bbox: [210, 250, 90, 40] },
  visual: { suit: 'cb', name: 'tightwad', fineScore: 0.6 },
  tasks: [0, 2],
  invasion: true,
};
const TOON = { bbox: [800, 420, 200, 300], label: 'toon', score: 0.99, animal: 'dog', fineScore: 0.99, track: 5 };
const COMPANION = {
  connected: true,
  toon: { name: 'Flippy', species: 'dog' },
  location: { zone: 'Loopy Lane', neighborhood: 'Toontown Central' },
  tasks: [{ text: 'Defeat 3 Cashbots', where: 'Anywhere', progress: { current: 1, target: 3 } }],
  invasion: { cog: 'Penny Pincher' },
};
const GOOD = [
  { type: 'hello', v: 1, agent: '0.1.0', models: { binary: null }, source: { kind: 'demo' }, state: 'running', companion: COMPANION, hotkeys: { capture: 'F9' } },
  { type: 'frame', v: 1, frameId: 12, capturedAt: 1700000000000, sentAt: 1700000000040, window: { x: 0, y: 0, width: 1280, height: 720, scaleFactor: 1 }, detections: [COG, TOON], stagesMs: { capture: 5, detect: 20 }, source: 'window' },
  { type: 'frame', v: 1, frameId: 13, capturedAt: '2026-01-01T00:00:00Z', sentAt: 1, window: { x: 0, y: 0, width: 8, height: 6 }, detections: [], stagesMs: {} },
  { type: 'capture', v: 1, file: 'captures/raw/screenshots/shot.png', objects: [{ label: 'cog' }], xml: 'shot.xml' },
  { type: 'capture', v: 1, file: 'shot.png', objects: 2 },
  { type: 'status', v: 1, state: 'waiting-for-window', message: 'no window titled Toontown', companion: { connected: false, tasks: [] } },
];
const frame = GOOD[1]!;
/** Broken messages and the field their error must name. */
const BAD: [unknown, RegExp][] = [
  ['a string', /expected a JSON object/],
  [{ type: 'frame', v: 2 }, /protocol version 2/],
  [{ v: 1 }, /message\.type: missing/],
  [{ type: 'hello', v: 1, agent: 'x', models: {} }, /^hello\.source: missing/],
  [{ ...frame, frameId: 1.5 }, /^frame\.frameId: expected a whole number/],
  [{ ...frame, window: { x: 0, y: 0, width: '1280', height: 720 } }, /^frame\.window\.width: expected a number/],
  [{ ...frame, detections: [TOON, { ...COG, bbox: [1, 2, 3] }] }, /^frame\.detections\[1\]\.bbox: expected \[x, y, w, h\]/],
  [{ ...frame, detections: [{ ...TOON, bbox: [1, 2, NaN, 4] }] }, /detections\[0\]\.bbox/],
  [{ ...frame, detections: [{ ...TOON, label: 'goon' }] }, /detections\[0\]\.label: expected one of cog, toon/],
  [{ ...frame, detections: [{ ...COG, track: 'a' }] }, /detections\[0\]\.track/],
  [{ ...frame, detections: [{ ...COG, nametag: { ...COG.nametag, bbox: null } }] }, /detections\[0\]\.nametag\.bbox/],
  [{ ...frame, detections: [{ ...COG, tasks: [0.5] }] }, /detections\[0\]\.tasks\[0\]/],
  [{ ...frame, detections: [{ ...COG, invasion: 'yes' }] }, /detections\[0\]\.invasion: expected a boolean/],
  [{ ...frame, detections: 'none' }, /frame\.detections: expected an array/],
  [{ type: 'status', v: 1, state: 'sleeping', message: '' }, /status\.state: expected one of running, paused, waiting-for-window/],
  [{ type: 'status', v: 1, state: 'running', message: 'x', companion: { connected: 'yes', tasks: [] } }, /status\.companion\.connected/],
  [{ type: 'capture', v: 1, file: 'a.png', objects: 'two' }, /capture\.objects/],
];

test('overlay/protocol.js is src/publish/protocol.ts with its types erased (regenerate: node --import tsx src/publish/protocol-page.ts --write)', async () => {
  assert.equal(readFileSync(PROTOCOL_JS, 'utf8'), await overlayProtocolModule());
  assert.doesNotMatch(readFileSync(PROTOCOL_JS, 'utf8'), /^import /m, 'the page module imports nothing');
});

test("the rules take ../shared/CLI.md's messages, extra fields included, and the page's copy agrees", () => {
  for (const m of GOOD) {
    assert.equal(server.checkMessage(m), null, JSON.stringify(m));
    assert.equal(page.checkMessage(m), null, JSON.stringify(m));
    assert.equal(server.isKnownMessage(m), true);
  }
  assert.equal(server.checkFrameView({ frameId: 3, window: { width: 640, height: 480 }, detections: [COG] }), null);
  assert.deepEqual([...server.MESSAGE_TYPES].sort(), ['capture', 'frame', 'hello', 'status']);
});

test('a broken message is refused with the field named, by the server and the page alike', () => {
  for (const [m, re] of BAD) {
    const err = server.checkMessage(m);
    assert.match(err ?? 'accepted', re, JSON.stringify(m).slice(0, 200));
    assert.equal(page.checkMessage(m), err, 'the page gives the same answer');
  }
  // A type of a newer agent: not known (the pages pass it over), though well versioned.
  const newer = { type: 'weather', v: 1 };
  assert.equal(server.isKnownMessage(newer), false);
  assert.match(server.checkMessage(newer)!, /unknown type "weather"/);
  assert.match(page.checkFrameView({ frameId: 1, window: { width: 1 }, detections: [] })!, /frame\.window\.height: missing/);
  assert.match(page.checkDetection({ bbox: [0, 0, 1, 1], label: 'cog' })!, /detection\.score: missing/);
});

test('the server does not send a message that breaks the rules, says so once, and goes on', async () => {
  const logs: string[] = [];
  const s = new PublishServer({ port: 0, hello: () => ({ agent: 'test', models: {}, source: { kind: 'demo' } }), log: (m) => logs.push(m) });
  const { port } = await s.start();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  const got: Record<string, unknown>[] = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString())));
  try {
    await until(() => got.length >= 1, 5000, 'hello');
    const window = { x: 0, y: 0, width: 8, height: 6 };
    // A bug of the agent (a detection's box lost a coordinate), twice: neither frame leaves.
    const broken = { frameId: 1, capturedAt: Date.now(), window, detections: [{ bbox: [1, 2, 3] as unknown as [number, number, number, number], label: 'cog' as const, score: 0.9 }], stagesMs: {} };
    assert.equal(s.publishFrame(broken), 0);
    assert.equal(s.publishFrame({ ...broken, frameId: 2 }), 0);
    s.broadcast({ type: 'status', state: 'asleep' as 'running', message: 'x' });
    assert.equal(s.publishFrame({ frameId: 3, capturedAt: Date.now(), window, detections: [{ bbox: [1, 2, 3, 4], label: 'toon', score: 0.8, track: 1 }], stagesMs: {} }), 1);
    await until(() => got.some((m) => m.type === 'frame'), 5000, 'the good frame');
    assert.deepEqual(got.filter((m) => m.type === 'frame').map((m) => m.frameId), [3]);
    assert.equal(got.some((m) => m.type === 'status'), false);
    assert.equal(s.malformed, 3);
    assert.equal(logs.filter((l) => /not sending a malformed frame message \(frame\.detections\[0\]\.bbox/.test(l)).length, 1, logs.join('\n'));
    assert.equal(logs.filter((l) => /malformed status message \(status\.state/.test(l)).length, 1, logs.join('\n'));
  } finally {
    ws.close();
    await s.close();
  }
});
