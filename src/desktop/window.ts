// The Electron overlay window, as plain data and pure functions (unit-tested without Electron):
// its BrowserWindow options, where it goes over the game window, and which URLs it may load.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the overlay needs of an Electron `Display`: bounds in DIP and the scale factor. */
export interface DisplayInfo {
  bounds: Rect;
  scaleFactor: number;
}

/**
 * The BrowserWindow options (a subset of Electron's BrowserWindowConstructorOptions, typed here so
 * that this module does not need Electron). Electron's security checklist: context isolation,
 * no Node in the page, sandboxed renderer, no preload, no <webview>, no remote content
 * (see isAllowedUrl); and an overlay that never takes focus nor the mouse.
 */
export interface OverlayWindowOptions {
  x?: number;
  y?: number;
  width: number;
  height: number;
  show: boolean;
  frame: boolean;
  transparent: boolean;
  backgroundColor: string;
  hasShadow: boolean;
  alwaysOnTop: boolean;
  focusable: boolean;
  skipTaskbar: boolean;
  resizable: boolean;
  movable: boolean;
  minimizable: boolean;
  maximizable: boolean;
  fullscreenable: boolean;
  thickFrame: boolean;
  title: string;
  webPreferences: {
    contextIsolation: boolean;
    nodeIntegration: boolean;
    nodeIntegrationInWorker: boolean;
    nodeIntegrationInSubFrames: boolean;
    sandbox: boolean;
    webSecurity: boolean;
    allowRunningInsecureContent: boolean;
    webviewTag: boolean;
    navigateOnDragDrop: boolean;
    spellcheck: boolean;
    backgroundThrottling: boolean;
    devTools: boolean;
    enableWebSQL: boolean;
    safeDialogs: boolean;
    autoplayPolicy: string;
  };
}

/** The overlay window's options. It starts hidden; the follower shows it over the game window. */
export function overlayWindowOptions(bounds?: Rect, opts: { devTools?: boolean } = {}): OverlayWindowOptions {
  const b = bounds ?? { x: 0, y: 0, width: 800, height: 600 };
  return {
    x: b.x,
    y: b.y,
    width: b.width,
    height: b.height,
    show: false,
    frame: false,
    transparent: true,
    backgroundColor: '#00000000',
    hasShadow: false,
    alwaysOnTop: true,
    focusable: false,
    skipTaskbar: true,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    thickFrame: false,
    title: 'ToonVision overlay',
    webPreferences: {
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      backgroundThrottling: false,
      devTools: opts.devTools ?? false,
      enableWebSQL: false,
      safeDialogs: true,
      autoplayPolicy: 'document-user-activation-required',
    },
  };
}

/** True for a rectangle of finite numbers with a positive size. */
export function isRect(r: unknown): r is Rect {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  return (['x', 'y', 'width', 'height'] as const).every((k) => typeof o[k] === 'number' && Number.isFinite(o[k])) &&
    (o.width as number) > 0 && (o.height as number) > 0;
}

/**
 * How window positions are given: 'physical' screen pixels or 'dip' (Electron's unit for setBounds).
 * The agent reports captured (physical) pixels on every platform, macOS included (src/capture
 * pixelWindow converts macOS points by the captured/geometry ratio), so 'physical' is the default.
 */
export type WindowCoordinates = 'physical' | 'dip';

export function defaultCoordinates(_platform: NodeJS.Platform = process.platform): WindowCoordinates {
  return 'physical';
}

/**
 * The overlay's bounds (Electron DIP) for a game window. In 'physical' coordinates the window is
 * divided by the scale factor of the display that holds its centre (each display's physical origin
 * taken as its DIP origin times its scale factor, which is exact for one display and for the usual
 * side-by-side layouts). Results are whole numbers; the far edges are rounded, not the sizes, so
 * that the overlay covers the game window exactly.
 */
export function overlayBounds(game: Rect, displays: readonly DisplayInfo[], coordinates: WindowCoordinates = 'physical'): Rect {
  if (coordinates === 'dip' || displays.length === 0) {
    return { x: Math.round(game.x), y: Math.round(game.y), width: Math.round(game.width), height: Math.round(game.height) };
  }
  const cx = game.x + game.width / 2;
  const cy = game.y + game.height / 2;
  const physical = displays.map((d) => {
    const s = d.scaleFactor > 0 ? d.scaleFactor : 1;
    return { d, s, x: d.bounds.x * s, y: d.bounds.y * s, width: d.bounds.width * s, height: d.bounds.height * s };
  });
  const dist = (p: (typeof physical)[number]) => {
    const dx = Math.max(p.x - cx, 0, cx - (p.x + p.width));
    const dy = Math.max(p.y - cy, 0, cy - (p.y + p.height));
    return dx * dx + dy * dy;
  };
  const best = physical.reduce((a, b) => (dist(b) < dist(a) ? b : a));
  const toX = (px: number) => best.d.bounds.x + (px - best.x) / best.s;
  const toY = (py: number) => best.d.bounds.y + (py - best.y) / best.s;
  const x0 = Math.round(toX(game.x));
  const y0 = Math.round(toY(game.y));
  const x1 = Math.round(toX(game.x + game.width));
  const y1 = Math.round(toY(game.y + game.height));
  return { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
}


/**
 * The navigation and request guard: only the agent's own page and files (http) and its WebSocket
 * (ws) on the agent's host and port; everything else, including other ports on loopback, file:,
 * data: and javascript: URLs, is refused. `origin` is agentUrls().origin.
 */
export function isAllowedUrl(url: string, origin: string): boolean {
  let u: URL;
  let o: URL;
  try {
    u = new URL(url);
    o = new URL(origin);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.host !== o.host) return false;
  if (u.protocol === 'ws:') return true;
  if (u.protocol !== 'http:') return false;
  return u.pathname === '/overlay' || u.pathname.startsWith('/overlay/');
}

/** Reconnect delay for the main process's agent link: 250 ms doubling up to 5 s, with +-20% jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(5000, 250 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.8 + random() * 0.4));
}
