// explain --filters: the filters' patterns of the shipped demo suit model (a real trained model) differ
// from filter to filter and from layer to layer, are drawn the same for a seed, and do not look like
// those of the same network untrained; the CLI writes one titled grid per conv layer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initEngine } from '../src/engine/index.ts';
import { readImage } from '../src/image.ts';
import { makeClassifier } from '../src/model/architectures.ts';
import { displayPattern, filterPatterns } from '../src/model/filters.ts';
import type { LayerPatterns } from '../src/model/filters.ts';
import type { LoadedModel } from '../src/model/folder.ts';
import { loadModelFolder } from '../src/model/folder.ts';
import { ROOT, tempDir } from './helpers.ts';
import { runCli } from './keras-helpers.ts';

const DEMO = path.join(ROOT, 'models', 'demo', 'suit');
const skip = existsSync(path.join(DEMO, 'model.json')) ? false : `needs the shipped demo model ${DEMO} (not found)`;
const STEPS = 8;

let tmp: { dir: string; cleanup: () => Promise<void> };
let trained: LoadedModel;
let untrained: LoadedModel;
let patterns: LayerPatterns[];
let fresh: LayerPatterns[];

/** Mean absolute difference of two patterns' display bytes (0-255). */
function diff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

/** The patterns of the filters that fired (a filter that never fires keeps the seeded noise). */
function live(l: LayerPatterns): Uint8Array[] {
  return l.patterns.filter((_, i) => l.activation[i]! > 0);
}

before(async () => {
  tmp = await tempDir('toonvision-filters-');
  if (skip) return;
  await initEngine();
  trained = await loadModelFolder(DEMO);
  const model = makeClassifier({ task: 'suit', preset: 'fast', dropout: 0, inputShape: trained.metadata.inputShape });
  untrained = { dir: '(untrained)', model, metadata: trained.metadata };
  patterns = filterPatterns(trained, { steps: STEPS });
  fresh = filterPatterns(untrained, { steps: STEPS });
});
after(async () => {
  trained?.model.dispose();
  untrained?.model.dispose();
  await tmp.cleanup();
});

test('displayPattern centres a pattern on grey with 64 levels a standard deviation; a flat one stays grey', () => {
  assert.deepEqual(Array.from(displayPattern(Float32Array.from([5, 5, 5]))), [128, 128, 128]);
  assert.deepEqual(Array.from(displayPattern(Float32Array.from([-1, 1, -1, 1]))), [64, 192, 64, 192]);
  assert.deepEqual(Array.from(displayPattern(Float32Array.from([0, 0, 0, 100]))), [91, 91, 91, 239]);
});

test('every conv layer of the trained model gets a pattern per filter, and the filters differ', { skip }, () => {
  assert.deepEqual(patterns.map((l) => l.patterns.length), [16, 32, 64, 64]);
  for (const l of patterns) {
    const ps = live(l);
    assert.ok(ps.length >= l.patterns.length * 0.75, `${l.layer}: ${ps.length} of ${l.patterns.length} filters fired`);
    let same = 0;
    let pairs = 0;
    for (let i = 0; i < ps.length; i++) {
      for (let j = i + 1; j < ps.length; j++) {
        pairs++;
        if (diff(ps[i]!, ps[j]!) < 4) same++;
      }
    }
    assert.ok(same <= pairs * 0.05, `${l.layer}: ${same} of ${pairs} pairs of patterns look alike`);
  }
});

test('the layers differ: no pattern of one layer is a pattern of another', { skip }, () => {
  for (let a = 0; a < patterns.length; a++) {
    for (let b = a + 1; b < patterns.length; b++) {
      let closest = Infinity;
      for (const p of live(patterns[a]!)) for (const q of live(patterns[b]!)) closest = Math.min(closest, diff(p, q));
      assert.ok(closest > 4, `${patterns[a]!.layer} vs ${patterns[b]!.layer}: closest patterns ${closest.toFixed(2)} apart`);
    }
  }
  // The deeper the layer, the more a filter is excited by what training taught it to look for.
  const mean = (l: LayerPatterns) => l.activation.reduce((s, x) => s + x, 0) / l.activation.length;
  assert.ok(mean(patterns[3]!) > mean(patterns[0]!), `mean activations ${patterns.map(mean)}`);
});

test('the untrained network draws other patterns than the trained one, filter by filter', { skip }, () => {
  for (let k = 0; k < patterns.length; k++) {
    const a = patterns[k]!;
    const b = fresh[k]!;
    assert.deepEqual(a.shape, b.shape);
    let alike = 0;
    for (let f = 0; f < a.patterns.length; f++) if (diff(a.patterns[f]!, b.patterns[f]!) < 4) alike++;
    assert.ok(alike <= a.patterns.length * 0.1, `${a.layer}: ${alike} of ${a.patterns.length} filters look the same trained and untrained`);
  }
});

test('the same seed draws the same patterns; another seed other ones', { skip }, () => {
  const again = filterPatterns(trained, { steps: STEPS, layer: patterns[1]!.layer });
  assert.equal(again.length, 1);
  assert.deepEqual(again[0]!.patterns, patterns[1]!.patterns);
  const other = filterPatterns(trained, { steps: STEPS, layer: patterns[1]!.layer, seed: 2 });
  assert.notDeepEqual(other[0]!.patterns, patterns[1]!.patterns);
});

test('explain --filters writes one titled grid per conv layer; --layer one; an unknown layer is named', { skip }, async () => {
  const all = path.join(tmp.dir, 'filters.png');
  const r = await runCli(['explain', '--model', DEMO, '--filters', all, '--steps', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { filters: string; filterLayers: { layer: string; filters: number; activation: number[] }[] };
  assert.equal(report.filters, all);
  assert.deepEqual(report.filterLayers.map((l) => l.filters), [16, 32, 64, 64]);
  const img = await readImage(await readFile(all));
  // 96x48 input as 96 px tiles, 16 a row: 1 + 2 + 4 + 4 rows, each layer a 20 px title.
  assert.equal(img.height, 4 * (20 + 2) + 11 * (96 + 2));
  assert.equal(img.width, 16 * (48 + 2) + 2);

  const one = path.join(tmp.dir, 'one.png');
  const r1 = await runCli(['explain', '--model', DEMO, '--filters', one, '--layer', report.filterLayers[0]!.layer, '--steps', '2']);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal((await readImage(await readFile(one))).height, 20 + 2 + 96 + 2);

  const bad = await runCli(['explain', '--model', DEMO, '--filters', path.join(tmp.dir, 'bad.png'), '--layer', 'dense_1']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /suit: no conv layer 'dense_1' \(conv layers: /);
  assert.equal(existsSync(path.join(tmp.dir, 'bad.png')), false);
  const none = await runCli(['explain', '--model', DEMO]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /needs an image \(with --out\) or --filters/);
  const jpg = await runCli(['explain', '--model', DEMO, '--filters', path.join(tmp.dir, 'f.jpg')]);
  assert.equal(jpg.code, 2);
  assert.match(jpg.stderr, /--filters '.*f\.jpg' must be a \.png file/);
});

test('explain --filters F.png IMAGE:box without --out puts the heatmap and activations beside the filters (../shared/CLI.md)', { skip }, async () => {
  const { renderScene } = await import('../src/synth/index.ts');
  const scene = path.join(tmp.dir, 'scene.png');
  await writeFile(scene, (await renderScene({ seed: 5, index: 0, width: 200, height: 160 })).png);
  const filters = path.join(tmp.dir, 'with-image.png');
  const r = await runCli(['explain', '--model', DEMO, '--filters', filters, '--steps', '1', `${scene}:20,10,120,150`, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { heatmap: string; activations: string; filters: string; label: string; input: string };
  assert.equal(report.filters, filters);
  assert.equal(report.heatmap, path.join(tmp.dir, 'with-image-heatmap.png'));
  assert.equal(report.activations, path.join(tmp.dir, 'with-image-heatmap-activations.png'));
  assert.equal(report.input, `${scene}:20,10,120,150`);
  for (const f of [filters, report.heatmap, report.activations]) assert.ok((await readImage(await readFile(f))).width > 0, f);
  // Without --filters, an image still needs --out.
  const bare = await runCli(['explain', '--model', DEMO, scene]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /--out FILE\.png is needed/);
});

