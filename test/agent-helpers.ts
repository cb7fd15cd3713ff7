// Shared by the live-agent tests: a scene PNG + VOC, a real X11 window showing it (ImageMagick
// `display`, titled like the game), a WebSocket client that records messages, IoU.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { findWindows, type SceneObject, type WindowInfo } from '../src/capture/index.ts';
import { formatVoc } from '../src/dataset/voc.ts';
import { renderScene } from '../src/synth/index.ts';
import { encodePng, type RgbImage } from '../src/image.ts';
import { needDisplay, needProgram, until } from './helpers.ts';
import { bboxIou as iou } from '../src/image.ts';

export const GAME_TITLE = 'Toontown Rewritten';
let windows = 0;
/** A title like the game's, unique to this test process (other windows on the display never match). */
export function uniqueTitle(): string {
  return `${GAME_TITLE} t${process.pid}w${++windows}`;
}

/** Skip reason for tests that need an X display with the tools to make and drive windows. */
export function needX11(): string | false {
  return needDisplay() || needProgram('display') || needProgram('xdotool') || needProgram('xwininfo');
}

/** A scene (800x600 unless told) from the demo source at t=0, written as PNG + labelImg VOC. */
export async function writeScene(dir: string, name = 'scene', size = { width: 800, height: 600 }, seed = 3): Promise<{ png: string; xml: string; image: RgbImage; objects: SceneObject[] }> {
  // A still street scene of the generator (moderate occlusion, every entity whole), as the game
  // window shows it: the same kind of scene the detector is trained and measured on.
  const scene = await renderScene({ seed, index: 0, width: size.width, height: size.height });
  const { image } = scene;
  const objects: SceneObject[] = scene.objects.map((o) => ({ label: o.label, box: o.box }));
  const png = path.join(dir, `${name}.png`);
  const xml = path.join(dir, `${name}.xml`);
  await writeFile(png, await encodePng(image));
  await writeFile(
    xml,
    formatVoc({
      folder: path.basename(dir),
      filename: `${name}.png`,
      path: png,
      source: { database: 'Unknown' },
      size: { width: image.width, height: image.height, depth: 3 },
      segmented: 0,
      objects: objects.map((o) => ({ name: o.label, pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: o.box })),
    }),
  );
  return { png, xml, image, objects };
}

export { until };

/** Shows a PNG in a window with the given title; resolves once the window is mapped. */
export async function showWindow(png: string, title: string): Promise<{ proc: ChildProcess; win: WindowInfo; close: () => Promise<void> }> {
  const proc = spawn('display', ['-title', title, '-geometry', '+40+30', png], { stdio: 'ignore' });
  const win = await until(async () => (await findWindows(title)).find((w) => !w.minimized), 20000, `a window titled '${title}'`, 100);
  const close = async () => {
    if (proc.exitCode === null) {
      proc.kill();
      await new Promise((r) => proc.once('exit', r));
    }
  };
  return { proc, win, close };
}

export function xdotool(...args: string[]): void {
  execFileSync('xdotool', args, { stdio: 'ignore', timeout: 10000 });
}

export interface Recorder {
  ws: WebSocket;
  messages: Record<string, any>[];
  frames(): Record<string, any>[];
  close(): void;
}

export function connect(port: number): Promise<Recorder> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const messages: Record<string, any>[] = [];
    ws.on('message', (d) => {
      messages.push(JSON.parse(d.toString()));
      if (messages.length > 2000) messages.splice(0, 1000);
    });
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        frames: () => messages.filter((m) => m.type === 'frame'),
        close: () => ws.close(),
      }),
    );
    ws.once('error', reject);
  });
}

export { iou };

/** Fraction of truth objects matched by a detection box with IoU >= 0.5. */
export function matchRate(objects: readonly SceneObject[], detections: readonly { bbox: number[]; label: string }[]): number {
  if (objects.length === 0) return 1;
  let hit = 0;
  for (const o of objects) {
    const tb = [o.box.xmin, o.box.ymin, o.box.xmax - o.box.xmin, o.box.ymax - o.box.ymin];
    if (detections.some((d) => iou(tb, d.bbox) >= 0.5)) hit++;
  }
  return hit / objects.length;
}
