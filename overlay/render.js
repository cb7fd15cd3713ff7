// Drawing of one `frame` (protocol v1, ../shared/CLI.md) on a 2D canvas: a box per detection in its
// colour (a Cog in its suit's department colour, a Toon in gold) and an outlined label above it; a Cog
// that counts towards one of the player's ToonTasks (its `tasks`) gets a ring in the task's colour and
// a badge per task ("1 of 3"), dashed and with a '?' where it only may count (`tasksUnsure`), and an
// "invasion" badge when it is of the invading type.
// Pure functions, no DOM access: the page (overlay.js) and the Node tests both import this module.
// A detection that breaks the protocol's rules (protocol.js) or has an empty box is not drawn.
import { COG_DISPLAY_NAMES, SUIT_COLOURS, SUIT_NAMES, SUIT_OF_COG } from './labels.js';
import { checkDetection } from './protocol.js';

/** Toons: a warm gold, far from the four department colours. */
export const TOON_COLOUR = '#f2b705';
/** A Cog whose suit is not known (no suit classifier installed): Cog-suit grey. */
export const COG_COLOUR = '#8f9aa6';
/** Anything else the agent may report. */
export const OTHER_COLOUR = '#d0d0d0';

/** ToonTask colours by task index: bright, apart from the department colours and the Toon gold. */
export const TASK_COLOURS = ['#ff3fd2', '#00d8ff', '#a6ff00', '#ff7a00', '#b388ff', '#ffffff'];
/** The invasion badge. */
export const INVASION_COLOUR = '#ff2d2d';
export const BADGE_HEIGHT = 16;

export const BOX_WIDTH = 3;
export const LABEL_FONT_PX = 13;
export const LABEL_HEIGHT = 20;

/** 'cog' | 'toon' | 'other' (a label such as `cog_sb_coldcaller` works too). */
export function kindOf(det) {
  const label = String(det?.label ?? '').toLowerCase();
  if (label === 'cog' || label.startsWith('cog_')) return 'cog';
  if (label === 'toon' || label.startsWith('toon_')) return 'toon';
  return 'other';
}

/** `Cold Caller`, `coldcaller`, `cold_caller` -> `coldcaller`. */
function key(s) {
  return String(s).toLowerCase().replace(/[^a-z]/g, '');
}

/** The Cog name key (`coldcaller`) of a detection, if it has one. */
export function cogNameOf(det) {
  if (det?.name) return key(det.name);
  const parts = String(det?.label ?? '').toLowerCase().split('_');
  return parts[0] === 'cog' && parts[2] ? parts[2] : undefined;
}

/** The suit code (`bb`, `lb`, `cb`, `sb`) of a Cog detection: its `suit` (code or name), else from its name. */
export function suitOf(det) {
  if (kindOf(det) !== 'cog') return undefined;
  const raw = det.suit ?? String(det.label ?? '').toLowerCase().split('_')[1];
  if (raw) {
    const k = key(raw);
    if (k in SUIT_NAMES) return k;
    const byName = Object.keys(SUIT_NAMES).find((code) => key(SUIT_NAMES[code]) === k);
    if (byName) return byName;
  }
  const name = cogNameOf(det);
  return name ? SUIT_OF_COG[name] : undefined;
}

/** The animal of a Toon detection, if known. */
export function animalOf(det) {
  if (det?.animal) return String(det.animal);
  const parts = String(det?.label ?? '').toLowerCase().split('_');
  return parts[0] === 'toon' && parts[1] ? parts[1] : undefined;
}

/** `97%` from 0.97 (clamped, whole percent); '' when there is no score. */
export function percent(score) {
  if (typeof score !== 'number' || !Number.isFinite(score)) return '';
  return `${Math.round(Math.min(1, Math.max(0, score)) * 100)}%`;
}

/**
 * The label text: `Cog · Sellbot · Cold Caller 97%`, `Toon · dog 99%`, `Cog 88%` when only the
 * binary model ran. The percentage is the confidence of the most specific part shown
 * (`fineScore` when the agent classified suit/name/animal, else the detection `score`).
 */
export function labelText(det) {
  const kind = kindOf(det);
  const parts = [];
  if (kind === 'cog') {
    parts.push('Cog');
    const suit = suitOf(det);
    if (suit) parts.push(SUIT_NAMES[suit]);
    const name = cogNameOf(det);
    if (name) parts.push(COG_DISPLAY_NAMES[name] ?? det.name);
  } else if (kind === 'toon') {
    parts.push('Toon');
    const animal = animalOf(det);
    if (animal) parts.push(animal);
  } else {
    parts.push(String(det?.label ?? '?'));
  }
  const fine = parts.length > 1 && typeof det?.fineScore === 'number' ? det.fineScore : det?.score;
  const p = percent(fine);
  return p ? `${parts.join(' · ')} ${p}` : parts.join(' · ');
}

/** The box colour of a detection. */
export function colourOf(det) {
  const kind = kindOf(det);
  if (kind === 'toon') return TOON_COLOUR;
  if (kind === 'cog') {
    const suit = suitOf(det);
    return suit ? SUIT_COLOURS[suit] : COG_COLOUR;
  }
  return OTHER_COLOUR;
}

/**
 * A bbox [x, y, w, h] in game-window pixels to overlay pixels (`width` x `height`), scaling each
 * axis by overlay size / window size. Without a window size the box is taken as is.
 */
export function scaleBox(bbox, win, width, height) {
  const [x, y, w, h] = bbox.map(Number);
  const sx = win && win.width > 0 ? width / win.width : 1;
  const sy = win && win.height > 0 ? height / win.height : 1;
  return { x: x * sx, y: y * sy, w: w * sx, h: h * sy };
}

/** True for a detection the protocol allows whose box can be drawn (a positive size). */
export function drawable(det) {
  return checkDetection(det) === null && validBox(det.bbox);
}

/** True for a usable bbox: four finite numbers and a positive size. */
export function validBox(bbox) {
  return Array.isArray(bbox) && bbox.length === 4 && bbox.every((v) => typeof v === 'number' && Number.isFinite(v)) && bbox[2] > 0 && bbox[3] > 0;
}

/** The colour of the ToonTask at index `i`. */
export function taskColour(i) {
  const n = Number(i);
  return TASK_COLOURS[(Number.isInteger(n) && n >= 0 ? n : 0) % TASK_COLOURS.length];
}

/** "1 of 3" from a task's progress; "task 2" when the progress is not known. */
export function progressText(task, i) {
  const p = task?.progress;
  return p && Number.isFinite(p.current) && Number.isFinite(p.target) && p.target > 0 ? `${p.current} of ${p.target}` : `task ${Number(i) + 1}`;
}

/**
 * The badges of one detection, in order: `{task, text, colour, unsure}` per task it counts towards,
 * then per task it may count towards (text ending in '?'), then `{invasion: true}` for the invader.
 * `tasks` is the companion's task list (hello/status `companion.tasks`), for the progress.
 */
export function taskBadges(det, tasks) {
  const out = [];
  const seen = new Set();
  for (const i of Array.isArray(det?.tasks) ? det.tasks : []) {
    if (!Number.isInteger(i) || seen.has(i)) continue;
    seen.add(i);
    out.push({ task: i, text: progressText(tasks?.[i], i), colour: taskColour(i), unsure: false });
  }
  for (const u of Array.isArray(det?.tasksUnsure) ? det.tasksUnsure : []) {
    const i = typeof u === 'number' ? u : u?.task;
    if (!Number.isInteger(i) || seen.has(i)) continue;
    seen.add(i);
    out.push({ task: i, text: `${progressText(tasks?.[i], i)}?`, colour: taskColour(i), unsure: true, reason: typeof u === 'object' ? String(u.reason ?? '') : '' });
  }
  if (det?.invasion === true) out.push({ text: 'invasion', colour: INVASION_COLOUR, unsure: false, invasion: true });
  return out;
}

/** How many detections carry a ToonTask or invasion mark (sure ones only). */
export function countMarked(detections) {
  return Array.isArray(detections) ? detections.filter((d) => (Array.isArray(d?.tasks) && d.tasks.length > 0) || d?.invasion === true).length : 0;
}

/** The companion's tasks as legend lines `{task, text, colour}`: those that mark Cogs (objective kind 'cog'). */
export function taskLegend(tasks) {
  if (!Array.isArray(tasks)) return [];
  return tasks
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => t && (t.objective?.kind ?? 'cog') === 'cog')
    .map(({ t, i }) => ({ task: i, text: `${t.text} · ${progressText(t, i)}`, colour: taskColour(i) }));
}

function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/**
 * Places the label tabs (`{box, textWidth}` each, in overlay pixels) so that they do not cover each
 * other: above the box if there is room, else stacked further up, else below the box, else just
 * inside its top. Earlier items get the better places (the caller orders them). Returns one
 * `{x, y, w, h}` per item, in the same order, inside `width` x `height` where possible.
 */
export function layoutLabels(items, width, height) {
  const placed = [];
  const h = LABEL_HEIGHT;
  for (const { box, textWidth } of items) {
    const w = Math.ceil(textWidth) + 10;
    const x = Math.max(0, Math.min(Math.round(box.x) - 1, Math.max(0, width - w)));
    const top = Math.round(box.y);
    const bottom = Math.round(box.y + box.h);
    const candidates = [];
    for (let k = 0; k < 4; k++) candidates.push(top - h - 1 - k * (h + 2));
    for (let k = 0; k < 3; k++) candidates.push(bottom + 1 + k * (h + 2));
    const fits = (y) => y >= 0 && y + h <= height;
    let y = candidates.find((c) => fits(c) && !placed.some((p) => overlaps(p, { x, y: c, w, h })));
    if (y === undefined) y = fits(candidates[0]) ? candidates[0] : Math.max(0, Math.min(top + 2, height - h));
    placed.push({ x, y, w, h });
  }
  return placed;
}

/** Order of label places: tracked characters by track id (oldest first), then the untracked by score. */
export function labelRank(a, b) {
  const ta = Number.isFinite(a?.track) ? a.track : Infinity;
  const tb = Number.isFinite(b?.track) ? b.track : Infinity;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (b?.score ?? 0) - (a?.score ?? 0);
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/** The rings and badges of the detections that count towards a task or are the invader. */
function drawTaskMarks(ctx, items, tasks, width, height) {
  ctx.save();
  ctx.font = `700 ${LABEL_FONT_PX - 1}px system-ui, "Segoe UI", "DejaVu Sans", Arial, sans-serif`;
  for (const { det, box: b } of items) {
    const badges = taskBadges(det, tasks);
    if (badges.length === 0) continue;
    const ring = badges.find((x) => !x.unsure) ?? badges[0];
    const pad = BOX_WIDTH + 3;
    ctx.setLineDash(ring.unsure ? [6, 4] : []);
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.5)';
    ctx.lineWidth = 5;
    roundRect(ctx, Math.round(b.x) - pad + 0.5, Math.round(b.y) - pad + 0.5, Math.round(b.w) + 2 * pad - 1, Math.round(b.h) + 2 * pad - 1, 6);
    ctx.stroke();
    ctx.strokeStyle = ring.colour;
    ctx.lineWidth = 3;
    ctx.stroke();
    ctx.setLineDash([]);
    // Badges in a row under the box (inside its bottom edge when the overlay ends there).
    let x = Math.max(0, Math.round(b.x) - pad);
    const below = Math.round(b.y + b.h) + pad + 2;
    const y = below + BADGE_HEIGHT <= height ? below : Math.max(0, Math.round(b.y + b.h) - BADGE_HEIGHT - 2);
    for (const badge of badges) {
      const w = Math.ceil(ctx.measureText(badge.text).width) + 10;
      if (x + w > width) x = Math.max(0, width - w);
      const alpha = ctx.globalAlpha;
      ctx.fillStyle = badge.colour;
      if (badge.unsure) ctx.globalAlpha = alpha * 0.7;
      roundRect(ctx, x, y, w, BADGE_HEIGHT, BADGE_HEIGHT / 2);
      ctx.fill();
      ctx.globalAlpha = alpha;
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.8)';
      ctx.lineWidth = 1;
      ctx.stroke();
      ctx.fillStyle = badge.invasion ? '#ffffff' : '#111111';
      ctx.fillText(badge.text, x + 5, y + BADGE_HEIGHT / 2 + 0.5);
      x += w + 3;
    }
  }
  ctx.restore();
}

/**
 * Draws the detections of one frame on `ctx` (already scaled to CSS pixels), `width` x `height`
 * being the overlay's size. `alpha` fades the whole drawing. `tasks` (the companion's ToonTasks) gives
 * the progress shown on the marks of detections with `tasks`. Returns the number of boxes drawn.
 */
export function drawDetections(ctx, detections, win, width, height, alpha = 1, tasks = []) {
  if (!Array.isArray(detections) || alpha <= 0) return 0;
  ctx.save();
  ctx.globalAlpha = alpha;
  ctx.lineJoin = 'round';
  ctx.font = `600 ${LABEL_FONT_PX}px system-ui, "Segoe UI", "DejaVu Sans", Arial, sans-serif`;
  ctx.textBaseline = 'middle';
  const items = detections
    .filter(drawable)
    .map((det) => {
      const text = labelText(det);
      return { det, box: scaleBox(det.bbox, win, width, height), colour: colourOf(det), text, textWidth: ctx.measureText(text).width };
    });
  // Box edges: pixel-aligned so that the stroke's middle pixel is exactly the colour, on a thin dark
  // halo that keeps it visible on backgrounds of similar colour.
  for (const { box: b, colour } of items) {
    const x = Math.round(b.x) + 0.5;
    const y = Math.round(b.y) + 0.5;
    const w = Math.max(1, Math.round(b.w) - 1);
    const h = Math.max(1, Math.round(b.h) - 1);
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.45)';
    ctx.lineWidth = BOX_WIDTH + 2;
    ctx.strokeRect(x, y, w, h);
    ctx.strokeStyle = colour;
    ctx.lineWidth = BOX_WIDTH;
    ctx.strokeRect(x, y, w, h);
  }
  drawTaskMarks(ctx, items, tasks, width, height);
  // Labels on top of all boxes. Tracked characters (a `track` id) keep their order from frame to frame,
  // the longest-tracked first, so a tab does not jump between places as scores change; untracked ones
  // after them, the most confident first.
  const order = items.map((_, i) => i).sort((a, b) => labelRank(items[a].det, items[b].det));
  const tabs = layoutLabels(order.map((i) => items[i]), width, height);
  order.forEach((i, k) => {
    const { box: b, colour, text } = items[i];
    const tab = tabs[k];
    const boxTop = Math.round(b.y);
    const boxBottom = Math.round(b.y + b.h);
    // A leader line when the tab had to move away from its box.
    if (tab.y + tab.h < boxTop - 2 || tab.y > boxBottom + 2) {
      const lx = Math.round(Math.min(Math.max(b.x + 2, tab.x + 2), tab.x + tab.w - 2)) + 0.5;
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1;
      ctx.beginPath();
      if (tab.y < boxTop) {
        ctx.moveTo(lx, tab.y + tab.h);
        ctx.lineTo(lx, boxTop);
      } else {
        ctx.moveTo(lx, boxBottom);
        ctx.lineTo(lx, tab.y);
      }
      ctx.stroke();
    }
    // The tab: the colour behind white text outlined in black, readable on any background.
    ctx.fillStyle = colour;
    ctx.globalAlpha = alpha * 0.9;
    roundRect(ctx, tab.x, tab.y, tab.w, tab.h, 4);
    ctx.fill();
    ctx.globalAlpha = alpha;
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.85)';
    ctx.lineWidth = 3;
    const tx = tab.x + 5;
    const ty = tab.y + tab.h / 2 + 0.5;
    ctx.strokeText(text, tx, ty);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(text, tx, ty);
  });
  ctx.restore();
  return items.length;
}
