// The Electron shell's main-process logic without Electron (it is an optional dependency not installed
// here): window options against the security checklist, bounds over the game window for a display
// scale, following moves/resizes, the navigation guard; the whole main process (boot.cjs ->
// electron-app.ts) on a stand-in of Electron's API against a real WebSocket agent on loopback; and
// the `toonvision overlay` command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Command, type CommanderError } from 'commander';
import { register as registerOverlay } from '../src/commands/overlay.ts';
import { GameWindowFollower, isVirtualSource, reportedWindow } from '../src/desktop/follow.ts';
import { connectAgent } from '../src/desktop/agent-link.ts';
import { guardWebContents, type ElectronLike, type OverlayApp } from '../src/desktop/electron-app.ts';
import { ELECTRON_MAIN, findElectron } from '../src/desktop/launch.ts';
import { agentUrls } from '../src/publish/pages.ts';
import { type Rect, backoffMs, isAllowedUrl, overlayBounds, overlayWindowOptions } from '../src/desktop/window.ts';
import { captureOutput, ROOT, runCli, tempDir, until } from './helpers.ts';
import { HELLO, frameMessage, startTestAgent } from './overlay-helpers.ts';


test('window options satisfy the security checklist and make a click-through, unfocusable, always-on-top overlay', () => {
  const o = overlayWindowOptions({ x: 10, y: 20, width: 800, height: 600 });
  assert.equal(o.webPreferences.contextIsolation, true);
  assert.equal(o.webPreferences.nodeIntegration, false);
  assert.equal(o.webPreferences.nodeIntegrationInWorker, false);
  assert.equal(o.webPreferences.nodeIntegrationInSubFrames, false);
  assert.equal(o.webPreferences.sandbox, true);
  assert.equal(o.webPreferences.webSecurity, true);
  assert.equal(o.webPreferences.allowRunningInsecureContent, false);
  assert.equal(o.webPreferences.webviewTag, false);
  assert.equal(o.webPreferences.devTools, false);
  assert.equal('preload' in o.webPreferences, false, 'no preload: the page gets no bridge into the main process');
  assert.equal(o.frame, false);
  assert.equal(o.transparent, true);
  assert.equal(o.backgroundColor, '#00000000');
  assert.equal(o.alwaysOnTop, true);
  assert.equal(o.focusable, false);
  assert.equal(o.skipTaskbar, true);
  assert.equal(o.show, false, 'hidden until the game window is known');
  assert.equal(o.hasShadow, false);
  assert.equal(o.resizable, false);
  assert.deepEqual([o.x, o.y, o.width, o.height], [10, 20, 800, 600]);
});

test('bounds: the overlay covers the game window, in DIP for the display scale factor', () => {
  const one = [{ bounds: { x: 0, y: 0, width: 1920, height: 1080 }, scaleFactor: 1 }];
  const game = { x: 100, y: 50, width: 1280, height: 720 };
  assert.deepEqual(overlayBounds(game, one), game);
  const hidpi = [{ bounds: { x: 0, y: 0, width: 1920, height: 1080 }, scaleFactor: 2 }];
  assert.deepEqual(overlayBounds({ x: 200, y: 100, width: 1600, height: 1200 }, hidpi), { x: 100, y: 50, width: 800, height: 600 });
  // 150%: far edges rounded, so the overlay never falls short of the game window by more than half a pixel
  const s15 = [{ bounds: { x: 0, y: 0, width: 2560, height: 1440 }, scaleFactor: 1.5 }];
  assert.deepEqual(overlayBounds({ x: 101, y: 0, width: 1001, height: 601 }, s15), { x: 67, y: 0, width: 668, height: 401 });
  // two displays side by side: the right one at 2x (physical x from 1920)
  const two = [
    { bounds: { x: 0, y: 0, width: 1920, height: 1080 }, scaleFactor: 1 },
    { bounds: { x: 960, y: 0, width: 1280, height: 720 }, scaleFactor: 2 },
  ];
  assert.deepEqual(overlayBounds({ x: 10, y: 10, width: 800, height: 600 }, two), { x: 10, y: 10, width: 800, height: 600 });
  assert.deepEqual(overlayBounds({ x: 2020, y: 100, width: 1000, height: 800 }, two), { x: 1010, y: 50, width: 500, height: 400 });
  // macOS reports points: no conversion
  assert.deepEqual(overlayBounds({ x: 200, y: 100, width: 1600, height: 1200 }, hidpi, 'dip'), { x: 200, y: 100, width: 1600, height: 1200 });
});

class FakeWindow {
  bounds: Rect | null = null;
  visible = false;
  calls: string[] = [];
  setBounds(b: Rect) {
    this.bounds = { ...b };
    this.calls.push(`setBounds ${b.x},${b.y},${b.width}x${b.height}`);
  }
  showInactive() {
    this.visible = true;
    this.calls.push('showInactive');
  }
  hide() {
    this.visible = false;
    this.calls.push('hide');
  }
  isVisible() {
    return this.visible;
  }
}

test('follow: moves and resizes with the game window, hides while the agent waits for it', () => {
  const win = new FakeWindow();
  let scale = 1;
  const follower = new GameWindowFollower(win, {
    displays: () => [{ bounds: { x: 0, y: 0, width: 3840 / scale, height: 2160 / scale }, scaleFactor: scale }],
    coordinates: 'physical',
  });
  follower.handle({ ...HELLO });
  assert.equal(win.visible, false, 'nothing to follow yet');
  follower.handle(frameMessage({ x: 100, y: 50, width: 800, height: 600 }, []));
  assert.deepEqual(win.bounds, { x: 100, y: 50, width: 800, height: 600 });
  assert.equal(win.visible, true);
  const n = win.calls.length;
  follower.handle(frameMessage({ x: 100, y: 50, width: 800, height: 600 }, []));
  assert.equal(win.calls.length, n, 'an unchanged window does not touch the overlay');
  follower.handle(frameMessage({ x: 300, y: 70, width: 800, height: 600 }, [])); // moved
  assert.deepEqual(win.bounds, { x: 300, y: 70, width: 800, height: 600 });
  follower.handle(frameMessage({ x: 300, y: 70, width: 1024, height: 768 }, [])); // resized
  assert.deepEqual(win.bounds, { x: 300, y: 70, width: 1024, height: 768 });
  scale = 2; // the display was rescaled
  follower.refresh();
  assert.deepEqual(win.bounds, { x: 150, y: 35, width: 512, height: 384 });
  follower.handle({ type: 'status', v: 1, state: 'waiting-for-window', message: 'game closed' });
  assert.equal(win.visible, false);
  follower.handle({ type: 'status', v: 1, state: 'running', message: '' });
  assert.equal(win.visible, true);
  follower.handle({ type: 'frame', v: 2, window: { x: 0, y: 0, width: 5, height: 5 } });
  follower.handle({ type: 'frame', v: 1, window: { x: 0, y: 0, width: 0, height: 5 } });
  assert.deepEqual(win.bounds, { x: 150, y: 35, width: 512, height: 384 }, 'other versions and empty windows are ignored');
  // demo scenes and folders of screenshots have no window on this screen: nothing to cover
  follower.handle({ ...frameMessage({ x: 0, y: 0, width: 800, height: 600 }, []), source: 'demo' });
  assert.equal(win.visible, false);
  follower.handle({ ...frameMessage({ x: 5, y: 6, width: 800, height: 600 }, []), source: 'window' });
  assert.equal(win.visible, true);
  assert.deepEqual(win.bounds, { x: 3, y: 3, width: 400, height: 300 });
  follower.handle({ ...HELLO, source: { kind: 'folder:/tmp/shots' } });
  assert.equal(win.visible, false);
  follower.handle({ ...HELLO, state: 'waiting-for-window' });
  assert.equal(win.visible, false);
  follower.handle({ ...HELLO, state: 'running' });
  assert.equal(win.visible, true, 'the agent (re)started on a window source, running');
  assert.equal(isVirtualSource('window'), false);
  assert.equal(isVirtualSource({ kind: 'screen' }), false);
  assert.deepEqual(reportedWindow({ type: 'hello', v: 1, source: { window: { x: 1, y: 2, width: 3, height: 4 } } }), { x: 1, y: 2, width: 3, height: 4 });
});

test('navigation guard: only the agent page, its files and its WebSocket', () => {
  const { origin, page, ws } = agentUrls(8765);
  for (const ok of [page, `${page}/`, `${page}?hud=0`, `${origin}/overlay/render.js`, ws]) assert.equal(isAllowedUrl(ok, origin), true, ok);
  for (const bad of [
    'https://example.com/',
    'http://127.0.0.1:8766/overlay',
    'http://localhost:8765/overlay',
    'http://127.0.0.1.evil.com:8765/overlay',
    'http://user:pw@127.0.0.1:8765/overlay',
    `${origin}/`,
    `${origin}/other`,
    'https://127.0.0.1:8765/overlay',
    'file:///etc/passwd',
    'data:text/html,<script>alert(1)</script>',
    'javascript:alert(1)',
    'ws://127.0.0.1:9999/',
    'not a url',
  ]) {
    assert.equal(isAllowedUrl(bad, origin), false, bad);
  }
  // wired on web contents: will-navigate / will-redirect blocked, window.open denied, no <webview>
  const listeners = new Map<string, (...a: unknown[]) => void>();
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  guardWebContents({ on: (e, l) => listeners.set(e, l), setWindowOpenHandler: (h) => (openHandler = h) }, origin);
  const nav = (event: string, url: string) => {
    let prevented = false;
    listeners.get(event)!({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  assert.equal(nav('will-navigate', 'https://example.com/'), true);
  assert.equal(nav('will-navigate', page), false);
  assert.equal(nav('will-redirect', 'http://127.0.0.1:1/overlay'), true);
  assert.equal(nav('will-attach-webview', page), true);
  assert.deepEqual(openHandler!({ url: page }), { action: 'deny' });
});

test('backoff grows from 250 ms to at most 5 s, with jitter', () => {
  assert.equal(backoffMs(0, () => 0.5), 250);
  assert.equal(backoffMs(3, () => 0.5), 2000);
  assert.equal(backoffMs(10, () => 0.5), 5000);
  assert.equal(backoffMs(10, () => 1), 6000);
  assert.equal(backoffMs(0, () => 0), 200);
});

/** A stand-in for the slice of Electron's API that electron-app.ts uses, recording what it is asked. */
function fakeElectron() {
  const appListeners = new Map<string, ((...a: unknown[]) => void)[]>();
  const windows: FakeBrowserWindow[] = [];
  let failLoads = 0;
  let beforeRequest: ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void) | null = null;
  let permission: ((wc: unknown, p: string, cb: (g: boolean) => void) => void) | null = null;
  class FakeBrowserWindow extends FakeWindow {
    loaded: string[] = [];
    ignoreMouse: unknown[] = [];
    onTop: unknown[] = [];
    destroyed = false;
    wcListeners = new Map<string, (...a: unknown[]) => void>();
    listeners = new Map<string, (...a: unknown[]) => void>();
    webContents = {
      on: (e: string, l: (...a: unknown[]) => void) => this.wcListeners.set(e, l),
      setWindowOpenHandler: () => {},
    };
    constructor(readonly options: ReturnType<typeof overlayWindowOptions>) {
      super();
      windows.push(this);
      for (const l of appListeners.get('web-contents-created') ?? []) l({}, this.webContents);
    }
    async loadURL(url: string) {
      this.loaded.push(url);
      if (failLoads-- > 0) {
        this.wcListeners.get('did-fail-load')?.({}, -102, 'ERR_CONNECTION_REFUSED', url, true);
        throw new Error('ERR_CONNECTION_REFUSED');
      }
    }
    setIgnoreMouseEvents(...a: unknown[]) {
      this.ignoreMouse.push(a);
    }
    setAlwaysOnTop(...a: unknown[]) {
      this.onTop.push(a);
    }
    isDestroyed() {
      return this.destroyed;
    }
    on(e: string, l: (...a: unknown[]) => void) {
      this.listeners.set(e, l);
    }
  }
  const electron: ElectronLike = {
    app: {
      whenReady: async () => {},
      on: (e, l) => appListeners.set(e, [...(appListeners.get(e) ?? []), l]),
      quit: () => {},
      requestSingleInstanceLock: () => true,
    },
    BrowserWindow: FakeBrowserWindow,
    screen: { getAllDisplays: () => [{ bounds: { x: 0, y: 0, width: 1920, height: 1080 }, scaleFactor: 1 }], on: () => {} },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h) => (permission = h),
        webRequest: { onBeforeRequest: (l) => (beforeRequest = l) },
      },
    },
  };
  return {
    electron,
    windows,
    failNextLoads(n: number) {
      failLoads = n;
    },
    request(url: string) {
      let cancel: boolean | undefined;
      beforeRequest!({ url }, (r) => (cancel = r.cancel));
      return cancel;
    },
    permission(name: string) {
      let granted: boolean | undefined;
      permission!({}, name, (g) => (granted = g));
      return granted;
    },
  };
}

test('main process (overlay/electron/boot.cjs) on a stand-in Electron follows the game window a real agent reports', async () => {
  const agent = await startTestAgent();
  const fake = fakeElectron();
  fake.failNextLoads(1); // the agent's page is not reachable at first: the window loads it again
  const { boot } = createRequire(import.meta.url)(path.join(ROOT, 'overlay', 'electron', 'boot.cjs')) as {
    boot(e: ElectronLike, o: object): Promise<OverlayApp>;
  };
  const logs: string[] = [];
  let app: OverlayApp | null = null;
  try {
    app = await boot(fake.electron, { port: agent.port, reloadDelayMs: 30, log: (m: string) => logs.push(m) });
    const win = fake.windows[0] as unknown as FakeWindow & {
      options: ReturnType<typeof overlayWindowOptions>;
      loaded: string[];
      ignoreMouse: unknown[];
    };
    assert.equal(fake.windows.length, 1);
    assert.deepEqual(win.options, overlayWindowOptions());
    assert.deepEqual(win.ignoreMouse, [[true, { forward: true }]]);
    const page = `http://127.0.0.1:${agent.port}/overlay`;
    await until(() => win.loaded.length >= 2, 5000, 'the page to be loaded again after a failed load');
    assert.deepEqual(win.loaded.slice(0, 2), [page, page]);
    // no remote content, no permissions
    assert.equal(fake.request('https://example.com/x.js'), true);
    assert.equal(fake.request(`${page}/overlay.js`), false);
    assert.equal(fake.request(`ws://127.0.0.1:${agent.port}/`), false);
    assert.equal(fake.permission('media'), false);

    await agent.waitForClients(1);
    assert.equal(win.visible, false);
    agent.broadcast(frameMessage({ x: 120, y: 80, width: 1024, height: 768 }, []));
    await until(() => win.visible, 5000, 'the overlay to be shown over the game window');
    assert.deepEqual(win.bounds, { x: 120, y: 80, width: 1024, height: 768 });
    agent.broadcast(frameMessage({ x: 400, y: 300, width: 640, height: 480 }, []));
    await until(() => win.bounds?.x === 400, 5000, 'the overlay to follow the game window');
    assert.deepEqual(win.bounds, { x: 400, y: 300, width: 640, height: 480 });
    agent.broadcast({ type: 'status', v: 1, state: 'waiting-for-window', message: '' });
    await until(() => !win.visible, 5000, 'the overlay to hide while the game window is gone');

    // the agent restarts: the main process reconnects and follows again
    const port = agent.port;
    await agent.close();
    const again = await startTestAgent(port);
    try {
      await again.waitForClients(1, 10_000);
      again.broadcast(frameMessage({ x: 10, y: 20, width: 300, height: 200 }, []));
      await until(() => win.visible && win.bounds?.x === 10, 5000, 'the overlay after the agent restarted');
    } finally {
      app.stop();
      await again.close();
    }
    assert.ok(logs.some((l) => /could not load/.test(l)), logs.join('\n'));
  } finally {
    app?.stop();
    await agent.close().catch(() => {});
  }
});

test('agent link reconnects with backoff and stops on close()', async () => {
  const agent = await startTestAgent();
  const got: unknown[] = [];
  let opens = 0;
  const link = connectAgent(`ws://127.0.0.1:${agent.port}/`, { onMessage: (m) => got.push(m), onOpen: () => opens++ }, { backoff: () => 20 });
  try {
    await until(() => got.length === 1, 5000, 'hello');
    assert.equal((got[0] as { type: string }).type, 'hello');
    for (const c of agent.clients) c.terminate();
    await until(() => opens === 2 && got.length === 2, 5000, 'a second connection');
  } finally {
    link.close();
    await agent.close();
  }
  assert.equal(link.connected, false);
});

test('toonvision overlay without Electron prints the page URL and how to install it, exit 1', async () => {
  assert.equal(findElectron({}).found, false, 'electron is not installed in this tree');
  const err = await runCli(['overlay', '--port', '9123'], { env: { ...process.env, TOONVISION_ELECTRON: '' } });
  assert.equal(err.code, 1);
  assert.equal(err.stdout, 'http://127.0.0.1:9123/overlay\n');
  assert.match(err.stderr, /npm install electron/);
  assert.match(err.stderr, /OBS/);
});

function program(): Command {
  const p = new Command('toonvision').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerOverlay(p);
  for (const c of p.commands) c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return p;
}

test('toonvision overlay: a bad port is bad usage', async () => {
  for (const port of ['x', '0', '65536', '1.5']) {
    await assert.rejects(program().parseAsync(['overlay', '--port', port], { from: 'user' }), (e: CommanderError) => e.code === 'commander.invalidArgument', port);
  }
});

test('toonvision overlay starts Electron on overlay/electron/main.cjs with the agent port', async () => {
  const { dir, cleanup } = await tempDir('toonvision-overlay-');
  try {
    // a stand-in Electron binary that records how it was started
    const fakeBin = path.join(dir, 'electron');
    const out = path.join(dir, 'started.json');
    writeFileSync(
      fakeBin,
      `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(2), port: process.env.TOONVISION_OVERLAY_PORT, runAsNode: process.env.ELECTRON_RUN_AS_NODE ?? null }));\n`,
    );
    chmodSync(fakeBin, 0o755);
    // in-process (the CLI's start-up is slow on a busy machine): the command as cli.ts registers it
    const saved = { electron: process.env.TOONVISION_ELECTRON, runAsNode: process.env.ELECTRON_RUN_AS_NODE };
    process.env.TOONVISION_ELECTRON = fakeBin;
    process.env.ELECTRON_RUN_AS_NODE = '1';
    let stderr = '';
    try {
      ({ stderr } = await captureOutput(() => program().parseAsync(['overlay', '--port', '9124'], { from: 'user' })));
    } finally {
      for (const [k, v] of [['TOONVISION_ELECTRON', saved.electron], ['ELECTRON_RUN_AS_NODE', saved.runAsNode]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const started = JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; port: string; runAsNode: string | null };
    assert.equal(started.argv.at(-1), ELECTRON_MAIN);
    assert.equal(started.port, '9124');
    assert.equal(started.runAsNode, null, 'ELECTRON_RUN_AS_NODE is cleared');
    if (process.platform === 'linux') assert.ok(started.argv.includes('--enable-transparent-visuals'));
    assert.match(stderr, /starting Electron/);
  } finally {
    await cleanup();
  }
});
