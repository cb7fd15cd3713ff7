// The companion client against a stand-in of the game's local API on real loopback sockets: the
// headers the API requires, the port search, the Toon/tasks/invasion read, and a closed game, a consent
// prompt not answered yet, a refusal and bad JSON, each said in the status while the client keeps going.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CompanionClient, companionPorts, COMPANION_USER_AGENT, readInfo } from '../src/companion/client.ts';
import { CompanionStandIn, freePort, infoDocument } from './companion-helpers.ts';
import { httpRequest, runCliInProcess, until } from './helpers.ts';

const TASKS = [
  { text: 'Defeat 3 Bossbots', where: 'Anywhere', current: 1, target: 3 },
  { text: 'Defeat 2 Level 4+ Lawbots', where: 'Anywhere', current: 0, target: 2 },
  { text: 'Deliver a Pie to Flippy', where: 'Anywhere', current: 0, target: 1 },
];
const FAST = { host: '127.0.0.1', intervalMs: 40, timeoutMs: 300, consentWaitMs: 5000, maxBackoffMs: 200 };

describe('companion client', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('finds the port that answers and reads the Toon, its location, ToonTasks and the invasion', async () => {
    const game = await CompanionStandIn.start({
      info: { tasks: TASKS, invasion: { cog: 'Version 2.0 Flunky', quantity: 3000, mega: false } },
    });
    cleanups.push(() => game.stop());
    const closed = await freePort();
    const client = new CompanionClient({ ...FAST, ports: [closed, game.port] });
    const s = await client.pollOnce();
    assert.equal(s.state, 'connected', s.message);
    assert.equal(s.connected, true);
    assert.equal(s.port, game.port);
    assert.deepEqual(s.toon, { name: 'Flippy Doodlesplat', species: 'dog' });
    assert.deepEqual(s.location, { zone: 'Silly Street', neighborhood: 'Toontown Central', district: 'Zapwood' });
    assert.deepEqual(s.tasks.map((t) => [t.text, t.where, t.progress.current, t.progress.target, t.objective.kind]), [
      ['Defeat 3 Bossbots', 'Anywhere', 1, 3, 'cog'],
      ['Defeat 2 Level 4+ Lawbots', 'Anywhere', 0, 2, 'cog'],
      ['Deliver a Pie to Flippy', 'Anywhere', 0, 1, 'text'],
    ]);
    assert.deepEqual(s.invasion, { cog: 'Version 2.0 Flunky', quantity: 3000, mega: false });
    // The port is remembered: the next poll asks it alone.
    const before = game.requests.length;
    await client.pollOnce();
    assert.equal(game.requests.length, before + 1);
  });

  it('connects by the name localhost, as the API is addressed, to a game listening on 127.0.0.1', async () => {
    const game = await CompanionStandIn.start({ info: { tasks: TASKS } });
    cleanups.push(() => game.stop());
    const client = new CompanionClient({ ports: [game.port], timeoutMs: 2000 });
    const s = await client.pollOnce();
    assert.equal(s.state, 'connected', s.message);
  });

  it('sends only GET /info.json with Host localhost:<port>, a ToonVision User-Agent and a per-session Authorization', async () => {
    const game = await CompanionStandIn.start({ info: { tasks: TASKS } });
    cleanups.push(() => game.stop());
    const a = new CompanionClient({ ...FAST, ports: [game.port] });
    const b = new CompanionClient({ ...FAST, ports: [game.port] });
    await a.pollOnce();
    await a.pollOnce();
    await b.pollOnce();
    assert.equal(game.requests.length, 3);
    for (const r of game.requests) {
      assert.equal(r.method, 'GET');
      assert.equal(r.url, '/info.json');
      assert.equal(r.status, 200);
      assert.equal(r.headers.host, `localhost:${game.port}`);
      assert.match(String(r.headers['user-agent']), /^ToonVision\/\d+\.\d+\.\d+ \(/);
      assert.ok(String(r.headers.authorization).length >= 24, 'a random token');
    }
    assert.equal(game.requests[0].headers.authorization, game.requests[1].headers.authorization, 'one token per session');
    assert.notEqual(game.requests[0].headers.authorization, game.requests[2].headers.authorization, 'another session, another token');
    assert.equal(game.requests[0].headers['user-agent'], COMPANION_USER_AGENT);
  });

  it('the stand-in rejects requests without the required headers, as the API does', async () => {
    const game = await CompanionStandIn.start();
    cleanups.push(() => game.stop());
    const url = `http://127.0.0.1:${game.port}/info.json`;
    const ok = { Host: `localhost:${game.port}`, 'User-Agent': COMPANION_USER_AGENT, Authorization: 'x'.repeat(32) };
    assert.equal((await httpRequest(url, { headers: ok })).status, 200);
    assert.equal((await httpRequest(url, { headers: { ...ok, Authorization: '' } })).status, 401);
    assert.equal((await httpRequest(url, { headers: { ...ok, Host: `127.0.0.1:${game.port}` } })).status, 403);
    assert.equal((await httpRequest(url, { headers: { ...ok, 'User-Agent': '' } })).status, 403);
  });

  it('says the game is closed, keeps polling, and connects when the game starts', async () => {
    const game = await CompanionStandIn.start({ info: { tasks: TASKS } });
    cleanups.push(() => game.stop());
    await game.closeGame();
    const client = new CompanionClient({ ...FAST, ports: [game.port] });
    cleanups.push(() => client.stop());
    const seen: string[] = [];
    client.on('status', (s) => seen.push(s.state));
    client.start();
    await until(() => client.status().state === 'closed', 5000, 'closed state');
    assert.equal(client.status().connected, false);
    assert.match(client.status().message, /not running/);
    await game.openGame();
    await until(() => client.status().connected, 5000, 'reconnect after the game starts');
    assert.equal(client.status().tasks.length, 3);
    // The game quits again: the client notices and keeps going.
    await game.closeGame();
    await until(() => client.status().state === 'closed', 5000, 'closed again');
    assert.deepEqual([...new Set(seen)].sort(), ['closed', 'connected', 'searching']);
  });

  it('waits while the game shows its consent prompt, and connects once the player allows it', async () => {
    const game = await CompanionStandIn.start({ mode: 'prompt', info: { tasks: TASKS } });
    cleanups.push(() => game.stop());
    const client = new CompanionClient({ ...FAST, ports: [game.port] });
    const s = await client.pollOnce();
    assert.equal(s.state, 'pending', s.message);
    assert.match(s.message, /allow ToonVision/);
    // The next request stays open (consentWaitMs) while the prompt shows; the player allows it.
    const next = client.pollOnce();
    await until(() => game.waiting > 0, 3000, 'a request held by the prompt');
    game.answerPrompt(true);
    const s2 = await next;
    assert.equal(s2.state, 'connected', s2.message);
    assert.equal(s2.tasks[0].text, 'Defeat 3 Bossbots');
  });

  it('says the game refused, and connects when it allows later', async () => {
    const game = await CompanionStandIn.start({ mode: 'denied', info: { tasks: TASKS } });
    cleanups.push(() => game.stop());
    const client = new CompanionClient({ ...FAST, ports: [game.port] });
    const s = await client.pollOnce();
    assert.equal(s.state, 'refused');
    assert.equal(s.port, game.port);
    assert.match(s.message, /refused ToonVision.*HTTP 403/);
    game.mode = 'ok';
    assert.equal((await client.pollOnce()).state, 'connected');
  });

  it('survives bad JSON, keeping the last good tasks for a while', async () => {
    const game = await CompanionStandIn.start({ info: { tasks: TASKS } });
    cleanups.push(() => game.stop());
    const client = new CompanionClient({ ...FAST, ports: [game.port] });
    assert.equal((await client.pollOnce()).state, 'connected');
    game.mode = 'bad-json';
    const s = await client.pollOnce();
    assert.equal(s.state, 'error');
    assert.equal(s.connected, false);
    assert.match(s.message, /bad JSON/);
    assert.equal(s.tasks.length, 3, 'last good tasks kept within staleMs');
    const stale = new CompanionClient({ ...FAST, ports: [game.port], staleMs: 0 });
    game.mode = 'ok';
    await stale.pollOnce();
    game.mode = 'bad-json';
    await new Promise((r) => setTimeout(r, 5));
    assert.equal((await stale.pollOnce()).tasks.length, 0, 'dropped once stale');
  });

  it('reads the documented /info.json shape and refuses other JSON with a reason', () => {
    const doc = infoDocument({ tasks: [{ text: 'Defeat 3 Flunkies', where: 'Daisy Gardens', current: 2, target: 3 }] });
    const info = readInfo(doc);
    assert.ok(typeof info !== 'string');
    assert.deepEqual(info.tasks[0].progress, { current: 2, target: 3, text: '2 of 3 defeated' });
    assert.equal(info.tasks[0].where, 'Daisy Gardens');
    assert.equal(info.invasion, undefined);
    assert.match(String(readInfo([1, 2])), /not a JSON object/);
    assert.match(String(readInfo({ hello: 1 })), /none of toon/);
  });

  it('takes its ports from TOONVISION_COMPANION_PORTS, else 1547-1552', () => {
    assert.deepEqual(companionPorts({}), [1547, 1548, 1549, 1550, 1551, 1552]);
    assert.deepEqual(companionPorts({ TOONVISION_COMPANION_PORTS: '2000-2002,2005' }), [2000, 2001, 2002, 2005]);
    assert.throws(() => companionPorts({ TOONVISION_COMPANION_PORTS: 'game' }), /TOONVISION_COMPANION_PORTS: 'game'/);
  });

  it('backs off while the game does not answer', async () => {
    const port = await freePort();
    const client = new CompanionClient({ ...FAST, ports: [port], intervalMs: 10, maxBackoffMs: 80 });
    assert.equal(client.nextDelayMs(), 10);
    for (let i = 0; i < 5; i++) await client.pollOnce();
    assert.equal(client.status().state, 'closed');
    assert.equal(client.nextDelayMs(), 80, 'doubled per failure up to the cap');
  });
});

describe('doctor and the companion API', () => {
  it('doctor --json says which port answers without asking it; --companion asks it once', async () => {
    const game = await CompanionStandIn.start({ info: { tasks: TASKS } });
    const closed = await freePort();
    const saved = process.env.TOONVISION_COMPANION_PORTS;
    process.env.TOONVISION_COMPANION_PORTS = `${closed},${game.port}`;
    try {
      const look = await runCliInProcess(['doctor', '--json', '--window', 'No Such Game Window c21']);
      assert.equal(look.code, 0, look.stderr);
      const r = JSON.parse(look.stdout);
      for (const k of ['backend', 'backendsTried', 'display', 'captureTool', 'hotkeys', 'electron', 'gameWindow']) assert.ok(k in r, `keeps ${k}`);
      assert.deepEqual(r.companion.listening, [game.port]);
      assert.equal(r.companion.port, game.port);
      assert.equal(r.companion.asked, false);
      assert.equal(r.companion.state, 'listening');
      assert.equal(game.requests.length, 0, 'no request without --companion (no consent prompt in the game)');

      const ask = await runCliInProcess(['doctor', '--json', '--companion', '--window', 'No Such Game Window c21']);
      assert.equal(ask.code, 0, ask.stderr);
      const c = JSON.parse(ask.stdout).companion;
      assert.equal(c.connected, true, c.message);
      assert.equal(c.port, game.port);
      assert.equal(c.tasks, 3);
      assert.deepEqual(c.toon, { name: 'Flippy Doodlesplat', species: 'dog' });
      assert.equal(game.requests.length, 1);

      await game.closeGame();
      const none = JSON.parse((await runCliInProcess(['doctor', '--json', '--window', 'No Such Game Window c21'])).stdout).companion;
      assert.equal(none.port, null);
      assert.match(none.message, /not running/);
    } finally {
      if (saved === undefined) delete process.env.TOONVISION_COMPANION_PORTS;
      else process.env.TOONVISION_COMPANION_PORTS = saved;
      await game.stop();
    }
  });
});
