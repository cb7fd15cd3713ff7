// Keeps the overlay window exactly over the game window that the agent reports (`hello`, `frame`,
// `status` messages of protocol v1): moves/resizes it when the game window moves or resizes, hides
// it while the agent waits for the game window. Pure logic over a small window interface.
import { type DisplayInfo, type Rect, type WindowCoordinates, defaultCoordinates, isRect, overlayBounds } from './window.ts';

/** What the follower needs of an Electron BrowserWindow. */
export interface OverlayTarget {
  setBounds(bounds: Rect): void;
  showInactive(): void;
  hide(): void;
  isVisible(): boolean;
}

export interface FollowerOptions {
  /** The displays now (Electron: screen.getAllDisplays()). */
  displays: () => readonly DisplayInfo[];
  coordinates?: WindowCoordinates;
  /** Told when the overlay is shown or hidden, and why (for the log). */
  onChange?(visible: boolean, reason: string): void;
}

/**
 * True when the agent's frames come from a source with no window on this screen (the `demo` scenes,
 * a `folder:` of screenshots): there is nothing to cover, so the overlay stays hidden.
 */
export function isVirtualSource(source: unknown): boolean {
  const kind = typeof source === 'string' ? source : typeof source === 'object' && source !== null ? (source as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' && (kind === 'demo' || kind.startsWith('folder'));
}

function sameRect(a: Rect | null, b: Rect | null): boolean {
  return !!a && !!b && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

/** The game window a message reports, if any: frame.window, hello.window or hello.source.window. */
export function reportedWindow(msg: unknown): Rect | null {
  if (typeof msg !== 'object' || msg === null) return null;
  const m = msg as Record<string, unknown>;
  if (m.type === 'frame' && isRect(m.window)) return m.window;
  if (m.type === 'hello') {
    if (isRect(m.window)) return m.window;
    const source = m.source as Record<string, unknown> | undefined;
    if (source && isRect(source.window)) return source.window;
  }
  return null;
}

export class GameWindowFollower {
  /** The game window last reported (agent coordinates). */
  game: Rect | null = null;
  /** The overlay bounds last applied (DIP). */
  bounds: Rect | null = null;
  /** True while the agent says it waits for the game window. */
  waiting = false;
  /** True while the agent's source has no window on this screen (demo, folder). */
  virtual = false;
  private readonly coordinates: WindowCoordinates;

  constructor(private readonly target: OverlayTarget, private readonly opts: FollowerOptions) {
    this.coordinates = opts.coordinates ?? defaultCoordinates();
  }

  /** Feeds one agent message (already parsed JSON). Unknown messages are ignored. */
  handle(msg: unknown): void {
    if (typeof msg !== 'object' || msg === null || (msg as { v?: unknown }).v !== 1) return;
    const m = msg as { type?: unknown; state?: unknown };
    if (m.type === 'status') {
      this.waiting = m.state === 'waiting-for-window';
      this.apply();
      return;
    }
    if (m.type !== 'hello' && m.type !== 'frame') return;
    const source = (msg as { source?: unknown }).source;
    const virtual = source === undefined ? this.virtual : isVirtualSource(source);
    const rect = reportedWindow(msg);
    const waiting = m.type === 'hello' && typeof m.state === 'string' ? m.state === 'waiting-for-window' : this.waiting;
    if (!rect && virtual === this.virtual && waiting === this.waiting) return;
    this.virtual = virtual;
    this.waiting = waiting;
    if (rect) {
      if (m.type === 'frame') this.waiting = false;
      this.game = { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
    }
    this.apply();
  }

  /** Recomputes the bounds (after a display was added, removed or rescaled). */
  refresh(): void {
    this.bounds = null;
    this.apply();
  }

  private apply(): void {
    if (!this.game || this.waiting || this.virtual) {
      if (this.target.isVisible()) {
        this.target.hide();
        this.opts.onChange?.(false, this.virtual ? 'the agent shows demo/folder frames, not a window on this screen' : 'the agent waits for the game window');
      }
      return;
    }
    const b = overlayBounds(this.game, this.opts.displays(), this.coordinates);
    if (!sameRect(b, this.bounds)) {
      this.target.setBounds(b);
      this.bounds = b;
    }
    if (!this.target.isVisible()) {
      this.target.showInactive();
      this.opts.onChange?.(true, `over the game window at ${b.x},${b.y} ${b.width}x${b.height}`);
    }
  }
}
