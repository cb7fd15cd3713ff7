// Drawing one screenshot of the labelling page on its canvas: the image at the view's zoom and pan,
// each box in its label's colour (dashed while only a prediction or being drawn) with a tab naming it,
// and the selected box's resize handles. No state of its own: the page passes what to draw.
import { colourOf, labelText } from '../render.js';
import { HANDLE, handles, toScreen } from './geometry.js';

/** The text of a box's tab and list entry: its label (with the score of a prediction). */
export function describe(o) {
  if (!o.label) return '(no label)';
  return labelText({ label: o.label, score: o.predicted ? o.score : undefined });
}

/** True for a colour (#rrggbb) light enough to carry dark text. */
export function bright(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.55;
}

/**
 * Draws `doc` (its objects) over `image` on `ctx`, whose canvas is `dpr` device pixels per CSS pixel.
 * `drawing` is the box being drawn ([x, y, w, h], or null); `selected` the index of the selected box.
 */
export function drawScreenshot(ctx, { doc, image, view: v, selected, drawing, dpr }) {
  const canvas = ctx.canvas;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!doc || !image) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.imageSmoothingEnabled = v.zoom < 2;
  ctx.drawImage(image, v.x, v.y, doc.width * v.zoom, doc.height * v.zoom);
  ctx.font = '600 12px system-ui, "DejaVu Sans", Arial, sans-serif';
  ctx.textBaseline = 'bottom';
  const objs = doc.objects;
  const boxes = drawing ? [...objs, { label: '', bbox: drawing, fresh: true }] : objs;
  boxes.forEach((o, i) => {
    const [sx, sy, sw, sh] = toScreen(o.bbox, v);
    const colour = o.label ? colourOf({ label: o.label }) : '#ffffff';
    const sel = i === selected;
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
