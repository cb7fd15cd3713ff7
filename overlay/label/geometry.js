// Box geometry of the labelling page, pure (no DOM): boxes are [x, y, w, h] in image pixels; the view
// {zoom, x, y} puts image point (ix, iy) at canvas CSS pixel (x + ix * zoom, y + iy * zoom). Moving,
// resizing and drawing keep boxes inside the image; the page (page.js) and the Node tests
// (test/label-geometry.test.ts) both import this module.

/** Handle size (CSS pixels): drawn this big, and hit within this distance of its centre. */
export const HANDLE = 7;
/** A new box narrower or lower than this (image pixels) is dropped: a click, not a drag. */
export const MIN_BOX = 2;
export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 20;

/** The image point under a canvas point. */
export function toImage(p, view) {
  return { x: (p.x - view.x) / view.zoom, y: (p.y - view.y) / view.zoom };
}

/** A box in canvas CSS pixels. */
export function toScreen(box, view) {
  const [x, y, w, h] = box;
  return [view.x + x * view.zoom, view.y + y * view.zoom, w * view.zoom, h * view.zoom];
}

/** The box kept inside a W x H image, at least 1 pixel each way. */
export function clampBox(box, W, H) {
  let [x, y, w, h] = box;
  x = Math.max(0, Math.min(W - 1, x));
  y = Math.max(0, Math.min(H - 1, y));
  w = Math.max(1, Math.min(W - x, w));
  h = Math.max(1, Math.min(H - y, h));
  return [x, y, w, h];
}

/** The eight resize handles of a box: [name, x, y], name a compass point (nw, n, ne, e, se, s, sw, w). */
export function handles(box) {
  const [x, y, w, h] = box;
  return [
    ['nw', x, y], ['n', x + w / 2, y], ['ne', x + w, y], ['e', x + w, y + h / 2],
    ['se', x + w, y + h], ['s', x + w / 2, y + h], ['sw', x, y + h], ['w', x, y + h / 2],
  ];
}

/** The handle of `box` (image pixels) under canvas point `p`, or null. */
export function handleAt(p, box, view, size = HANDLE) {
  for (const [name, hx, hy] of handles(toScreen(box, view))) {
    if (Math.abs(p.x - hx) <= size && Math.abs(p.y - hy) <= size) return name;
  }
  return null;
}

/** The index of the smallest box under image point `ip` (the one you can see the whole of), or -1. */
export function boxAt(ip, objects) {
  let best = -1;
  let area = Infinity;
  objects.forEach((o, i) => {
    const [x, y, w, h] = o.bbox;
    if (ip.x >= x && ip.x <= x + w && ip.y >= y && ip.y <= y + h && w * h < area) {
      best = i;
      area = w * h;
    }
  });
  return best;
}

/** `orig` moved by (dx, dy) image pixels, stopping at the image's edges (its size unchanged). */
export function moveBox(orig, dx, dy, W, H) {
  const [x, y, w, h] = orig;
  return [Math.max(0, Math.min(W - w, x + dx)), Math.max(0, Math.min(H - h, y + dy)), w, h];
}

/**
 * `orig` with the edges of `handle` (nw, n, ..., w) moved by (dx, dy): an edge stops at the image's
 * border and never crosses the opposite one (at least 1 pixel stays); the other edges stay put.
 */
export function resizeBox(orig, handle, dx, dy, W, H) {
  let [x, y, w, h] = orig;
  let x1 = x + w;
  let y1 = y + h;
  if (handle.includes('w')) x = Math.max(0, Math.min(x1 - 1, x + dx));
  if (handle.includes('e')) x1 = Math.min(W, Math.max(x + 1, x1 + dx));
  if (handle.includes('n')) y = Math.max(0, Math.min(y1 - 1, y + dy));
  if (handle.includes('s')) y1 = Math.min(H, Math.max(y + 1, y1 + dy));
  return clampBox([x, y, x1 - x, y1 - y], W, H);
}

/** The box being drawn from image point `start` to `ip` (either corner first), inside the image. */
export function dragBox(start, ip, W, H) {
  const x0 = Math.max(0, Math.min(W, start.x));
  const y0 = Math.max(0, Math.min(H, start.y));
  const x1 = Math.max(0, Math.min(W, ip.x));
  const y1 = Math.max(0, Math.min(H, ip.y));
  return [Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)];
}

/** A drawn box as saved: whole pixels, inside the image; null when it is too small to be a box. */
export function finishBox(box, W, H) {
  const [x, y, w, h] = box.map((v) => Math.round(v));
  if (w < MIN_BOX || h < MIN_BOX) return null;
  return clampBox([x, y, w, h], W, H);
}

/** The view zoomed by `factor` about canvas point (cx, cy), which stays over the same image point. */
export function zoomAt(view, factor, cx, cy) {
  const z = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, view.zoom * factor));
  return { zoom: z, x: cx - ((cx - view.x) * z) / view.zoom, y: cy - ((cy - view.y) * z) / view.zoom };
}

/** The view that shows a W x H image whole and centred on a cw x ch canvas. */
export function fitView(W, H, cw, ch) {
  const z = Math.min(cw / W, ch / H);
  return { zoom: z, x: (cw - W * z) / 2, y: (ch - H * z) / 2 };
}

/** The view `orig` panned by the canvas drag from `start` to `p`. */
export function panView(orig, start, p) {
  return { zoom: orig.zoom, x: orig.x + p.x - start.x, y: orig.y + p.y - start.y };
}
