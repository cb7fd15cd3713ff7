// Exact labels of a rendered scene: each character's box from its projected vertices (head or hat to
// feet; the nametag and drop shadow are not part of it), clipped to the frame, end exclusive.
// The rule for `difficult` (as the real screenshots' hand labels mark it): a character of which less
// than half is seen (hidden behind others or the set, or out of the frame), or whose box is under 16 px high.
// A character of which less than 3% is seen, or nothing at all, gets no box.
import type { VocObject } from '../dataset/voc.ts';
import type { PageObject } from './browser.ts';

export const DIFFICULT_VISIBLE_SHARE = 0.5;
export const DIFFICULT_MIN_HEIGHT = 16;
export const DROP_VISIBLE_SHARE = 0.03;

export interface LabelledObject extends VocObject {
  /** share of the whole character seen in the frame (0-1) */
  visible: number;
}

export function labelObject(label: string, pose: string, o: PageObject, width: number, height: number): LabelledObject | null {
  if (!o.box) return null;
  const [x0, y0, x1, y1] = o.box;
  const xmin = Math.max(0, Math.floor(x0));
  const ymin = Math.max(0, Math.floor(y0));
  const xmax = Math.min(width, Math.ceil(x1));
  const ymax = Math.min(height, Math.ceil(y1));
  if (xmax - xmin < 1 || ymax - ymin < 1) return null;
  const fullArea = Math.max(1e-6, (x1 - x0) * (y1 - y0));
  const inFrame = Math.min(1, ((Math.min(width, x1) - Math.max(0, x0)) * (Math.min(height, y1) - Math.max(0, y0))) / fullArea);
  const unoccluded = o.alonePixels && o.visiblePixels !== null ? o.visiblePixels / o.alonePixels : o.alonePixels === 0 ? 0 : 1;
  const visible = Math.max(0, Math.min(1, inFrame * unoccluded));
  if (visible < DROP_VISIBLE_SHARE) return null;
  const truncated = x0 < 0 || y0 < 0 || x1 > width || y1 > height ? 1 : 0;
  const difficult = visible < DIFFICULT_VISIBLE_SHARE || ymax - ymin < DIFFICULT_MIN_HEIGHT ? 1 : 0;
  return { name: label, pose, truncated, difficult, bndbox: { xmin, ymin, xmax, ymax }, visible };
}
