// The Electron main process of `toonvision overlay`, written against the small slice of Electron's
// API it uses so that it runs (and is tested) with any object of that shape. overlay/electron/main.cjs
// passes the real `electron` module; this file never imports Electron itself.
import { connectAgent, type AgentLink } from './agent-link.ts';
import { GameWindowFollower, type OverlayTarget } from './follow.ts';
import { agentUrls } from '../publish/pages.ts';
import { type DisplayInfo, type WindowCoordinates, isAllowedUrl, overlayWindowOptions } from './window.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Listener = (...args: any[]) => void;

export interface NavigationEvent {
  preventDefault(): void;
}

export interface WebContentsLike {
  on(event: string, listener: Listener): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void;
}

export interface BrowserWindowLike extends OverlayTarget {
  webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  setIgnoreMouseEvents(ignore: boolean, options?: { forward?: boolean }): void;
  setAlwaysOnTop(flag: boolean, level?: string): void;
  setVisibleOnAllWorkspaces?(flag: boolean, options?: { visibleOnFullScreen?: boolean }): void;
  isDestroyed(): boolean;
  on(event: string, listener: Listener): unknown;
}

export interface ElectronLike {
  app: {
    whenReady(): Promise<unknown>;
    on(event: string, listener: Listener): unknown;
    quit(): void;
    requestSingleInstanceLock?(): boolean;
    setName?(name: string): void;
  };
  BrowserWindow: new (options: any) => BrowserWindowLike;
  screen: {
    getAllDisplays(): DisplayInfo[];
    on(event: string, listener: Listener): unknown;
  };
  session: {
    defaultSession: {
      setPermissionRequestHandler(handler: ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void) | null): void;
      setPermissionCheckHandler?(handler: ((wc: unknown, permission: string) => boolean) | null): void;
      webRequest: {
        onBeforeRequest(listener: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void): void;
      };
    };
  };
}

export interface OverlayAppOptions {
  port: number;
  host?: string;
  coordinates?: WindowCoordinates;
  /** Delay before reloading the page when the agent was not reachable. */
  reloadDelayMs?: number;
  log?: (message: string) => void;
}

export interface OverlayApp {
  window: BrowserWindowLike;
  follower: GameWindowFollower;
  link: AgentLink;
  urls: ReturnType<typeof agentUrls>;
  stop(): void;
}

/** Guards every web contents: no navigation away from the agent's page, no new windows, no <webview>. */
export function guardWebContents(contents: WebContentsLike, origin: string, log: (m: string) => void = () => {}): void {
  const guard = (event: NavigationEvent, url: string) => {
    if (!isAllowedUrl(url, origin)) {
      event.preventDefault();
      log(`overlay: blocked navigation to ${url}`);
    }
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event: NavigationEvent) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    log(`overlay: blocked a new window for ${url}`);
    return { action: 'deny' };
  });
}

/**
 * Starts the overlay: security guards on the session and every web contents, the click-through
 * window (hidden until the agent reports the game window), the page from the agent, and the main
 * process's own agent link that moves the window with the game window.
 */
export async function startOverlayApp(electron: ElectronLike, options: OverlayAppOptions): Promise<OverlayApp | null> {
  const { app, BrowserWindow, screen, session } = electron;
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const urls = agentUrls(options.port, options.host ?? '127.0.0.1');

  if (app.requestSingleInstanceLock && !app.requestSingleInstanceLock()) {
    log('overlay: another ToonVision overlay is already running');
    app.quit();
    return null;
  }
  app.setName?.('ToonVision overlay');
  app.on('web-contents-created', (_event: unknown, contents: WebContentsLike) => guardWebContents(contents, urls.origin, log));
  await app.whenReady();

  // No remote content: every request that is not the agent's page, files or WebSocket is cancelled;
  // no permission (camera, notifications, ...) is ever granted.
  const ses = session.defaultSession;
  ses.webRequest.onBeforeRequest((details, callback) => { // no filter: every request
    const allowed = isAllowedUrl(details.url, urls.origin);
    if (!allowed) log(`overlay: blocked request ${details.url}`);
    callback({ cancel: !allowed });
  });
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler?.(() => false);

  const win = new BrowserWindow(overlayWindowOptions());
  win.setIgnoreMouseEvents(true, { forward: true });
  win.setAlwaysOnTop(true, 'screen-saver');
  win.setVisibleOnAllWorkspaces?.(true, { visibleOnFullScreen: true });

  const follower = new GameWindowFollower(win, {
    displays: () => screen.getAllDisplays(),
    coordinates: options.coordinates,
    onChange: (visible, reason) => log(`overlay: ${visible ? 'shown' : 'hidden'}: ${reason}`),
  });
  for (const event of ['display-added', 'display-removed', 'display-metrics-changed']) screen.on(event, () => follower.refresh());

  // The page: from the agent; when the agent is not up yet, try again a little later.
  const reloadDelay = options.reloadDelayMs ?? 2000;
  let reloadTimer: NodeJS.Timeout | null = null;
  const load = () => {
    reloadTimer = null;
    if (win.isDestroyed()) return;
    win.loadURL(urls.page).catch(() => {
      // did-fail-load schedules the retry
    });
  };
  win.webContents.on('did-fail-load', (_e: unknown, code: number, description: string, url: string, isMainFrame: boolean) => {
    if (isMainFrame === false || code === -3 /* ERR_ABORTED */) return;
    log(`overlay: could not load ${url || urls.page} (${description}); is the agent running? retrying`);
    if (!reloadTimer) reloadTimer = setTimeout(load, reloadDelay);
  });

  let warned = false;
  const link = connectAgent(urls.ws, {
    onOpen: () => {
      warned = false;
      log(`overlay: connected to the agent at ${urls.ws}`);
    },
    onMessage: (msg) => follower.handle(msg),
    onClose: () => {
      if (!warned) log(`overlay: no agent at ${urls.ws} (start it with: toonvision agent); retrying`);
      warned = true;
    },
  });

  const stop = () => {
    link.close();
    if (reloadTimer) clearTimeout(reloadTimer);
  };
  win.on('closed', stop);
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', stop);
  load();
  return { window: win, follower, link, urls, stop };
}
