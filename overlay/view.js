// /view: the agent's live frames (GET /frame.jpg) with the labels of exactly that frame (its
// X-Toonvision-Frame header) drawn over them by the overlay's own drawing code. One request at a
// time, none while the tab is hidden: the agent encodes a frame only when someone looks. The header is
// checked with the agent's own rules (protocol.js): a malformed one is not drawn, and the page says so.
// A switch turns the companion (the player's ToonTasks from the game) on and off (POST /api/companion);
// its tasks are listed in their marking colours and the marks on the Cogs show their progress.
import { countMarked, drawDetections, taskLegend } from './render.js';
import { checkFrameView } from './protocol.js';

const canvas = document.getElementById('view');
const ctx = canvas.getContext('2d');
const info = document.getElementById('info');
const MIN_GAP_MS = 40;
let shown = 0;
let lastId = -1;
let ignored = 0;
let companion = null;
const companionBox = document.getElementById('companion');
const toggle = document.getElementById('companion-toggle');
const companionState = document.getElementById('companion-state');
const tasksList = document.getElementById('tasks');

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
  const n = drawDetections(ctx, meta.detections, meta.window, w, h, 1, companion?.tasks ?? []);
  shown++;
  document.body.dataset.frames = String(shown);
  document.body.dataset.marked = String(countMarked(meta.detections));
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

function showCompanion(c) {
  companion = c;
  companionBox.hidden = false;
  toggle.checked = c.enabled === true;
  document.body.dataset.companion = c.enabled ? (c.connected ? 'connected' : String(c.state ?? '')) : 'off';
  companionState.textContent = c.message ?? '';
  tasksList.replaceChildren();
  for (const line of c.connected ? taskLegend(c.tasks) : []) {
    const li = document.createElement('li');
    li.dataset.task = String(line.task);
    const dot = document.createElement('span');
    dot.className = 'task-dot';
    dot.style.background = line.colour;
    li.append(dot, line.text);
    tasksList.append(li);
  }
  if (c.connected && c.invasion?.cog) {
    const li = document.createElement('li');
    li.className = 'invasion';
    li.textContent = `Invasion: ${String(c.invasion.cog).replace(/[\x00-\x1f]/g, '')}`;
    tasksList.append(li);
  }
}

async function refreshCompanion() {
  try {
    const res = await fetch('/api/companion', { cache: 'no-store' });
    if (res.ok) showCompanion(await res.json());
  } catch {
    /* the agent is away: run() says so */
  }
}

toggle.addEventListener('change', async () => {
  toggle.disabled = true;
  try {
    const res = await fetch('/api/companion', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on: toggle.checked }) });
    if (res.ok) showCompanion(await res.json());
    else companionState.textContent = `not switched (${res.status})`;
  } finally {
    toggle.disabled = false;
  }
});

setInterval(() => {
  if (!document.hidden) void refreshCompanion();
}, 2000);
void refreshCompanion();
void run();
