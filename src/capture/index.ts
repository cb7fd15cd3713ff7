// Capture behind one small interface: a source gives frames (RGB pixels + where they came from).
// Sources: `window` (the game window, found by title, followed as it moves and resizes), `screen`
// (the primary monitor), `demo` (animated synthetic scenes), `folder:DIR` (replays screenshots).
//
// Platforms. Linux/X11: windows are found with node-screenshots' Window.all() (title + geometry) and,
// for windows that only set WM_NAME, `xdotool search --name`; pixels come from node-screenshots
// (xcb) where the native module loads, else from screenshot-desktop (ImageMagick `import`), cropped.
// Windows and macOS: node-screenshots for both finding and capturing (untested here: no such machine).
// High-DPI: node-screenshots reports geometry in logical units on some platforms (macOS points) and
// captures physical pixels; the frame's `window` is given in captured pixels (see pixelWindow), with the
// scale factor, so a client divides by scaleFactor for logical (CSS/DIP) units.
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { imageSize, readImage } from '../image.ts';
import type { Box, RgbImage } from '../image.ts';
import { readVoc } from '../dataset/voc.ts';
import { createDemo } from './demo.ts';
import type { DemoScene, SceneObject } from './demo.ts';
import { fallbackCapture, screenshotDesktop } from './fallback.ts';
import { nodeScreenshots, nsImageToRgb } from './native.ts';
import type { NsWindow } from './native.ts';
import { onPath, xdotoolSearch, xwininfo } from './x11.ts';
import { RunError, UsageError } from '../errors.ts';

export type { SceneObject } from './demo.ts';

export const DEFAULT_WINDOW_TITLE = 'Toontown';

export type SourceKind = 'window' | 'screen' | 'demo' | 'folder';

export interface WindowInfo {
  id: number;
  title: string;
  /** Screen position and size as the OS reports them (pixels on X11, points on macOS). */
  x: number;
  y: number;
  width: number;
  height: number;
  scaleFactor: number;
  minimized: boolean;
}

export interface FrameWindow {
  x: number;
  y: number;
  width: number;
  height: number;
  scaleFactor: number;
}

export interface CapturedFrame {
  image: RgbImage;
  /** Date.now() when the capture started. */
  capturedAt: number;
  /** performance.now() when the capture started (for latency measurements). */
  startedAt: number;
  captureMs: number;
  window: FrameWindow;
  source: SourceKind;
  title?: string;
  /** The screenshot replayed by a folder source. */
  file?: string;
  /** Objects the source knows are in the frame (demo scenes, VOC files beside replayed screenshots). */
  truth?: SceneObject[];
}

export type GrabResult = { frame: CapturedFrame; waiting?: undefined } | { frame?: undefined; waiting: string };

export interface CaptureSource {
  readonly kind: SourceKind;
  /** What the source is, for the `hello` message and logs. */
  describe(): Record<string, unknown>;
  grab(): Promise<GrabResult>;
  close(): void;
}

export type SourceSpec = { kind: 'window' | 'screen' | 'demo' } | { kind: 'folder'; dir: string };

/** Parses `window`, `screen`, `demo` or `folder:DIR`; throws an Error naming the bad value. */
export function parseSourceSpec(spec: string): SourceSpec {
  if (spec === 'window' || spec === 'screen' || spec === 'demo') return { kind: spec };
  if (spec.startsWith('folder:')) {
    const dir = spec.slice('folder:'.length);
    if (dir === '') throw new UsageError(`source '${spec}' names no folder (use folder:DIR)`);
    return { kind: 'folder', dir };
  }
  throw new UsageError(`source '${spec}' is not one of window, screen, demo, folder:DIR`);
}

/** Which pixel grabber this machine offers. */
export function captureMethod(): { method: 'node-screenshots' | 'screenshot-desktop' | 'none'; reason: string } {
  const forced = process.env.TOONVISION_CAPTURE;
  const ns = nodeScreenshots();
  const needsDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
  if (needsDisplay) return { method: 'none', reason: 'no display (DISPLAY is not set)' };
  if (forced !== 'fallback' && ns.mod) return { method: 'node-screenshots', reason: 'native module loaded' };
  const sd = screenshotDesktop();
  if (sd.shot && (process.platform !== 'linux' || onPath('import'))) {
    return { method: 'screenshot-desktop', reason: forced === 'fallback' ? 'forced by TOONVISION_CAPTURE=fallback' : (ns.reason ?? 'fallback') };
  }
  return { method: 'none', reason: [ns.reason, sd.reason ?? "ImageMagick 'import' is not on PATH"].filter(Boolean).join('; ') };
}

function nsWindows(): NsWindow[] {
  const ns = nodeScreenshots();
  if (!ns.mod) return [];
  try {
    return ns.mod.Window.all();
  } catch {
    return [];
  }
}

/** The window's geometry from node-screenshots, or null when the X server refuses it (a window being
 * unmapped, minimised or destroyed answers with an xcb protocol error for a moment). */
function infoOf(w: NsWindow, title?: string): WindowInfo | null {
  try {
    return readInfo(w, title);
  } catch {
    return null;
  }
}

function readInfo(w: NsWindow, title?: string): WindowInfo {
  let scale = 1;
  try {
    scale = w.currentMonitor().scaleFactor() || 1;
  } catch {
    /* no monitor information: assume 1 */
  }
  // Geometry as the OS reports it: pixels on X11 and (DPI-aware) Windows, points on macOS. The frame's
  // window is converted to captured pixels with the measured ratio (see pixelWindow).
  return { id: w.id(), title: title ?? w.title(), x: w.x(), y: w.y(), width: w.width(), height: w.height(), scaleFactor: scale, minimized: w.isMinimized() };
}

/**
 * The frame's window in captured pixels: the capture's own size, and the position scaled by the ratio
 * of captured pixels to reported geometry (1 on X11; the display's scale factor on macOS and on
 * Windows when the process is not DPI-aware), so boxes and window share one unit on every platform.
 */
export function pixelWindow(win: Pick<WindowInfo, 'x' | 'y' | 'width' | 'height' | 'scaleFactor'>, image: { width: number; height: number }): FrameWindow {
  const k = win.width > 0 ? image.width / win.width : 1;
  const ratio = Math.abs(k - 1) < 0.02 ? 1 : k;
  return { x: Math.round(win.x * ratio), y: Math.round(win.y * ratio), width: image.width, height: image.height, scaleFactor: ratio === 1 ? win.scaleFactor : Math.round(ratio * 100) / 100 };
}

/**
 * Windows whose title contains `title` (case-insensitive), largest first, minimised ones last.
 * Uses node-screenshots' window list, and on X11 also xdotool (for windows that set only WM_NAME).
 */
export async function findWindows(title: string = DEFAULT_WINDOW_TITLE): Promise<WindowInfo[]> {
  const want = title.toLowerCase();
  const found = new Map<number, WindowInfo>();
  const all = nsWindows();
  for (const w of all) {
    try {
      if (!w.title().toLowerCase().includes(want)) continue;
      const info = infoOf(w);
      if (info) found.set(info.id, info);
    } catch {
      /* a window that vanished while listing */
    }
  }
  if (process.platform === 'linux') {
    for (const id of await xdotoolSearch(title)) {
      if (found.has(id)) continue;
      const geo = await xwininfo(id);
      if (!geo || geo.width < 16 || geo.height < 16) continue;
      // Prefer node-screenshots' view of the same window (it can capture it by id).
      const nw = all.find((w) => w.id() === id);
      const info = nw && infoOf(nw, geo.title);
      if (info) found.set(id, info);
      else found.set(id, { id, title: geo.title, x: geo.x, y: geo.y, width: geo.width, height: geo.height, scaleFactor: 1, minimized: !geo.viewable });
    }
  }
  return [...found.values()].sort((a, b) => Number(a.minimized) - Number(b.minimized) || b.width * b.height - a.width * a.height);
}

/** The game window: the largest visible window whose title contains `title`, or null. */
export async function findGameWindow(title: string = DEFAULT_WINDOW_TITLE): Promise<WindowInfo | null> {
  const wins = await findWindows(title);
  return wins.find((w) => !w.minimized) ?? wins[0] ?? null;
}

/** Follows one game window: geometry refreshed every frame, re-found when it is gone. */
export class WindowSource implements CaptureSource {
  readonly kind = 'window' as const;
  private win: WindowInfo | null = null;
  private nsWin: NsWindow | undefined;
  // -Infinity, not 0: performance.now() starts at the process start, so 0 would skip the first
  // search of a source made within its first second.
  private lastSearch = -Infinity;
  private lastGeometry = -Infinity;
  /** True once a window has been found (the agent stops showing demo frames then). */
  everFound = false;

  constructor(
    readonly title: string = DEFAULT_WINDOW_TITLE,
    /** How often to look for the window while none is found (ms). */
    readonly retryMs = 1000,
  ) {}

  describe(): Record<string, unknown> {
    return { kind: 'window', title: this.title, method: captureMethod().method, window: this.win };
  }

  get window(): WindowInfo | null {
    return this.win;
  }

  /** Looks for the window now (throttled to retryMs unless forced). */
  async locate(force = false): Promise<WindowInfo | null> {
    const now = performance.now();
    if (!force && now - this.lastSearch < this.retryMs) return this.win;
    this.lastSearch = now;
    this.win = await findGameWindow(this.title);
    this.nsWin = this.win ? nsWindows().find((w) => w.id() === this.win!.id) : undefined;
    if (this.win) this.everFound = true;
    return this.win;
  }

  /** Re-reads the current window's geometry; null when it is gone. */
  private async refresh(): Promise<WindowInfo | null> {
    if (!this.win) return null;
    const ns = nodeScreenshots();
    if (ns.mod) {
      // Window.all() is cheap (well under 1 ms): follow moves and resizes every frame.
      const w = nsWindows().find((x) => x.id() === this.win!.id);
      const info = w && infoOf(w, this.win.title);
      if (w && info) {
        this.nsWin = w;
        this.win = info;
        return this.win;
      }
    }
    // No native module (or the window is not in its list): xwininfo, at most every 250 ms.
    const now = performance.now();
    if (now - this.lastGeometry < 250) return this.win;
    this.lastGeometry = now;
    const geo = await xwininfo(this.win.id);
    if (!geo) return (this.win = null);
    this.win = { ...this.win, x: geo.x, y: geo.y, width: geo.width, height: geo.height, minimized: !geo.viewable };
    return this.win;
  }

  async grab(): Promise<GrabResult> {
    const startedAt = performance.now();
    const capturedAt = Date.now();
    if (!this.win) {
      await this.locate();
      if (!this.win) return { waiting: `no window whose title contains '${this.title}'` };
    }
    const win = await this.refresh();
    if (!win) {
      this.lastSearch = -Infinity;
      return { waiting: `the window '${this.title}' is gone; waiting for it to come back` };
    }
    if (win.minimized) {
      this.lastSearch = -Infinity; // look again next time: the game may have been restarted as a new window
      return { waiting: `the window '${win.title}' is minimised; waiting for it` };
    }
    let image: RgbImage;
    try {
      const method = captureMethod().method;
      if (method === 'node-screenshots' && this.nsWin) {
        image = await nsImageToRgb(await this.nsWin.captureImage());
      } else if (method !== 'none') {
        image = await fallbackCapture({ x: win.x, y: win.y, width: win.width, height: win.height });
      } else {
        return { waiting: `cannot capture: ${captureMethod().reason}` };
      }
    } catch (err) {
      // Typically the window was unmapped or destroyed between the geometry read and the capture.
      this.win = null;
      this.lastSearch = -Infinity;
      return { waiting: `the window '${this.title}' could not be captured (${(err as Error).message.split('\n')[0]}); retrying` };
    }
    return {
      frame: {
        image,
        capturedAt,
        startedAt,
        captureMs: performance.now() - startedAt,
        window: pixelWindow(win, image),
        source: 'window',
        title: win.title,
      },
    };
  }

  close(): void {
    this.win = null;
    this.nsWin = undefined;
  }
}

/** The primary monitor. */
export class ScreenSource implements CaptureSource {
  readonly kind = 'screen' as const;
  describe(): Record<string, unknown> {
    return { kind: 'screen', method: captureMethod().method };
  }
  async grab(): Promise<GrabResult> {
    const startedAt = performance.now();
    const capturedAt = Date.now();
    const { method, reason } = captureMethod();
    try {
      if (method === 'node-screenshots') {
        const monitors = nodeScreenshots().mod!.Monitor.all();
        const m = monitors.find((x) => x.isPrimary()) ?? monitors[0];
        if (!m) return { waiting: 'no monitor found' };
        const image = await nsImageToRgb(await m.captureImage());
        const window = pixelWindow({ x: m.x(), y: m.y(), width: m.width(), height: m.height(), scaleFactor: m.scaleFactor() || 1 }, image);
        return { frame: { image, capturedAt, startedAt, captureMs: performance.now() - startedAt, source: 'screen', window } };
      }
      if (method === 'screenshot-desktop') {
        const image = await fallbackCapture();
        return {
          frame: { image, capturedAt, startedAt, captureMs: performance.now() - startedAt, source: 'screen', window: { x: 0, y: 0, width: image.width, height: image.height, scaleFactor: 1 } },
        };
      }
      return { waiting: `cannot capture the screen: ${reason}` };
    } catch (err) {
      return { waiting: `screen capture failed (${(err as Error).message.split('\n')[0]}); retrying` };
    }
  }
  close(): void {}
}

/** Animated synthetic scenes; time runs with the wall clock (or a fixed step with `stepSeconds`). */
export class DemoSource implements CaptureSource {
  readonly kind = 'demo' as const;
  private scene: DemoScene | undefined;
  private generator = 'none';
  private note: string | undefined;
  private readonly t0 = performance.now();
  private frames = 0;

  constructor(readonly opts: { seed?: number; width?: number; height?: number; stepSeconds?: number } = {}) {}

  async init(): Promise<this> {
    if (this.scene) return this;
    const made = await createDemo({ seed: this.opts.seed ?? 1, width: this.opts.width ?? 800, height: this.opts.height ?? 600 });
    this.scene = made.scene;
    this.generator = made.generator;
    this.note = made.note;
    return this;
  }

  describe(): Record<string, unknown> {
    return { kind: 'demo', generator: this.generator, ...(this.note ? { note: this.note } : {}), width: this.opts.width ?? 800, height: this.opts.height ?? 600 };
  }

  async grab(): Promise<GrabResult> {
    await this.init();
    const startedAt = performance.now();
    const capturedAt = Date.now();
    const t = this.opts.stepSeconds !== undefined ? this.frames * this.opts.stepSeconds : (startedAt - this.t0) / 1000;
    this.frames++;
    const { image, objects } = await this.scene!.frame(t);
    return {
      frame: {
        image, capturedAt, startedAt, captureMs: performance.now() - startedAt, source: 'demo',
        window: { x: 0, y: 0, width: image.width, height: image.height, scaleFactor: 1 },
        truth: objects,
      },
    };
  }

  close(): void {
    this.scene?.dispose?.();
  }
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** Decoded screenshots a folder source keeps in memory. */
const FOLDER_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * Replays the screenshots of a folder in name order, looping; VOC files beside them give the truth.
 * The screenshots are decoded ahead at start, as many as fit in 256 MB (40 of 1920x1080), so that
 * replaying them costs what a capture from memory costs, from the first frame on.
 */
export class FolderSource implements CaptureSource {
  readonly kind = 'folder' as const;
  private files: string[] = [];
  private next = 0;
  private readonly cache = new Map<string, { image: RgbImage; truth?: SceneObject[] }>();
  private cachedBytes = 0;

  constructor(readonly dir: string) {}

  async init(): Promise<this> {
    if (!existsSync(this.dir) || !statSync(this.dir).isDirectory()) throw new RunError(`${this.dir}: folder source is not a folder`, 'source');
    this.files = (await readdir(this.dir)).filter((f) => IMAGE_EXT.test(f)).sort().map((f) => path.join(this.dir, f));
    if (this.files.length === 0) throw new RunError(`${this.dir}: no PNG or JPEG screenshots to replay`, 'source');
    for (const file of this.files) {
      let size: { width: number; height: number };
      try {
        size = await imageSize(file);
      } catch {
        continue; // a bad file is reported when its turn comes
      }
      if (this.cachedBytes + size.width * size.height * 3 > FOLDER_CACHE_BYTES) break;
      const item = await this.load(file).catch(() => undefined);
      if (item) this.keep(file, item);
    }
    return this;
  }

  private async load(file: string): Promise<{ image: RgbImage; truth?: SceneObject[] }> {
    const image = await readImage(file);
    let truth: SceneObject[] | undefined;
    const xml = file.replace(IMAGE_EXT, '.xml');
    if (existsSync(xml)) {
      try {
        truth = (await readVoc(xml)).objects.map((o) => ({ label: o.name, box: o.bndbox as Box }));
      } catch {
        truth = undefined;
      }
    }
    return { image, truth };
  }

  private keep(file: string, item: { image: RgbImage; truth?: SceneObject[] }): void {
    if (this.cache.has(file) || this.cachedBytes + item.image.data.length > FOLDER_CACHE_BYTES) return;
    this.cache.set(file, item);
    this.cachedBytes += item.image.data.length;
  }

  describe(): Record<string, unknown> {
    return { kind: 'folder', dir: this.dir, screenshots: this.files.length };
  }

  async grab(): Promise<GrabResult> {
    if (this.files.length === 0) await this.init();
    const startedAt = performance.now();
    const capturedAt = Date.now();
    const file = this.files[this.next % this.files.length]!;
    this.next++;
    let item = this.cache.get(file);
    if (!item) {
      try {
        item = await this.load(file);
      } catch (err) {
        return { waiting: `${(err as Error).message.split('\n')[0]}; skipping it` };
      }
      this.keep(file, item);
    }
    return {
      frame: {
        image: item.image, capturedAt, startedAt, captureMs: performance.now() - startedAt, source: 'folder', file,
        window: { x: 0, y: 0, width: item.image.width, height: item.image.height, scaleFactor: 1 },
        ...(item.truth ? { truth: item.truth } : {}),
      },
    };
  }

  close(): void {
    this.cache.clear();
  }
}

export interface SourceOptions {
  title?: string;
  seed?: number;
  width?: number;
  height?: number;
  stepSeconds?: number;
}

/** Builds a source from `window`, `screen`, `demo` or `folder:DIR`. */
export async function createSource(spec: string | SourceSpec, opts: SourceOptions = {}): Promise<CaptureSource> {
  const s = typeof spec === 'string' ? parseSourceSpec(spec) : spec;
  switch (s.kind) {
    case 'window':
      return new WindowSource(opts.title ?? DEFAULT_WINDOW_TITLE);
    case 'screen':
      return new ScreenSource();
    case 'demo':
      return new DemoSource({ seed: opts.seed, width: opts.width, height: opts.height, stepSeconds: opts.stepSeconds }).init();
    case 'folder':
      return new FolderSource(s.dir).init();
  }
}
