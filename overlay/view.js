// /view: the agent's live frames (GET /frame.jpg) with the labels of exactly that frame (its
// X-Toonvision-Frame header) drawn over them by the overlay's own drawing code. One request at a
// time, none while the tab is hidden: the agent encodes a frame only when someone looks. The header is
// checked with the agent's own rules (protocol.js): a malformed one is not drawn, and the page says so.
import { drawDetections } from './render.js';
import { checkFrameView } from './protocol.js';

const canvas = document.getElementById('view');
const ctx = canvas.getContext('2d');
const info = document.getElementById('info');
const MIN_GAP_MS = 40;
let shown = 0;
let lastId = -1;
let ignored = 0;

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function paint(bitmap, meta) {
  const dpr = window.devicePixelRatio || 1;
  const cw = window.innerWidth;
  const ch = window.innerHeight;
  if (canvas.width !== Math.round(cw * dpr) || canvas.height !== Math.round(ch * dpr)) {
    canvas.width = Math.round(cw * dpr);
    canvas.height = Math.round(ch * dpr);
  }
  const scale = Math.min(cw / bitmap.width, ch / bitmap.height);
  const w = bitmap.width * scale;
  const h = bitmap.height * scale;
  const x = (cw - w) / 2;
  const y = (ch - h) / 2;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cw, ch);
  ctx.drawImage(bitmap, x, y, w, h);
  ctx.translate(x, y);
  const n = drawDetections(ctx, meta.detections, meta.window, w, h);
  shown++;
  document.body.dataset.frames = String(shown);
  info.textContent = `frame ${meta.frameId} · ${bitmap.width}x${bitmap.height} · ${n} box${n === 1 ? '' : 'es'}`;
}

async function run() {
  for (;;) {
    if (document.hidden) {
      await sleep(250);
      continue;
    }
    const started = performance.now();
    try {
      const res = await fetch('/frame.jpg', { cache: 'no-store' });
      if (!res.ok) {
        info.textContent = res.status === 503 ? 'waiting for the first frame…' : `no frame (${res.status})`;
        await sleep(500);
        continue;
      }
      let meta;
      let problem;
      try {
        meta = JSON.parse(res.headers.get('x-toonvision-frame') ?? 'null');
        problem = checkFrameView(meta);
      } catch {
        problem = 'X-Toonvision-Frame: not JSON';
      }
      if (problem) {
        ignored++;
        document.body.dataset.ignored = String(ignored);
        info.textContent = `ignored a malformed frame (${problem}); waiting for the next one`;
        await sleep(500);
        continue;
      }
      const blob = await res.blob();
      if (meta.frameId !== lastId) {
        lastId = meta.frameId;
        const bitmap = await createImageBitmap(blob);
        paint(bitmap, meta);
        bitmap.close();
      }
    } catch (err) {
      info.textContent = `agent not reachable (${err.message}); retrying`;
      await sleep(1000);
    }
    const wait = MIN_GAP_MS - (performance.now() - started);
    if (wait > 0) await sleep(wait);
  }
}

void run();
