// From the detector's raw output grid to boxes in image pixels, and from boxes to training targets.
// Pure JavaScript on typed arrays: the grid is small (64x48 cells for a 256x192 input), so peak
// picking here is cheaper than more tensor kernels, and it is testable on hand-made heatmaps.
import { bboxIou as iou } from '../image.ts';
import { DETECTOR_CLASSES, OUT_CHANNELS, type DetectorClass } from './model.ts';

/** One detection, `bbox` = [x, y, width, height] in image pixels (as tfjs detection models report it). */
export interface Detection {
  bbox: [number, number, number, number];
  label: DetectorClass;
  score: number;
}

/** A detection as reported (JSON, WebSocket): bbox to 0.1 px, score to 1e-4. */
export function roundDetection(d: Detection): Detection {
  return {
    bbox: d.bbox.map((v) => Math.round(v * 10) / 10) as Detection['bbox'],
    label: d.label,
    score: Math.round(d.score * 1e4) / 1e4,
  };
}

export interface DecodeParams {
  /** Minimum centre score to report. */
  threshold: number;
  /** At most this many detections per frame (highest scores first). */
  topK: number;
  /** Same-class boxes overlapping more than this IoU with a better one are dropped (1 = off). */
  nmsIou: number;
  /** Boxes of the other class overlapping more than this IoU with a better one are dropped: one
   * figure is either a Cog or a Toon (1 = off; absent = 0.7). */
  crossClassIou?: number;
}

export const DEFAULT_DECODE: DecodeParams = { threshold: 0.3, topK: 50, nmsIou: 0.6, crossClassIou: 0.7 };

/** Where the grid sits: input size of the network, output stride, and the frame size in pixels. */
export interface GridGeometry {
  gridH: number;
  gridW: number;
  stride: number;
  inputH: number;
  inputW: number;
  imageH: number;
  imageW: number;
}

/** IoU of two [x, y, w, h] boxes (re-exported for the detector's users). */
export { iou };

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}


/**
 * Decodes one output grid: `raw` is [gridH, gridW, OUT_CHANNELS] row-major (heatmap logits, log
 * size, offset). A cell is a peak when its score is the maximum of its 3x3 neighbourhood in its
 * class channel (the max-pool trick) and at least `threshold`; the top K peaks become boxes.
 */
export function decodeGrid(raw: Float32Array | number[], g: GridGeometry, params: DecodeParams = DEFAULT_DECODE): Detection[] {
  const { gridH, gridW, stride } = g;
  const nc = DETECTOR_CLASSES.length;
  if (raw.length !== gridH * gridW * OUT_CHANNELS) {
    throw new RangeError(`detector output has ${raw.length} values, expected ${gridH}x${gridW}x${OUT_CHANNELS}`);
  }
  const prob = new Float32Array(gridH * gridW * nc);
  for (let i = 0; i < gridH * gridW; i++) {
    for (let c = 0; c < nc; c++) prob[i * nc + c] = sigmoid(raw[i * OUT_CHANNELS + c]!);
  }
  const peaks: { cell: number; c: number; score: number }[] = [];
  for (let y = 0; y < gridH; y++) {
    for (let x = 0; x < gridW; x++) {
      for (let c = 0; c < nc; c++) {
        const v = prob[(y * gridW + x) * nc + c]!;
        if (v < params.threshold) continue;
        let isPeak = true;
        for (let dy = -1; dy <= 1 && isPeak; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= gridH) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= gridW || (dx === 0 && dy === 0)) continue;
            if (prob[(yy * gridW + xx) * nc + c]! > v) {
              isPeak = false;
              break;
            }
          }
        }
        if (isPeak) peaks.push({ cell: y * gridW + x, c, score: v });
      }
    }
  }
  peaks.sort((a, b) => b.score - a.score);
  const sx = g.imageW / g.inputW;
  const sy = g.imageH / g.inputH;
  const kept: Detection[] = [];
  for (const p of peaks) {
    if (kept.length >= params.topK) break;
    const base = p.cell * OUT_CHANNELS + nc;
    const gx = p.cell % gridW;
    const gy = Math.floor(p.cell / gridW);
    const w = Math.exp(Math.min(raw[base]!, 10)) * stride;
    const h = Math.exp(Math.min(raw[base + 1]!, 10)) * stride;
    const cx = (gx + raw[base + 2]!) * stride;
    const cy = (gy + raw[base + 3]!) * stride;
    // Clip to the frame, then to image pixels.
    const x0 = Math.max(0, (cx - w / 2) * sx);
    const y0 = Math.max(0, (cy - h / 2) * sy);
    const x1 = Math.min(g.imageW, (cx + w / 2) * sx);
    const y1 = Math.min(g.imageH, (cy + h / 2) * sy);
    if (x1 - x0 < 1 || y1 - y0 < 1) continue;
    const det: Detection = { bbox: [x0, y0, x1 - x0, y1 - y0], label: DETECTOR_CLASSES[p.c]!, score: p.score };
    const cross = params.crossClassIou ?? 0.7;
    if (kept.some((k) => iou(k.bbox, det.bbox) > (k.label === det.label ? params.nmsIou : cross))) continue;
    kept.push(det);
  }
  return kept;
}

/** A box in network-input pixels with its class index. */
export interface TargetBox {
  cls: number;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export interface Targets {
  /** [gridH, gridW, classes]: Gaussian centre heatmap, exactly 1 at each centre cell. */
  heat: Float32Array;
  /** [gridH, gridW, 4]: log(w/stride), log(h/stride), offset x, offset y at centre cells. */
  reg: Float32Array;
  /** [gridH, gridW, 1]: 1 at centre cells. */
  mask: Float32Array;
}

/**
 * Training targets for one image. The Gaussian around each centre is elliptical, its sigma a sixth of
 * the box side times 0.54 (as TTFNet), at least half a cell.
 */
export function encodeTargets(boxes: readonly TargetBox[], gridH: number, gridW: number, stride: number): Targets {
  const nc = DETECTOR_CLASSES.length;
  const heat = new Float32Array(gridH * gridW * nc);
  const reg = new Float32Array(gridH * gridW * 4);
  const mask = new Float32Array(gridH * gridW);
  for (const b of boxes) {
    const w = (b.xmax - b.xmin) / stride;
    const h = (b.ymax - b.ymin) / stride;
    if (w <= 0 || h <= 0) continue;
    const cx = (b.xmin + b.xmax) / 2 / stride;
    const cy = (b.ymin + b.ymax) / 2 / stride;
    const gx = Math.min(gridW - 1, Math.max(0, Math.floor(cx)));
    const gy = Math.min(gridH - 1, Math.max(0, Math.floor(cy)));
    const sxg = Math.max(0.5, (0.54 * w) / 6);
    const syg = Math.max(0.5, (0.54 * h) / 6);
    const rx = Math.ceil(3 * sxg);
    const ry = Math.ceil(3 * syg);
    for (let y = Math.max(0, gy - ry); y <= Math.min(gridH - 1, gy + ry); y++) {
      for (let x = Math.max(0, gx - rx); x <= Math.min(gridW - 1, gx + rx); x++) {
        const dx = x - gx;
        const dy = y - gy;
        const v = Math.exp(-(dx * dx) / (2 * sxg * sxg) - (dy * dy) / (2 * syg * syg));
        const i = (y * gridW + x) * nc + b.cls;
        if (v > heat[i]!) heat[i] = v;
      }
    }
    const cell = gy * gridW + gx;
    heat[cell * nc + b.cls] = 1;
    reg[cell * 4] = Math.log(w);
    reg[cell * 4 + 1] = Math.log(h);
    reg[cell * 4 + 2] = cx - gx;
    reg[cell * 4 + 3] = cy - gy;
    mask[cell] = 1;
  }
  return { heat, reg, mask };
}
