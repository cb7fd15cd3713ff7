// The labelling page (/label): the screenshots of raw/screenshots, one at a time on a canvas with its
// boxes; draw, move, resize and delete boxes, give them labels by type-ahead, save as labelImg VOC
// through the agent's API (../shared/CLI.md, "Labelling in the browser"), retrain from the page.
// Keys as in labelImg: W new box, A/D previous/next, Del delete, Ctrl+S save, Space verified.
// Its parts: api.js (the API client), geometry.js (box and view maths), draw.js (the canvas),
// search.js (type-ahead), retrain.js (the retrain panel); this module holds the page's state and input.
import { enc, imageUrl, listLabels, listScreenshots, readLabels, saveLabels } from './api.js';
import { describe, drawScreenshot } from './draw.js';
import { boxAt, clampBox, dragBox, finishBox, fitView, handleAt, moveBox, panView, resizeBox, toImage, zoomAt as zoomView } from './geometry.js';
import { matches as matchLabels } from './search.js';
import { initRetrain } from './retrain.js';

const $ = (id) => document.getElementById(id);
const canvas = $('canvas');
const ctx = canvas.getContext('2d');
const input = $('label-input');

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
  const r = await listScreenshots();
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
  const r = await readLabels(file);
  if (!r.ok) {
    banner(r.body?.error ?? `cannot open ${file} (${r.status})`);
    return false;
  }
  const img = new Image();
  img.src = imageUrl(file);
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
  const r = await saveLabels(doc.file, body);
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
  return matchLabels(state.labels, q);
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
  state.view = fitView(state.doc.width, state.doc.height, r.width, r.height);
  draw();
}

function zoomAt(factor, cx, cy) {
  state.view = zoomView(state.view, factor, cx, cy);
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

/** The doc's box kept inside its image. */
function clamp(b) {
  return clampBox(b, state.doc.width, state.doc.height);
}

// ---- drawing --------------------------------------------------------------------------------
function draw() {
  drawScreenshot(ctx, {
    doc: state.doc,
    image: state.image,
    view: state.view,
    selected: state.selected,
    drawing: state.drag?.kind === 'new' ? state.drag.box : null,
    dpr: window.devicePixelRatio || 1,
  });
}

// ---- mouse ----------------------------------------------------------------------------------
function setMode(m) {
  state.mode = m;
  canvas.dataset.mode = m;
  $('draw').setAttribute('aria-pressed', String(m === 'draw'));
}

canvas.addEventListener('mousedown', (e) => {
  if (!state.doc || e.button !== 0) return;
  canvas.focus();
  const p = point(e);
  const ip = toImage(p, state.view);
  if (state.mode === 'draw') {
    state.drag = { kind: 'new', start: ip, box: [ip.x, ip.y, 0, 0] };
    return;
  }
  const sel = state.doc.objects[state.selected];
  const h = sel ? handleAt(p, sel.bbox, state.view) : null;
  if (h) {
    state.drag = { kind: 'resize', handle: h, start: ip, orig: [...state.doc.objects[state.selected].bbox] };
    return;
  }
  const i = boxAt(ip, state.doc.objects);
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
  const ip = toImage(p, state.view);
  const W = state.doc.width;
  const H = state.doc.height;
  if (d.kind === 'pan') state.view = panView(d.orig, d.start, p);
  else if (d.kind === 'new') d.box = dragBox(d.start, ip, W, H);
  else {
    const o = state.doc.objects[state.selected];
    const dx = ip.x - d.start.x;
    const dy = ip.y - d.start.y;
    o.bbox = d.kind === 'move' ? moveBox(d.orig, dx, dy, W, H) : resizeBox(d.orig, d.handle, dx, dy, W, H);
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
    const bbox = finishBox(d.box, state.doc.width, state.doc.height);
    if (!bbox) {
      draw();
      return;
    }
    state.doc.objects.push({ label: '', bbox, difficult: false });
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
    o.bbox = clamp(o.bbox.map((v) => Math.round(v)));
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

const retrain = initRetrain({ isDirty: () => state.dirty, banner, afterRetrain });

// ---- start ----------------------------------------------------------------------------------
async function start() {
  setMode('select');
  canvas.tabIndex = 0;
  const l = await listLabels();
  state.labels = l.ok ? l.body.labels : [];
  renderRecent();
  await loadList();
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = state.shots.find((s) => s.file === wanted) ?? state.shots[0];
  if (first) await open(first.file);
  await retrain.poll();
  document.body.dataset.ready = 'true';
}

void start();
