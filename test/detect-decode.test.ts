// Detector decoding (peak picking on a hand-made grid, boxes back to image pixels), target encoding,
// and VOC-style average precision on known boxes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePrecision, computeAp, decodeGrid, encodeTargets, iou, OUT_CHANNELS, type Detection } from '../src/detect/index.ts';

const logit = (p: number) => Math.log(p / (1 - p));

/** A grid of logits: every cell at probability 0.01, zero size/offset. */
function blankGrid(gh: number, gw: number): Float32Array {
  const raw = new Float32Array(gh * gw * OUT_CHANNELS);
  for (let i = 0; i < gh * gw; i++) {
    raw[i * OUT_CHANNELS] = logit(0.01);
    raw[i * OUT_CHANNELS + 1] = logit(0.01);
  }
  return raw;
}

function setCell(raw: Float32Array, gw: number, y: number, x: number, c: number, p: number, w = 1, h = 1, ox = 0.5, oy = 0.5): void {
  const b = (y * gw + x) * OUT_CHANNELS;
  raw[b + c] = logit(p);
  raw[b + 2] = Math.log(w);
  raw[b + 3] = Math.log(h);
  raw[b + 4] = ox;
  raw[b + 5] = oy;
}

test('decode: 3x3 peaks above the threshold become boxes in image pixels, best first', () => {
  const gh = 12;
  const gw = 16;
  const raw = blankGrid(gh, gw);
  // A Cog centre at cell (3, 4): 2 cells wide, 4 tall, offset (0.5, 0.25); a weaker neighbour is no peak.
  setCell(raw, gw, 3, 4, 0, 0.9, 2, 4, 0.5, 0.25);
  setCell(raw, gw, 3, 5, 0, 0.6);
  // A Toon at cell (8, 12).
  setCell(raw, gw, 8, 12, 1, 0.7, 3, 3, 0, 0);
  // Below the threshold: ignored.
  setCell(raw, gw, 10, 1, 0, 0.2);
  // The same cell as the Cog but the Toon channel: peaks are per class.
  const geo = { gridH: gh, gridW: gw, stride: 4, inputH: 48, inputW: 64, imageH: 480, imageW: 640 };
  const dets = decodeGrid(raw, geo, { threshold: 0.3, topK: 10, nmsIou: 1 });
  assert.equal(dets.length, 2, JSON.stringify(dets));
  const [cog, toon] = dets as [Detection, Detection];
  assert.equal(cog.label, 'cog');
  assert.ok(Math.abs(cog.score - 0.9) < 1e-6);
  // centre (4.5, 3.25) cells * stride 4 = (18, 13) input px; size 8x16 input px; x10 to the image.
  const expectCog = [(18 - 4) * 10, (13 - 8) * 10, 80, 160];
  cog.bbox.forEach((v, i) => assert.ok(Math.abs(v - expectCog[i]!) < 1e-3, `cog bbox ${cog.bbox} vs ${expectCog}`));
  assert.equal(toon.label, 'toon');
  const expectToon = [(48 - 6) * 10, (32 - 6) * 10, 120, 120];
  toon.bbox.forEach((v, i) => assert.ok(Math.abs(v - expectToon[i]!) < 1e-3, `toon bbox ${toon.bbox} vs ${expectToon}`));
  // top K keeps the best; a high threshold keeps none; a wrong-sized grid is refused.
  assert.deepEqual(decodeGrid(raw, geo, { threshold: 0.3, topK: 1, nmsIou: 1 }).map((d) => d.label), ['cog']);
  assert.equal(decodeGrid(raw, geo, { threshold: 0.95, topK: 10, nmsIou: 1 }).length, 0);
  assert.throws(() => decodeGrid(raw.subarray(1), geo), /expected 12x16x6/);
});

test('decode: boxes are clipped to the frame and same-class duplicates removed by NMS', () => {
  const gh = 6;
  const gw = 8;
  const raw = blankGrid(gh, gw);
  setCell(raw, gw, 0, 0, 0, 0.8, 4, 4, 0, 0); // centre at the corner: half the box is outside
  setCell(raw, gw, 3, 4, 1, 0.9, 4, 4, 0.5, 0.5);
  setCell(raw, gw, 3, 6, 1, 0.85, 4, 4, 0.0, 0.5); // overlaps the first Toon with IoU 0.45
  const geo = { gridH: gh, gridW: gw, stride: 4, inputH: 24, inputW: 32, imageH: 24, imageW: 32 };
  const all = decodeGrid(raw, geo, { threshold: 0.5, topK: 10, nmsIou: 1 });
  assert.equal(all.length, 3);
  const corner = all.find((d) => d.label === 'cog')!;
  corner.bbox.forEach((v, i) => assert.ok(Math.abs(v - [0, 0, 8, 8][i]!) < 1e-6, `corner bbox ${corner.bbox}`));
  const nms = decodeGrid(raw, geo, { threshold: 0.5, topK: 10, nmsIou: 0.3 });
  assert.equal(nms.filter((d) => d.label === 'toon').length, 1);
  assert.equal(nms.find((d) => d.label === 'toon')!.score.toFixed(2), '0.90');
});

test('decode: one figure is a Cog or a Toon: the weaker class at the same place is dropped unless crossClassIou is 1', () => {
  const gh = 6;
  const gw = 8;
  const raw = blankGrid(gh, gw);
  setCell(raw, gw, 3, 4, 0, 0.6, 3, 5);
  setCell(raw, gw, 3, 4, 1, 0.8, 3, 5);
  const geo = { gridH: gh, gridW: gw, stride: 4, inputH: 24, inputW: 32, imageH: 24, imageW: 32 };
  assert.deepEqual(decodeGrid(raw, geo, { threshold: 0.5, topK: 10, nmsIou: 0.6, crossClassIou: 0.7 }).map((d) => d.label), ['toon']);
  assert.deepEqual(decodeGrid(raw, geo, { threshold: 0.5, topK: 10, nmsIou: 0.6, crossClassIou: 1 }).map((d) => d.label), ['toon', 'cog']);
});

test('encodeTargets then decode recovers the boxes', () => {
  const boxes = [
    { cls: 0, xmin: 10, ymin: 20, xmax: 30, ymax: 70 },
    { cls: 1, xmin: 60, ymin: 10, xmax: 90, ymax: 40 },
  ];
  const gh = 24;
  const gw = 32;
  const t = encodeTargets(boxes, gh, gw, 4);
  assert.equal(t.mask.reduce((s, v) => s + v, 0), 2);
  assert.equal(t.heat.filter((v) => v === 1).length, 2);
  assert.ok(t.heat.some((v) => v > 0.3 && v < 1), 'Gaussian around the centres');
  const raw = new Float32Array(gh * gw * OUT_CHANNELS);
  for (let i = 0; i < gh * gw; i++) {
    raw[i * OUT_CHANNELS] = logit(Math.min(0.999, Math.max(1e-4, t.heat[i * 2]!)));
    raw[i * OUT_CHANNELS + 1] = logit(Math.min(0.999, Math.max(1e-4, t.heat[i * 2 + 1]!)));
    for (let k = 0; k < 4; k++) raw[i * OUT_CHANNELS + 2 + k] = t.reg[i * 4 + k]!;
  }
  const dets = decodeGrid(raw, { gridH: gh, gridW: gw, stride: 4, inputH: 96, inputW: 128, imageH: 96, imageW: 128 }, { threshold: 0.5, topK: 10, nmsIou: 1 });
  assert.equal(dets.length, 2);
  for (const b of boxes) {
    const d = dets.find((x) => x.label === (b.cls === 0 ? 'cog' : 'toon'))!;
    assert.ok(iou(d.bbox, [b.xmin, b.ymin, b.xmax - b.xmin, b.ymax - b.ymin]) > 0.99, `${d.bbox}`);
  }
});

test('AP: VOC all-points interpolation on known rankings', () => {
  assert.equal(averagePrecision([true, true], 2), 1);
  assert.equal(averagePrecision([false, true], 1), 0.5);
  assert.equal(averagePrecision([true], 2), 0.5);
  assert.equal(averagePrecision([true, false, true], 2), 0.5 + 0.5 * (2 / 3));
  assert.equal(averagePrecision([], 3), 0);
});

test('AP: matching at IoU 0.5, duplicates are false positives, mAP over classes with objects', () => {
  const gt = [
    [
      { label: 'cog_sb_coldcaller', box: { xmin: 0, ymin: 0, xmax: 10, ymax: 10 } },
      { label: 'cog_bb_flunky', box: { xmin: 50, ymin: 50, xmax: 70, ymax: 90 } },
    ],
    [{ label: 'cog', box: { xmin: 20, ymin: 20, xmax: 40, ymax: 40 } }],
  ];
  const perfect: Detection[][] = [
    [
      { bbox: [0, 0, 10, 10], label: 'cog', score: 0.9 },
      { bbox: [50, 50, 20, 40], label: 'cog', score: 0.8 },
    ],
    [{ bbox: [20, 20, 20, 20], label: 'cog', score: 0.7 }],
  ];
  const r = computeAp(perfect, gt);
  assert.equal(r.perClass.cog.ap, 1);
  assert.equal(r.perClass.toon.ap, null, 'no Toon in the ground truth');
  assert.equal(r.mAP50, 1);
  // A duplicate ranked first on image 1 box, a shifted box (IoU 1/3) and a Toon false alarm.
  const worse: Detection[][] = [
    [
      { bbox: [0, 0, 10, 10], label: 'cog', score: 0.95 },
      { bbox: [1, 0, 10, 10], label: 'cog', score: 0.9 },
      { bbox: [60, 50, 20, 40], label: 'cog', score: 0.8 },
      { bbox: [100, 100, 5, 5], label: 'toon', score: 0.99 },
    ],
    [{ bbox: [20, 20, 20, 20], label: 'cog', score: 0.7 }],
  ];
  const w = computeAp(worse, gt);
  // ranking: TP, FP (duplicate), FP (IoU 1/3), TP -> AP = 1/3 * 1 + 1/3 * 2/4 (recall 2/3 reached at rank 4)
  assert.ok(Math.abs(w.perClass.cog.ap! - (1 / 3 + (1 / 3) * 0.5)) < 1e-9, String(w.perClass.cog.ap));
  assert.equal(w.perClass.cog.tp, 2);
  assert.equal(w.perClass.cog.fp, 2);
  assert.equal(w.perClass.toon.fp, 1);
  assert.equal(w.mAP50, w.perClass.cog.ap);
});
