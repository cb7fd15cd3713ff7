// `stats`: how balanced the dataset is: crops per label, suit, animal and Toon vs Cog, per split
// (and unsorted), as a table and as the article's label-balance bar chart.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { ALL_LABELS, ANIMALS, KINDS, LABELS, parseLabel, SUIT_COLOURS, SUITS } from '../taxonomy.ts';
import { listAllCrops } from './files.ts';
import { SPLITS } from './layout.ts';
import { RunError } from '../errors.ts';

/** The article's minimum: 20 crops per unique Cog. */
export const DESIRED_PER_COG = 20;

export const STAT_COLUMNS = ['unsorted', ...SPLITS] as const;
export type StatColumn = (typeof STAT_COLUMNS)[number];

export interface Counts {
  unsorted: number;
  train: number;
  validate: number;
  test: number;
  total: number;
}

export interface DatasetStats {
  /** all 43 labels, zero counts included, in taxonomy order */
  byLabel: Record<string, Counts>;
  bySuit: Record<string, Counts>;
  byAnimal: Record<string, Counts>;
  byKind: Record<string, Counts>;
  total: Counts;
  /** desired crops per Cog label (the article's minimum) */
  desired: number;
  /** mean crops per label, over the Cog labels, the Toon labels, and all labels */
  average: { cog: number; toon: number; all: number };
  /** image files in the crop folders whose names are not crop names */
  skipped: { file: string; reason: string }[];
}

function zero(): Counts {
  return { unsorted: 0, train: 0, validate: 0, test: 0, total: 0 };
}

function table<K extends string>(keys: readonly K[]): Record<K, Counts> {
  return Object.fromEntries(keys.map((k) => [k, zero()])) as Record<K, Counts>;
}

/** Counts the crops of a root. */
export async function datasetStats(root: string): Promise<DatasetStats> {
  if (!existsSync(root)) throw new RunError(`${root}: no such data root`, 'data-root');
  const { crops, bad } = await listAllCrops(root);
  const byLabel = table(ALL_LABELS);
  const bySuit = table(SUITS);
  const byAnimal = table(ANIMALS);
  const byKind = table(KINDS);
  const total = zero();
  for (const c of crops) {
    const rows = [byLabel[c.label]!, byKind[c.parsed.kind], total];
    if (c.parsed.suit) rows.push(bySuit[c.parsed.suit]);
    if (c.parsed.animal) rows.push(byAnimal[c.parsed.animal]);
    for (const r of rows) {
      r[c.split]++;
      r.total++;
    }
  }
  const mean = (labels: readonly string[]) =>
    labels.length === 0 ? 0 : +(labels.reduce((s, l) => s + byLabel[l]!.total, 0) / labels.length).toFixed(2);
  const cogLabels = LABELS.filter((l) => l.startsWith('cog_'));
  const toonLabels = LABELS.filter((l) => l.startsWith('toon_'));
  return {
    byLabel,
    bySuit,
    byAnimal,
    byKind,
    total,
    desired: DESIRED_PER_COG,
    average: { cog: mean(cogLabels), toon: mean(toonLabels), all: mean(LABELS) },
    skipped: bad,
  };
}

/** A plain-text table: one row per label, then per suit, animal and kind, with a column per split. */
export function formatStatsTable(s: DatasetStats): string {
  const head = ['', ...STAT_COLUMNS, 'total'];
  const rows: string[][] = [];
  const section = (title: string, rec: Record<string, Counts>) => {
    rows.push([title]);
    for (const [k, c] of Object.entries(rec)) rows.push([`  ${k}`, ...STAT_COLUMNS.map((col) => String(c[col])), String(c.total)]);
  };
  section('label', s.byLabel);
  section('suit', s.bySuit);
  section('animal', s.byAnimal);
  section('kind', s.byKind);
  rows.push(['total', ...STAT_COLUMNS.map((col) => String(s.total[col])), String(s.total.total)]);
  const width = head.map((_, i) => Math.max(head[i]!.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.length === 1 ? r[0]! : r.map((cell, i) => (i === 0 ? cell.padEnd(width[i]!) : cell.padStart(width[i]!))).join('  ');
  const under = cogsUnderDesired(s);
  return [
    line(head),
    ...rows.map(line),
    '',
    `desired per Cog: ${s.desired}; average per label: Cog ${s.average.cog}, Toon ${s.average.toon}, all ${s.average.all}`,
    under.length ? `Cogs under the desired count (${under.length}): ${under.join(', ')}` : 'every Cog has at least the desired count',
  ].join('\n');
}

function cogsUnderDesired(s: DatasetStats): string[] {
  return Object.entries(s.byLabel)
    .filter(([l, c]) => l.startsWith('cog_') && c.total < s.desired)
    .map(([l]) => l);
}

/** The vega-lite spec of the label-balance chart: a bar per label, desired (green) and average (red) marks. */
export function balanceChartSpec(s: DatasetStats): TopLevelSpec {
  const values = LABELS.map((label) => {
    const p = parseLabel(label);
    const group = p.kind === 'cog' ? p.suit : 'toon';
    return {
      label,
      group,
      count: s.byLabel[label]!.total,
      desired: p.kind === 'cog' ? s.desired : null,
      average: p.kind === 'cog' ? s.average.cog : s.average.toon,
    };
  });
  const groups = [...SUITS, 'toon'];
  const colours = [...SUITS.map((x) => SUIT_COLOURS[x]), '#e0a030'];
  const x = { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelAngle: -60, labelFontSize: 11, labelLimit: 0 } } as const;
  const maxY = Math.max(s.desired, ...values.map((v) => v.count)) * 1.1 + 1;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `Label balance: ${s.total.total} crops (${s.byKind.cog!.total} Cog, ${s.byKind.toon!.total} Toon)`, fontSize: 16 },
    width: 1100,
    height: 360,
    background: 'white',
    data: { values },
    encoding: { x },
    layer: [
      {
        mark: { type: 'bar', opacity: 1 },
        encoding: {
          y: { field: 'count', type: 'quantitative', title: 'crops', scale: { domain: [0, maxY] } },
          color: {
            field: 'group',
            type: 'nominal',
            scale: { domain: groups, range: colours },
            legend: { title: 'suit / Toon', labelExpr: "{bb:'Bossbot',lb:'Lawbot',cb:'Cashbot',sb:'Sellbot',toon:'Toon'}[datum.label]" },
          },
        },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 10, color: '#333' },
        encoding: { y: { field: 'count', type: 'quantitative' }, text: { field: 'count', type: 'quantitative' } },
      },
      {
        transform: [
          { fold: ['desired', 'average'], as: ['line', 'value'] },
          { filter: 'datum.value != null' },
          {
            calculate: `datum.line == 'desired' ? 'desired: ${s.desired} per Cog' : 'average per label (Cog ${s.average.cog}, Toon ${s.average.toon})'`,
            as: 'mark',
          },
        ],
        mark: { type: 'tick', thickness: 3, bandSize: 22, opacity: 1 },
        encoding: {
          y: { field: 'value', type: 'quantitative' },
          color: {
            field: 'mark',
            type: 'nominal',
            scale: {
              domain: [`desired: ${s.desired} per Cog`, `average per label (Cog ${s.average.cog}, Toon ${s.average.toon})`],
              range: ['#00c000', '#e00000'],
            },
            legend: { title: 'lines', orient: 'top', labelLimit: 400, symbolType: 'square' },
          },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
    config: { view: { stroke: null }, font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif' },
  } as TopLevelSpec;
}

/** SVG text of the label-balance chart, rendered headless by vega. */
export async function balanceChartSvg(s: DatasetStats): Promise<string> {
  const spec = compile(balanceChartSpec(s)).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes the label-balance chart as a PNG. */
export async function writeBalanceChart(s: DatasetStats, file: string): Promise<void> {
  const svg = await balanceChartSvg(s);
  const png = await sharp(Buffer.from(svg), { density: 96 }).flatten({ background: '#ffffff' }).png().toBuffer();
  await writeFile(file, png);
}
