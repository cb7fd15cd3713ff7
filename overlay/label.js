// The labelling page (/label): the screenshots of raw/screenshots, one at a time on a canvas with its
// boxes; draw, move, resize and delete boxes, give them labels by type-ahead, save as labelImg VOC
// through the agent's API (../shared/CLI.md, "Labelling in the browser"), retrain from the page.
// Keys as in labelImg: W new box, A/D previous/next, Del delete, Ctrl+S save, Space verified.
import { colourOf, labelText } from './render.js';

const $ = (id) => document.getElementById(id);
const canvas = $('canvas');
const ctx = canvas.getContext('2d');
const input = $('label-input');
const HANDLE = 7;
const MIN_BOX = 2;

const state = {
  labels: [], // [{label, description}]
  shots: [],
  doc: null, // {file, width, height, verified, version, objects}
  image: null,
  selected: -1,
  dirty: false,
  mode: 'select',
  view: { zoom: 1, x: 0, y: 0 },
  drag: null,
  suggestion: 0,
  recent: JSON.parse(localStorage.getItem('toonvision.recent') || '[]').filter((l) => typeof l === 'string').slice(0, 9),
};

// ---- API ------------------------------------------------------------------------------------
async function api(path, opts = {}) {
  const res = await fetch(path, { ...opts, headers: opts.body ? { 'content-type': 'application/json' } : {} });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { status: res.status, ok: res.ok, body };
}

const enc = (file) => encodeURIComponent(file);

function status(text) {
  $('status').textContent = text;
}

function banner(text, kind = 'error', reload = false) {
  $('banner').hidden = !text;
  $('banner').dataset.kind = kind;
  $('banner-text').textContent = text || '';
  $('banner-reload').hidden = !reload;
}

function setDirty(d) {
  state.dirty = d;
  $('dirty').hidden = !d;
}

// ---- list -----------------------------------------------------------------------------------
function stateOf(s) {
  if (s.error) return 'error';
  if (s.verified) return 'verified';
  return s.labelled ? 'labelled' : 'predicted';
}

async function loadList() {
  const r = await api('/api/screenshots');
  if (!r.ok) {
    banner(r.body?.error ?? `cannot list the screenshots (${r.status})`);
    return;
  }
  state.shots = r.body.screenshots;
  $('root').textContent = `${r.body.root}/raw/screenshots · ${state.shots.length} screenshot${state.shots.length === 1 ? '' : 's'}`;
  renderList();
}

function renderList() {
  const ul = $('shots');
  ul.replaceChildren(
    ...state.shots.map((s) => {
      const li = document.createElement('li');
      li.dataset.file = s.file;
      if (state.doc?.file === s.file) li.className = 'current';
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = s.file;
      name.title = s.error ?? s.file;
      const st = document.createElement('span');
      st.className = 'state';
      st.dataset.state = stateOf(s);
      st.textContent = stateOf(s) === 'predicted' ? 'predicted only' : `${stateOf(s)} · ${s.objects}`;
      li.append(name, st);
      li.addEventListener('click', () => void open(s.file));
      return li;
    }),
  );
  if (state.shots.length === 0) {
    const li = document.createElement('li');
    li.textContent = 'No screenshots yet: press F9 in the game.';
    ul.append(li);
  }
}

// ---- one screenshot -------------------------------------------------------------------------
function confirmLeave() {
  return !state.dirty || window.confirm('This screenshot has unsaved changes. Leave it and lose them?');
}

async function open(file, { force = false } = {}) {
  if (!force && state.doc && state.doc.file !== file && !confirmLeave()) return false;
  const r = await api(`/api/screenshots/${enc(file)}/labels`);
  if (!r.ok) {
    banner(r.body?.error ?? `cannot open ${file} (${r.status})`);
    return false;
  }
  const img = new Image();
  img.src = `/api/screenshots/${enc(file)}`;
  try {
    await img.decode();
  } catch {
    banner(`${file}: the image does not load`);
    return false;
  }
  state.doc = r.body;
  state.image = img;
  state.selected = -1;
  setDirty(false);
  banner('');
  history.replaceState(null, '', `#${enc(file)}`);
  $('verified').checked = Boolean(state.doc.verified);
  const predicted = state.doc.objects.filter((o) => o.predicted).length;
  status(predicted ? `${file}: no labels yet; ${predicted} prediction${predicted === 1 ? '' : 's'} of the current models (dashed, least certain first)` : `${file}: ${state.doc.objects.length} box${state.doc.objects.length === 1 ? '' : 'es'}`);
  fit();
  renderList();
  renderBoxes();
  draw();
  return true;
}

function step(delta) {
  if (state.shots.length === 0) return;
  const i = state.shots.findIndex((s) => s.file === state.doc?.file);
  const j = Math.max(0, Math.min(state.shots.length - 1, (i < 0 ? 0 : i + delta)));
  if (j !== i) void open(state.shots[j].file);
}

async function save() {
  const doc = state.doc;
  if (!doc) return;
  const kept = doc.objects.filter((o) => !o.predicted);
  const unlabelled = kept.findIndex((o) => !o.label);
  if (unlabelled >= 0) {
    select(doc.objects.indexOf(kept[unlabelled]));
    banner('A box has no label yet: pick one, then save.');
    input.focus();
    return;
  }
  const body = {
    verified: Boolean(doc.verified),
    version: doc.version,
    objects: kept.map((o) => ({ label: o.label, bbox: o.bbox.map((v) => Math.round(v)), difficult: Boolean(o.difficult), pose: o.pose, truncated: o.truncated })),
  };
  const r = await api(`/api/screenshots/${enc(doc.file)}/labels`, { method: 'PUT', body: JSON.stringify(body) });
  if (r.status === 409) {
    banner(`Not saved: ${r.body?.error ?? 'the file changed on disk'}. Reload to see the file as it is now (your edits here are then lost), or close this and keep editing.`, 'error', true);
    return;
  }
  if (!r.ok) {
    banner(`Not saved: ${r.body?.error ?? `error ${r.status}`}`);
    return;
  }
  doc.version = r.body.version;
  const left = doc.objects.length - kept.length;
  doc.objects = kept;
  state.selected = -1;
  setDirty(false);
  banner(`Saved ${r.body.saved} (${r.body.objects} box${r.body.objects === 1 ? '' : 'es'})${left ? `; ${left} prediction${left === 1 ? '' : 's'} not accepted were left out` : ''}`, 'info');
  const entry = state.shots.find((s) => s.file === doc.file);
  if (entry) Object.assign(entry, { labelled: true, verified: body.verified, objects: r.body.objects, error: undefined });
  renderList();
  renderBoxes();
  draw();
}

// ---- boxes ----------------------------------------------------------------------------------
function select(i) {
  state.selected = i;
  const o = state.doc?.objects[i];
  $('difficult').checked = Boolean(o?.difficult);
  input.value = o?.label ?? '';
  renderSuggestions();
  renderBoxes();
  draw();
}

function edited(o) {
  if (o) o.predicted = false;
  setDirty(true);
  renderBoxes();
  draw();
}

function setLabel(label) {
  const o = state.doc?.objects[state.selected];
  if (!o) return;
  o.label = label;
  o.score = undefined;
  state.recent = [label, ...state.recent.filter((l) => l !== label)].slice(0, 9);
  localStorage.setItem('toonvision.recent', JSON.stringify(state.recent));
  renderRecent();
  input.value = label;
  edited(o);
  input.blur();
  canvas.focus();
}

function deleteSelected() {
  if (!state.doc || state.selected < 0) return;
  state.doc.objects.splice(state.selected, 1);
  state.selected = -1;
  edited(null);
}

function acceptAll() {
  if (!state.doc) return;
  let n = 0;
  for (const o of state.doc.objects) if (o.predicted) {
    o.predicted = false;
    n++;
  }
  if (n) edited(null);
  status(`accepted ${n} prediction${n === 1 ? '' : 's'}`);
}

function describe(o) {
  if (!o.label) return '(no label)';
  return labelText({ label: o.label, score: o.predicted ? o.score : undefined });
}

function renderBoxes() {
  const ul = $('boxes');
  const objs = state.doc?.objects ?? [];
  ul.replaceChildren(
    ...objs.map((o, i) => {
      const li = document.createElement('li');
      li.textContent = describe(o);
      if (o.predicted) li.classList.add('predicted');
      if (i === state.selected) li.classList.add('selected');
      const small = document.createElement('small');
      const [x, y, w, h] = o.bbox.map((v) => Math.round(v));
      small.textContent = ` ${o.label || ''} ${x},${y} ${w}×${h}${o.difficult ? ' · difficult' : ''}${o.predicted ? ' · prediction' : ''}`;
      li.dataset.bbox = [x, y, w, h].join(',');
      li.dataset.label = o.label;
      li.append(small);
      li.addEventListener('click', () => select(i));
      return li;
    }),
  );
}

function renderRecent() {
  $('recent').replaceChildren(
    ...state.recent.map((l) => {
      const li = document.createElement('li');
      li.textContent = l;
      li.addEventListener('click', () => setLabel(l));
      return li;
    }),
  );
}

// ---- type-ahead -----------------------------------------------------------------------------
function matches(q) {
  const words = q.toLowerCase().split(/[\s_·]+/).filter(Boolean);
  if (words.length === 0) return state.labels;
  const exact = state.labels.filter((l) => l.label === q.toLowerCase());
  const rest = state.labels.filter((l) => {
    const hay = `${l.label} ${l.description}`.toLowerCase().replace(/[^a-z0-9 ]/g, ' ');
    const compact = hay.replace(/ /g, '');
    return l.label !== q.toLowerCase() && words.every((w) => hay.includes(w) || compact.includes(w));
  });
  return [...exact, ...rest];
}

function renderSuggestions() {
  const list = document.activeElement === input ? matches(input.value).slice(0, 12) : [];
  state.suggestion = Math.min(state.suggestion, Math.max(0, list.length - 1));
  $('suggestions').replaceChildren(
    ...list.map((l, i) => {
      const li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(i === state.suggestion));
      li.dataset.label = l.label;
      li.textContent = `${l.label} `;
      const small = document.createElement('small');
      small.textContent = l.description;
      li.append(small);
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        setLabel(l.label);
      });
      return li;
    }),
  );
  return list;
}

input.addEventListener('input', () => {
  state.suggestion = 0;
  renderSuggestions();
});
input.addEventListener('focus', () => {
  input.select();
  renderSuggestions();
});
input.addEventListener('blur', () => setTimeout(() => renderSuggestions(), 0));
input.addEventListener('keydown', (e) => {
  const list = matches(input.value).slice(0, 12);
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
    e.preventDefault();
    void save();
  } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    state.suggestion = (state.suggestion + (e.key === 'ArrowDown' ? 1 : list.length - 1)) % Math.max(1, list.length);
    renderSuggestions();
  } else if (e.key === 'Enter' || e.key === 'Tab') {
    const pick = list[state.suggestion];
    if (pick) {
      e.preventDefault();
      setLabel(pick.label);
    }
  } else if (e.key === 'Escape') {
    input.value = state.doc?.objects[state.selected]?.label ?? '';
    input.blur();
    canvas.focus();
  }
  e.stopPropagation();
});

// ---- view: zoom and pan ---------------------------------------------------------------------
function resize() {
  const r = canvas.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(r.width * dpr));
  canvas.height = Math.max(1, Math.round(r.height * dpr));
}

function fit() {
  resize();
  if (!state.doc) return;
  const r = canvas.getBoundingClientRect();
  const z = Math.min(r.width / state.doc.width, r.height / state.doc.height);
  state.view = { zoom: z, x: (r.width - state.doc.width * z) / 2, y: (r.height - state.doc.height * z) / 2 };
  draw();
}

function zoomAt(factor, cx, cy) {
  const v = state.view;
  const z = Math.max(0.05, Math.min(20, v.zoom * factor));
  v.x = cx - ((cx - v.x) * z) / v.zoom;
  v.y = cy - ((cy - v.y) * z) / v.zoom;
  v.zoom = z;
  draw();
}

function zoomCentre(factor) {
  const r = canvas.getBoundingClientRect();
  zoomAt(factor, r.width / 2, r.height / 2);
}

/** Canvas (CSS pixel) point of a mouse event. */
function point(e) {
  const r = canvas.getBoundingClientRect();
  return { x: e.clientX - r.left, y: e.clientY - r.top };
}

function toImage(p) {
  const v = state.view;
  return { x: (p.x - v.x) / v.zoom, y: (p.y - v.y) / v.zoom };
}

function clampBox(b) {
  const W = state.doc.width;
  const H = state.doc.height;
  let [x, y, w, h] = b;
  x = Math.max(0, Math.min(W - 1, x));
  y = Math.max(0, Math.min(H - 1, y));
  w = Math.max(1, Math.min(W - x, w));
  h = Math.max(1, Math.min(H - y, h));
  return [x, y, w, h];
}

// ---- drawing --------------------------------------------------------------------------------
function handles(b) {
  const [x, y, w, h] = b;
  return [
    ['nw', x, y], ['n', x + w / 2, y], ['ne', x + w, y], ['e', x + w, y + h / 2],
    ['se', x + w, y + h], ['s', x + w / 2, y + h], ['sw', x, y + h], ['w', x, y + h / 2],
  ];
}

/** True for a colour (#rrggbb) light enough to carry dark text. */
function bright(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.55;
}

function draw() {
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!state.doc || !state.image) return;
  const v = state.view;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.imageSmoothingEnabled = v.zoom < 2;
  ctx.drawImage(state.image, v.x, v.y, state.doc.width * v.zoom, state.doc.height * v.zoom);
  ctx.font = '600 12px system-ui, "DejaVu Sans", Arial, sans-serif';
  ctx.textBaseline = 'bottom';
  const objs = state.doc.objects;
  const boxes = state.drag?.kind === 'new' ? [...objs, { label: '', bbox: state.drag.box, fresh: true }] : objs;
  boxes.forEach((o, i) => {
    const [x, y, w, h] = o.bbox;
    const sx = v.x + x * v.zoom;
    const sy = v.y + y * v.zoom;
    const sw = w * v.zoom;
    const sh = h * v.zoom;
    const colour = o.label ? colourOf({ label: o.label }) : '#ffffff';
    const sel = i === state.selected;
    ctx.setLineDash(o.predicted || o.fresh ? [6, 4] : []);
    ctx.lineWidth = sel ? 3 : 2;
    ctx.strokeStyle = 'rgba(0,0,0,0.5)';
    ctx.strokeRect(sx - 1, sy - 1, sw + 2, sh + 2);
    ctx.strokeStyle = colour;
    ctx.strokeRect(sx, sy, sw, sh);
    ctx.setLineDash([]);
    if (o.difficult) {
      ctx.fillStyle = 'rgba(255,255,255,0.12)';
      ctx.fillRect(sx, sy, sw, sh);
    }
    if (!o.fresh) {
      const text = `${describe(o)}${o.difficult ? ' (difficult)' : ''}`;
      const tw = ctx.measureText(text).width + 8;
      const ty = sy > 18 ? sy - 16 : sy;
      const tx = Math.max(0, Math.min(sx, canvas.width / dpr - tw));
      // A tab in the box's colour, its text dark or light by the colour's brightness.
      ctx.globalAlpha = o.predicted ? 0.75 : 0.9;
      ctx.fillStyle = colour;
      ctx.fillRect(tx, ty, tw, 16);
      ctx.globalAlpha = 1;
      ctx.fillStyle = bright(colour) ? '#111111' : '#ffffff';
      ctx.fillText(text, tx + 4, ty + 15);
    }
    if (sel) {
      ctx.fillStyle = '#ffffff';
      ctx.strokeStyle = '#000000';
      ctx.lineWidth = 1;
      for (const [, hx, hy] of handles([sx, sy, sw, sh])) {
        ctx.fillRect(hx - HANDLE / 2, hy - HANDLE / 2, HANDLE, HANDLE);
        ctx.strokeRect(hx - HANDLE / 2, hy - HANDLE / 2, HANDLE, HANDLE);
      }
    }
  });
}

// ---- mouse ----------------------------------------------------------------------------------
function handleAt(p) {
  const o = state.doc?.objects[state.selected];
  if (!o) return null;
  const v = state.view;
  const [x, y, w, h] = o.bbox;
  for (const [name, hx, hy] of handles([v.x + x * v.zoom, v.y + y * v.zoom, w * v.zoom, h * v.zoom])) {
    if (Math.abs(p.x - hx) <= HANDLE && Math.abs(p.y - hy) <= HANDLE) return name;
  }
  return null;
}

/** The smallest box under an image point (the one you can see the whole of). */
function boxAt(ip) {
  let best = -1;
  let area = Infinity;
  (state.doc?.objects ?? []).forEach((o, i) => {
    const [x, y, w, h] = o.bbox;
    if (ip.x >= x && ip.x <= x + w && ip.y >= y && ip.y <= y + h && w * h < area) {
      best = i;
      area = w * h;
    }
  });
  return best;
}

function setMode(m) {
  state.mode = m;
  canvas.dataset.mode = m;
  $('draw').setAttribute('aria-pressed', String(m === 'draw'));
}

canvas.addEventListener('mousedown', (e) => {
  if (!state.doc || e.button !== 0) return;
  canvas.focus();
  const p = point(e);
  const ip = toImage(p);
  if (state.mode === 'draw') {
    state.drag = { kind: 'new', start: ip, box: [ip.x, ip.y, 0, 0] };
    return;
  }
  const h = handleAt(p);
  if (h) {
    state.drag = { kind: 'resize', handle: h, start: ip, orig: [...state.doc.objects[state.selected].bbox] };
    return;
  }
  const i = boxAt(ip);
  if (i >= 0) {
    select(i);
    state.drag = { kind: 'move', start: ip, orig: [...state.doc.objects[i].bbox] };
    return;
  }
  select(-1);
  state.drag = { kind: 'pan', start: p, orig: { ...state.view } };
});

window.addEventListener('mousemove', (e) => {
  const d = state.drag;
  if (!d || !state.doc) return;
  const p = point(e);
  const ip = toImage(p);
  const W = state.doc.width;
  const H = state.doc.height;
  if (d.kind === 'pan') {
    state.view.x = d.orig.x + p.x - d.start.x;
    state.view.y = d.orig.y + p.y - d.start.y;
  } else if (d.kind === 'new') {
    const x0 = Math.max(0, Math.min(W, d.start.x));
    const y0 = Math.max(0, Math.min(H, d.start.y));
    const x1 = Math.max(0, Math.min(W, ip.x));
    const y1 = Math.max(0, Math.min(H, ip.y));
    d.box = [Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)];
  } else {
    const o = state.doc.objects[state.selected];
    const dx = ip.x - d.start.x;
    const dy = ip.y - d.start.y;
    let [x, y, w, h] = d.orig;
    if (d.kind === 'move') {
      x = Math.max(0, Math.min(W - w, x + dx));
      y = Math.max(0, Math.min(H - h, y + dy));
    } else {
      let x1 = x + w;
      let y1 = y + h;
      if (d.handle.includes('w')) x = Math.min(x1 - 1, x + dx);
      if (d.handle.includes('e')) x1 = Math.max(x + 1, x1 + dx);
      if (d.handle.includes('n')) y = Math.min(y1 - 1, y + dy);
      if (d.handle.includes('s')) y1 = Math.max(y + 1, y1 + dy);
      [x, y, w, h] = clampBox([x, y, x1 - x, y1 - y]);
    }
    o.bbox = [x, y, w, h];
    d.changed = true;
  }
  draw();
});

window.addEventListener('mouseup', () => {
  const d = state.drag;
  state.drag = null;
  if (!d || !state.doc) return;
  if (d.kind === 'new') {
    setMode('select');
    const [x, y, w, h] = d.box.map((v) => Math.round(v));
    if (w < MIN_BOX || h < MIN_BOX) {
      draw();
      return;
    }
    state.doc.objects.push({ label: '', bbox: clampBox([x, y, w, h]), difficult: false });
    select(state.doc.objects.length - 1);
    edited(null);
    input.value = '';
    input.focus();
    renderSuggestions();
    status('New box: type its label (Enter picks the first match), or press 1–9 for a last label.');
    return;
  }
  if ((d.kind === 'move' || d.kind === 'resize') && d.changed) {
    const o = state.doc.objects[state.selected];
    o.bbox = clampBox(o.bbox.map((v) => Math.round(v)));
    edited(o);
  }
});

canvas.addEventListener('dblclick', () => {
  if (state.selected >= 0) input.focus();
});

canvas.addEventListener('wheel', (e) => {
  e.preventDefault();
  const p = point(e);
  zoomAt(e.deltaY < 0 ? 1.15 : 1 / 1.15, p.x, p.y);
}, { passive: false });

// ---- keyboard (labelImg's keys) -------------------------------------------------------------
window.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement && e.target.type === 'text') return;
  const k = e.key;
  if ((e.ctrlKey || e.metaKey) && k.toLowerCase() === 's') {
    e.preventDefault();
    void save();
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (k === 'w' || k === 'W') setMode(state.mode === 'draw' ? 'select' : 'draw');
  else if (k === 'a' || k === 'A') step(-1);
  else if (k === 'd' || k === 'D') step(1);
  else if (k === 'Delete' || k === 'Backspace') deleteSelected();
  else if (k === ' ') {
    e.preventDefault();
    toggleVerified();
  } else if (k === 'Escape') {
    setMode('select');
    select(-1);
  } else if (k === 'Enter' && state.selected >= 0) {
    const o = state.doc.objects[state.selected];
    if (o.predicted && o.label) edited(o);
    else input.focus();
  } else if (/^[1-9]$/.test(k) && state.selected >= 0) {
    const l = state.recent[Number(k) - 1];
    if (l) setLabel(l);
  } else if (k === 'e' || k === 'E') {
    if (state.selected >= 0) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  } else if (k === '+' || k === '=') zoomCentre(1.25);
  else if (k === '-') zoomCentre(1 / 1.25);
  else if (k === 'f' || k === 'F') fit();
  else return;
});

function toggleVerified() {
  if (!state.doc) return;
  state.doc.verified = !state.doc.verified;
  $('verified').checked = state.doc.verified;
  setDirty(true);
}

// ---- buttons --------------------------------------------------------------------------------
$('prev').addEventListener('click', () => step(-1));
$('next').addEventListener('click', () => step(1));
$('draw').addEventListener('click', () => setMode(state.mode === 'draw' ? 'select' : 'draw'));
$('delete').addEventListener('click', deleteSelected);
$('accept-all').addEventListener('click', acceptAll);
$('save').addEventListener('click', () => void save());
$('zoom-in').addEventListener('click', () => zoomCentre(1.25));
$('zoom-out').addEventListener('click', () => zoomCentre(1 / 1.25));
$('zoom-fit').addEventListener('click', fit);
$('verified').addEventListener('change', () => {
  if (state.doc) {
    state.doc.verified = $('verified').checked;
    setDirty(true);
  }
});
$('difficult').addEventListener('change', () => {
  const o = state.doc?.objects[state.selected];
  if (o) {
    o.difficult = $('difficult').checked;
    edited(o);
  }
});
$('banner-close').addEventListener('click', () => banner(''));
$('banner-reload').addEventListener('click', () => {
  if (state.doc) void open(state.doc.file, { force: true });
});
window.addEventListener('resize', fit);
window.addEventListener('beforeunload', (e) => {
  if (state.dirty) {
    e.preventDefault();
    e.returnValue = '';
  }
});
window.addEventListener('hashchange', () => {
  const f = decodeURIComponent(location.hash.slice(1));
  if (f && f !== state.doc?.file) void open(f);
});

// ---- retrain --------------------------------------------------------------------------------
let polling = 0;

function figures(f) {
  if (!f) return 'none';
  if ('anyAP50' in f) return `AP ${f.anyAP50.toFixed(3)}${f.crossValidated ? ' (cross-validated)' : ''}`;
  return `${(f.accuracy * 100).toFixed(1)}%`;
}

function renderRetrain(s) {
  const btn = $('retrain-btn');
  btn.disabled = s.state === 'running';
  const el = $('retrain-status');
  el.dataset.state = s.state;
  if (s.state === 'running') {
    const parts = [`Retraining${s.task ? ` ${s.task}` : ': extracting and splitting'}`];
    if (s.epoch) parts.push(`epoch ${s.epoch}/${s.epochs}`);
    if (s.secondsLeft !== undefined) parts.push(`about ${s.secondsLeft} s left for this task`);
    parts.push(`${Math.round(s.elapsedSeconds ?? 0)} s so far`);
    el.textContent = parts.join(' · ');
  } else if (s.state === 'done') {
    const x = s.result?.extract;
    const used = x ? ` It used ${x.screenshots} new screenshot${x.screenshots === 1 ? '' : 's'} (${x.crops} crops)${x.errors?.length ? `; ${x.errors.length} not used (first: ${x.errors[0].reason})` : ''}.` : '';
    el.textContent = `Retrain finished in ${Math.round(s.elapsedSeconds ?? 0)} s.${used} The agent uses the installed models at once.`;
  }
  else if (s.state === 'failed') el.textContent = `Retrain failed: ${s.error}`;
  else el.textContent = 'Retrain learns from your labelled screenshots (they move to raw/processed) in addition to what the models know, and installs a model only when it does better on your screenshots it had not seen.';
  const tasks = s.result?.tasks ?? [];
  $('retrain-result').hidden = tasks.length === 0;
  $('retrain-result').tBodies[0].replaceChildren(
    ...tasks.flatMap((t) => {
      const tr = document.createElement('tr');
      tr.dataset.task = t.task;
      for (const text of [t.task, figures(t.new), figures(t.old), t.installed ? 'installed' : 'kept']) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      tr.title = t.reason;
      // What the task learnt from the player's screenshots, and why it was installed or kept, in words.
      const said = document.createElement('tr');
      said.dataset.message = t.task;
      const td = document.createElement('td');
      td.colSpan = 4;
      td.textContent = t.message ?? t.reason;
      said.append(td);
      return [tr, said];
    }),
  );
  $('retrain-log').textContent = (s.log ?? []).join('\n');
}

async function pollRetrain() {
  clearTimeout(polling);
  const r = await api('/api/retrain');
  if (!r.ok) {
    $('retrain').hidden = r.status === 404;
    return;
  }
  renderRetrain(r.body);
  if (r.body.state === 'running') polling = setTimeout(pollRetrain, 500);
  else if (r.body.finishedAt && r.body.finishedAt !== state.lastRetrain) {
    if (state.lastRetrain !== undefined) void afterRetrain();
    state.lastRetrain = r.body.finishedAt;
  }
}

/** Retrain moved the screenshots it used to raw/processed: the list and the open one follow. */
async function afterRetrain() {
  await loadList();
  if (state.doc && !state.shots.some((s) => s.file === state.doc.file)) {
    const moved = state.doc.file;
    state.doc = null;
    state.image = null;
    setDirty(false);
    renderBoxes();
    draw();
    if (state.shots[0]) await open(state.shots[0].file, { force: true });
    status(`${moved} was used by the retrain and moved to raw/processed`);
  }
}

$('retrain-btn').addEventListener('click', async () => {
  if (state.dirty && !window.confirm('This screenshot has unsaved changes, which retrain would not see. Retrain anyway?')) return;
  const r = await api('/api/retrain', { method: 'POST' });
  if (!r.ok) banner(`Retrain not started: ${r.body?.error ?? r.status}`);
  state.lastRetrain ??= null;
  void pollRetrain();
});

// ---- start ----------------------------------------------------------------------------------
async function start() {
  setMode('select');
  canvas.tabIndex = 0;
  const l = await api('/api/labels');
  state.labels = l.ok ? l.body.labels : [];
  renderRecent();
  await loadList();
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = state.shots.find((s) => s.file === wanted) ?? state.shots[0];
  if (first) await open(first.file);
  await pollRetrain();
  document.body.dataset.ready = 'true';
}

void start();
