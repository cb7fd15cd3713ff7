// The overlay page: connects to the agent's WebSocket (protocol v1, ../shared/CLI.md), draws each
// `frame` on a full-size transparent canvas, shows a small HUD (connection, FPS, latency, paused;
// with the companion on, the player's ToonTasks in their marking colours) and a toast when a capture
// was saved. Reconnects by itself with backoff; old boxes fade out. Every message is checked with the
// agent's own rules (protocol.js): a malformed one is ignored and the HUD says so; a message type of
// a newer agent is passed over.
//
// Query parameters: ?ws=ws://host:port/ (another agent), ?hud=0 (no HUD, e.g. for OBS),
// ?hold=MS (how long boxes stay at full opacity after the last frame before fading).
import { countMarked, drawDetections, taskLegend } from './render.js';
import { checkMessage, isKnownMessage, PROTOCOL_VERSION } from './protocol.js';

const params = new URLSearchParams(location.search);
const WS_URL = params.get('ws') || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
const SHOW_HUD = params.get('hud') !== '0';
const HOLD_MS = params.has('hold') ? Math.max(0, Number(params.get('hold')) || 0) : null;
const FADE_MS = 700;
const TOAST_MS = 3500;

const canvas = document.getElementById('boxes');
const ctx = canvas.getContext('2d');
const hud = document.getElementById('hud');
const hudConn = document.getElementById('hud-conn');
const hudStats = document.getElementById('hud-stats');
const hudState = document.getElementById('hud-state');
const hudWarn = document.getElementById('hud-warn');
const toast = document.getElementById('toast');
const tasksBox = document.getElementById('tasks');
const root = document.documentElement;
if (!SHOW_HUD) hud.hidden = true;

const state = {
  conn: 'connecting',
  attempt: 0,
  retryAt: 0,
  agent: null,
  status: null,
  statusMessage: '',
  companion: null,
  frame: null,
  frameAt: 0,
  frameTimes: [],
  latencySent: null,
  latencyCaptured: null,
  dirty: true,
  drawnAlpha: -1,
  ignored: 0,
  lastIgnored: '',
};

// ---- connection -----------------------------------------------------------------------------

/** Reconnect delay: 250 ms doubling to 5 s, with +-20% jitter so that many pages do not sync up. */
function backoff(attempt) {
  const base = Math.min(5000, 250 * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function setConn(conn) {
  state.conn = conn;
  root.dataset.conn = conn;
  updateHud();
}

function connect() {
  setConn(state.attempt === 0 && !state.agent ? 'connecting' : 'reconnecting');
  let ws;
  try {
    ws = new WebSocket(WS_URL);
  } catch (err) {
    console.error(`toonvision overlay: bad WebSocket URL ${WS_URL}: ${err}`);
    setConn('error');
    return;
  }
  ws.onopen = () => {
    state.attempt = 0;
    setConn('connected');
  };
  ws.onmessage = (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      ignore('message: not JSON');
      return;
    }
    // A type this page does not know (a newer agent's) is not an error: it is passed over.
    if (msg && msg.v === PROTOCOL_VERSION && typeof msg.type === 'string' && !isKnownMessage(msg)) return;
    const err = checkMessage(msg);
    if (err) ignore(err);
    else handle(msg);
  };
  ws.onclose = () => {
    const delay = backoff(state.attempt++);
    state.retryAt = performance.now() + delay;
    setConn('disconnected');
    setTimeout(connect, delay);
  };
}

/** A malformed message is dropped whole (never half-drawn), counted, and named in the HUD. */
function ignore(reason) {
  state.ignored++;
  state.lastIgnored = reason;
  root.dataset.ignored = String(state.ignored);
  console.warn(`toonvision overlay: ignored a malformed message (${reason})`);
  updateHud();
}

function epochMs(t) {
  if (typeof t === 'number' && Number.isFinite(t)) return t;
  if (typeof t === 'string') {
    const n = Date.parse(t);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

/** Exponential moving average, so that the HUD does not flicker. */
function ema(prev, x) {
  return prev === null ? x : prev * 0.8 + x * 0.2;
}

function handle(msg) {
  switch (msg.type) {
    case 'hello':
      state.agent = msg;
      root.dataset.agent = String(msg.agent ?? '');
      document.getElementById('hud-title').textContent = msg.source?.kind === 'demo' ? 'ToonVision · demo' : 'ToonVision';
      if (typeof msg.state === 'string') {
        state.status = msg.state;
        root.dataset.status = msg.state;
      }
      if ('companion' in msg) setCompanion(msg.companion);
      break;
    case 'frame': {
      const now = performance.now();
      const wall = Date.now();
      state.frame = msg;
      state.frameAt = now;
      state.frameTimes.push(now);
      while (state.frameTimes.length > 0 && now - state.frameTimes[0] > 2000) state.frameTimes.shift();
      const sent = epochMs(msg.sentAt);
      const captured = epochMs(msg.capturedAt);
      if (sent !== null) state.latencySent = ema(state.latencySent, Math.max(0, wall - sent));
      if (captured !== null) state.latencyCaptured = ema(state.latencyCaptured, Math.max(0, wall - captured));
      state.dirty = true;
      root.dataset.frameId = String(msg.frameId ?? '');
      break;
    }
    case 'status':
      state.status = msg.state ?? null;
      state.statusMessage = msg.message ?? '';
      root.dataset.status = String(msg.state ?? '');
      if ('companion' in msg) setCompanion(msg.companion);
      break;
    case 'capture':
      showToast(msg);
      break;
    default:
      return;
  }
  updateHud();
}

/** The companion's Toon and ToonTasks: kept for the marks' progress, listed under the HUD. */
function setCompanion(c) {
  state.companion = c && typeof c === 'object' ? c : null;
  state.dirty = true;
  root.dataset.companion = state.companion ? (state.companion.connected ? 'connected' : String(state.companion.state ?? 'off')) : '';
  if (!tasksBox) return;
  tasksBox.replaceChildren();
  const lines = state.companion?.connected ? taskLegend(state.companion.tasks) : [];
  for (const line of lines) {
    const li = document.createElement('li');
    li.dataset.task = String(line.task);
    const dot = document.createElement('span');
    dot.className = 'task-dot';
    dot.style.background = line.colour;
    li.append(dot, line.text);
    tasksBox.append(li);
  }
  if (state.companion?.invasion?.cog) {
    const li = document.createElement('li');
    li.className = 'invasion';
    li.textContent = `Invasion: ${String(state.companion.invasion.cog).replace(/[\x00-\x1f]/g, '')}`;
    tasksBox.append(li);
  }
  tasksBox.hidden = !SHOW_HUD || tasksBox.childElementCount === 0;
}

// ---- HUD and toast --------------------------------------------------------------------------

/** Frames per second over the last 2 s; null until there are two frames to measure. */
function fps() {
  const t = state.frameTimes;
  if (t.length === 0 || performance.now() - t[t.length - 1] > 2000) return 0;
  if (t.length < 2) return null;
  return ((t.length - 1) * 1000) / Math.max(1, t[t.length - 1] - t[0]);
}

function updateHud() {
  if (!SHOW_HUD) return;
  const labels = {
    connecting: 'connecting…',
    connected: 'connected',
    reconnecting: 'reconnecting…',
    disconnected: `agent offline · retry in ${Math.max(0, Math.ceil((state.retryAt - performance.now()) / 1000))} s`,
    error: 'bad ?ws= URL',
  };
  hud.dataset.conn = state.conn;
  hudConn.textContent = labels[state.conn] ?? state.conn;
  if (state.conn === 'connected') {
    const f = fps();
    const parts = [f === null ? '– fps' : `${f.toFixed(1)} fps`];
    if (state.latencySent !== null) parts.push(`latency ${Math.round(state.latencySent)} ms`);
    if (state.latencyCaptured !== null) parts.push(`since capture ${Math.round(state.latencyCaptured)} ms`);
    hudStats.textContent = parts.join(' · ');
  } else {
    hudStats.textContent = '';
  }
  const s = state.status;
  hudState.hidden = !s || s === 'running';
  hudState.textContent = s === 'paused' ? 'paused' : s === 'waiting-for-window' ? 'waiting for the game' : s ?? '';
  hudState.title = state.statusMessage;
  hudState.dataset.state = s ?? '';
  hudWarn.hidden = state.ignored === 0;
  hudWarn.textContent = state.ignored ? `ignored ${state.ignored} malformed message${state.ignored === 1 ? '' : 's'}` : '';
  hudWarn.title = state.lastIgnored;
}

let toastTimer = 0;
function showToast(msg) {
  const file = String(msg.file ?? '').split(/[\\/]/).pop();
  const n = Array.isArray(msg.objects) ? msg.objects.length : Number(msg.objects);
  const objects = Number.isFinite(n) ? ` · ${n} object${n === 1 ? '' : 's'}` : '';
  toast.textContent = `Capture saved${file ? `: ${file}` : ''}${objects}`;
  if (file) {
    // In a browser (not the click-through Electron window) the toast opens the capture in the labelling page.
    const link = document.createElement('a');
    link.id = 'toast-link';
    link.href = `/label#${encodeURIComponent(file)}`;
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'label it';
    toast.append(' · ', link);
  }
  toast.hidden = false;
  // restart the CSS transition
  toast.classList.remove('show');
  void toast.offsetWidth;
  toast.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toast.classList.remove('show');
    toastTimer = setTimeout(() => (toast.hidden = true), 400);
  }, TOAST_MS);
}

// ---- drawing --------------------------------------------------------------------------------

let cssW = 0;
let cssH = 0;
function resize() {
  const dpr = window.devicePixelRatio || 1;
  cssW = window.innerWidth;
  cssH = window.innerHeight;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  state.dirty = true;
}

/** How long boxes stay at full opacity: ?hold=, else 2.5 frame intervals, at least 1 s. */
function holdMs() {
  if (HOLD_MS !== null) return HOLD_MS;
  const t = state.frameTimes;
  const interval = t.length >= 2 ? (t[t.length - 1] - t[0]) / (t.length - 1) : 0;
  return Math.max(1000, interval * 2.5);
}

function alphaNow() {
  if (!state.frame) return 0;
  const age = performance.now() - state.frameAt;
  const hold = holdMs();
  if (age <= hold) return 1;
  return Math.max(0, 1 - (age - hold) / FADE_MS);
}

function render() {
  const alpha = alphaNow();
  const a = Math.round(alpha * 50) / 50;
  if (state.dirty || a !== state.drawnAlpha) {
    ctx.clearRect(0, 0, cssW, cssH);
    let drawn = 0;
    const tasks = state.companion?.tasks ?? [];
    if (state.frame && a > 0) drawn = drawDetections(ctx, state.frame.detections, state.frame.window, cssW, cssH, a, tasks);
    state.drawnAlpha = a;
    state.dirty = false;
    root.dataset.drawnFrame = a > 0 && state.frame ? String(state.frame.frameId ?? '') : '';
    root.dataset.boxes = String(drawn);
    root.dataset.marked = String(a > 0 && state.frame ? countMarked(state.frame.detections) : 0);
  }
  requestAnimationFrame(render);
}

window.addEventListener('resize', resize);
resize();
setInterval(updateHud, 500);
requestAnimationFrame(render);
connect();
