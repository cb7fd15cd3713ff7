// Pictures of a training run, as PNG in the model folder: vega-lite -> SVG (vega, no canvas) -> sharp.
// Loss/accuracy curves, box plots of test accuracy and loss over runs (baseline vs optimized), the
// confusion matrix, and a gallery of the wrong predictions with E and A under each crop.
import path from 'node:path';
import sharp from 'sharp';
import type { OverlayOptions } from 'sharp';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { Evaluation } from './evaluate.ts';
import type { EpochRecord } from './trainer.ts';
import { escapeXml } from '../image.ts';

export const PLOT_FILES = {
  curves: 'curves.png',
  boxplot: 'comparison.png',
  confusion: 'confusion.png',
  wrong: 'wrong.png',
  optimizers: 'optimizers.png',
} as const;

async function renderVegaLite(spec: Record<string, unknown>, file: string): Promise<void> {
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', background: 'white', ...spec };
  const compiled = vl.compile(full as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG(2);
  view.finalize();
  await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toFile(file);
}

export interface RunCurves {
  group: string;
  history: EpochRecord[];
}

/**
 * Ten colours told apart at a glance (Tableau 10), in the order the groups come: the optimizer
 * comparison draws up to nine lines per panel.
 */
export const LINE_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export interface CurvesOptions {
  /** one panel per data set (train above, validation below) instead of dashed validation lines beside solid train lines */
  panels?: boolean;
  /** the legend's title (default 'model') */
  legend?: string;
}

/**
 * Mean training and validation loss/accuracy per epoch of each group of runs: by default train solid and
 * validation dashed in one panel per metric; with `panels`, a panel per metric and data set.
 */
export async function plotCurves(runs: readonly RunCurves[], file: string, title: string, opts: CurvesOptions = {}): Promise<void> {
  const sums = new Map<string, { sum: number; n: number; row: Record<string, unknown> }>();
  const add = (group: string, epoch: number, metric: string, set: string, value: number | undefined) => {
    if (value === undefined || !Number.isFinite(value)) return;
    const key = `${group}|${epoch}|${metric}|${set}`;
    const e = sums.get(key) ?? { sum: 0, n: 0, row: { group, epoch, metric, set, series: `${group} ${set}` } };
    e.sum += value;
    e.n++;
    sums.set(key, e);
  };
  for (const r of runs) {
    for (const h of r.history) {
      add(r.group, h.epoch, 'loss', 'train', h.loss);
      add(r.group, h.epoch, 'loss', 'validation', h.valLoss);
      add(r.group, h.epoch, 'accuracy', 'train', h.accuracy);
      add(r.group, h.epoch, 'accuracy', 'validation', h.valAccuracy);
    }
  }
  const values = [...sums.values()].map((e) => ({ ...e.row, value: e.sum / e.n }));
  const groups = [...new Set(runs.map((r) => r.group))];
  const nRuns = runs.length / Math.max(1, groups.length);
  const mean = nRuns > 1 ? ` (mean of ${runs.length} runs)` : '';
  const color = { field: 'group', type: 'nominal', title: opts.legend ?? 'model', sort: groups, scale: { domain: groups, range: LINE_COLOURS } };
  const x = { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } };
  const y = { field: 'value', type: 'quantitative', scale: { zero: false }, title: null };
  const spec = opts.panels
    ? {
        title: `${title}${mean}`,
        data: { values },
        facet: {
          row: { field: 'set', type: 'nominal', sort: ['train', 'validation'], title: null, header: { labelFontSize: 13 } },
          column: { field: 'metric', type: 'nominal', sort: ['loss', 'accuracy'], title: null, header: { labelFontSize: 13 } },
        },
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: 380,
          height: 220,
          mark: { type: 'line', point: { size: 16 }, strokeWidth: 2 },
          encoding: { x, y, color, detail: { field: 'series' } },
        },
        config: { legend: { labelFontSize: 12, titleFontSize: 12, symbolStrokeWidth: 3 } },
      }
    : {
        title: `${title}${mean}: solid train, dashed validation`,
        data: { values },
        facet: { column: { field: 'metric', type: 'nominal', sort: ['loss', 'accuracy'], title: null } },
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: 360,
          height: 240,
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y,
            color,
            strokeDash: { field: 'set', type: 'nominal', title: 'data', sort: ['train', 'validation'], legend: null },
            detail: { field: 'series' },
          },
        },
      };
  await renderVegaLite(spec, file);
}

/** Box plots of test accuracy and loss over runs, one box per group (the article's comparison figure). */
export async function plotComparison(tests: readonly { group: string; accuracy: number; loss: number }[], file: string, title: string): Promise<void> {
  const values = tests.flatMap((t) => [
    { group: t.group, metric: 'test accuracy', value: t.accuracy },
    { group: t.group, metric: 'test loss', value: t.loss },
  ]);
  await renderVegaLite(
    {
      title,
      data: { values },
      facet: { column: { field: 'metric', type: 'nominal', title: null } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 260,
        height: 280,
        layer: [
          {
            mark: { type: 'boxplot', extent: 1.5, size: 40 },
            encoding: {
              x: { field: 'group', type: 'nominal', title: null, sort: ['baseline', 'optimized'] },
              y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null },
              color: { field: 'group', type: 'nominal', legend: null },
            },
          },
          {
            mark: { type: 'point', opacity: 0.5, color: 'black', size: 12 },
            encoding: {
              x: { field: 'group', type: 'nominal', sort: ['baseline', 'optimized'] },
              y: { field: 'value', type: 'quantitative' },
            },
          },
        ],
      },
    },
    file,
  );
}

/** The confusion matrix, true class down, predicted class across, counts in the cells. */
export async function plotConfusion(ev: Evaluation, file: string, title: string): Promise<void> {
  const values = ev.confusion.flatMap((row, i) => row.map((n, j) => ({ truth: ev.classes[i], predicted: ev.classes[j], n })));
  const k = ev.classes.length;
  const cell = k > 16 ? 18 : k > 6 ? 32 : 60;
  await renderVegaLite(
    {
      title: `${title}: accuracy ${(ev.accuracy * 100).toFixed(2)}% on ${ev.count} crops`,
      data: { values },
      width: cell * k,
      height: cell * k,
      encoding: {
        x: { field: 'predicted', type: 'ordinal', sort: ev.classes, axis: { labelAngle: -60 } },
        y: { field: 'truth', type: 'ordinal', sort: ev.classes, title: 'true class' },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'n', type: 'quantitative', scale: { scheme: 'blues', type: 'symlog' }, title: 'crops' } } },
        {
          mark: { type: 'text', fontSize: k > 16 ? 7 : 11 },
          transform: [{ filter: 'datum.n > 0' }],
          encoding: { text: { field: 'n', type: 'quantitative' }, color: { condition: { test: 'datum.n > 20', value: 'white' }, value: 'black' } },
        },
      ],
    },
    file,
  );
}

/**
 * The wrong predictions, highest error first: each crop (as a 2:... tile) with its file, the true and
 * predicted class, E and A beneath. At most `max` tiles; a picture saying "no wrong predictions" otherwise.
 */
export async function plotWrong(ev: Evaluation, file: string, title: string, max = 24): Promise<void> {
  const tileW = 120;
  const tileH = 240;
  const textH = 58;
  const cols = 6;
  const shown = ev.wrong.slice(0, max);
  const rows = Math.max(1, Math.ceil(shown.length / cols));
  const headH = 30;
  const width = cols * tileW + (cols + 1) * 8;
  const height = headH + rows * (tileH + textH + 8) + 8;
  const composites: OverlayOptions[] = [];
  const texts: string[] = [];
  for (let i = 0; i < shown.length; i++) {
    const w = shown[i]!;
    const x = 8 + (i % cols) * (tileW + 8);
    const y = headH + Math.floor(i / cols) * (tileH + textH + 8);
    let tile: Buffer;
    try {
      tile = await sharp(w.file).resize(tileW, tileH, { fit: 'contain', background: '#dddddd' }).png().toBuffer();
    } catch {
      tile = await sharp({ create: { width: tileW, height: tileH, channels: 3, background: '#ff00ff' } }).png().toBuffer();
    }
    composites.push({ input: tile, left: x, top: y });
    const name = path.basename(w.file);
    const t = (dy: number, s: string, extra = '', size = 11) =>
      `<text x="${x + tileW / 2}" y="${y + tileH + dy}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="${size}" ${extra}>${escapeXml(s)}</text>`;
    texts.push(t(13, `E ${w.error.toFixed(2)}  A ${w.A.toFixed(2)}`, 'font-weight="bold"'));
    texts.push(t(27, `${w.label} → ${w.predicted}`, 'fill="#a01010"'));
    texts.push(t(41, name.length > 20 ? `${name.slice(0, 19)}…` : name, 'fill="#555555"', 9));
  }
  const heading = shown.length
    ? `${title}: ${ev.wrong.length} wrong of ${ev.count}, highest error first (E error, A output)`
    : `${title}: no wrong predictions on ${ev.count} crops`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<text x="8" y="20" font-family="DejaVu Sans, sans-serif" font-size="14" font-weight="bold">${escapeXml(heading)}</text>
${texts.join('\n')}
</svg>`;
  composites.push({ input: Buffer.from(svg), left: 0, top: 0 });
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(composites).png().toFile(file);
}
