// The pretrained detector's rescorer: which of NanoDet's 80 COCO scores mean a ToonTown character,
// fitted on labelled screenshots. Unit parts on made-up cells; the command, the folder it writes and
// retrain's use of it on real screenshots.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { FIXTURES, ROOT as REPO, runCli, tempDir } from './helpers.ts';
import { fakeNanodetOutputs } from './detect-helpers.ts';
import { DEFAULT_DECODE } from '../src/detect/decode.ts';
import { decodeNanodet, type NanodetCell } from '../src/detect/pretrained.ts';
import { cellTarget, fitRescorer, rescoreCell, rescorerBaseProblem, rescorerProblem, summariseRescorerFit, type RescoreSample } from '../src/detect/rescore.ts';
import { crossValidatedAp, foldSpread, samplesAp } from '../src/detect/rescore-eval.ts';

const REAL_EVAL = path.join(FIXTURES, 'real-eval', 'screenshots');
const skipReal = existsSync(REAL_EVAL) ? false : `needs the real-eval screenshots at ${REAL_EVAL} (not found)`;
const SHIPPED = path.join(REPO, 'models', 'demo', 'detector');

/** A cell at `box` whose scores are low noise except the given classes. */
function cell(box: [number, number, number, number], high: Record<number, number>, rand: () => number): NanodetCell {
  const scores = new Float32Array(80);
  for (let k = 0; k < 80; k++) scores[k] = 0.01 + 0.04 * rand();
  for (const [k, v] of Object.entries(high)) scores[Number(k)] = v;
  return { box, scores };
}

/** Screenshots where characters score as `dog` (16) and `teddy bear` (77) and the background as `person` (0) now and then. */
function madeUp(n: number, seed: string): RescoreSample[] {
  const rand = seedrandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const obj = { xmin: 10 + i, ymin: 10, xmax: 40 + i, ymax: 70 };
    const cells: NanodetCell[] = [];
    for (let j = 0; j < 4; j++) cells.push(cell([obj.xmin + j, obj.ymin, obj.xmax + j, obj.ymax], { 16: 0.2 + 0.1 * rand(), 77: 0.15 }, rand));
    for (let j = 0; j < 30; j++) {
      const x = 100 + 7 * j;
      cells.push(cell([x, 5, x + 20, 45], j % 3 === 0 ? { 0: 0.3 + 0.2 * rand() } : {}, rand));
    }
    return { cells, objects: [{ label: 'toon_dog', box: obj }] };
  });
}

describe('rescorer (unit)', () => {
  test('cell targets: IoU >= 0.5 a character, under 0.4 background, between and on difficult ones left out', () => {
    const objects = [
      { label: 'cog', box: { xmin: 0, ymin: 0, xmax: 10, ymax: 10 } },
      { label: 'toon', box: { xmin: 50, ymin: 0, xmax: 60, ymax: 10 }, difficult: true },
    ];
    const s = new Float32Array(80);
    assert.equal(cellTarget({ box: [0, 0, 10, 10], scores: s }, objects), 1);
    assert.equal(cellTarget({ box: [0, 0, 10, 6], scores: s }, objects), 1, 'IoU 0.6');
    assert.equal(cellTarget({ box: [0, 0, 10, 4.5], scores: s }, objects), null, 'IoU 0.45');
    assert.equal(cellTarget({ box: [20, 20, 30, 30], scores: s }, objects), 0);
    assert.equal(cellTarget({ box: [50, 0, 60, 10], scores: s }, objects), null, 'a difficult object is never a target');
  });

  test('fits which classes mean a character: dog-and-teddy cells score high, person-only background low', () => {
    const r = fitRescorer(madeUp(6, 'fit'));
    assert.equal(rescorerProblem(r), undefined);
    assert.equal(r.fittedOn!.screenshots, 6);
    assert.equal(r.fittedOn!.positives, 24);
    assert.ok(r.weights[16]! > 0, `dog weight ${r.weights[16]}`);
    assert.ok(r.weights[0]! < 0, `person weight ${r.weights[0]}`);
    const rand = seedrandom('probe');
    assert.ok(rescoreCell(r, cell([0, 0, 1, 1], { 16: 0.25, 77: 0.15 }, rand).scores) > 0.8);
    assert.ok(rescoreCell(r, cell([0, 0, 1, 1], { 0: 0.4 }, rand).scores) < 0.2);
    // Held-out screenshots of the same kind: the rescored ranking is perfect, the person score's is not.
    const test = madeUp(4, 'held');
    assert.equal(samplesAp(test, { characterClasses: [0], rescore: r }, DEFAULT_DECODE), 1);
    assert.ok(samplesAp(test, { characterClasses: [0] }, DEFAULT_DECODE) < 0.5);
    const cv = crossValidatedAp(madeUp(6, 'cv'), { folds: 3, characterClasses: [0], decode: DEFAULT_DECODE });
    assert.equal(cv.folds, 3);
    assert.equal(cv.anyAP50, 1);
    assert.ok(cv.threshold > 0 && cv.threshold < 1 && cv.recall === 1);
  });

  test('a prior pulls the weights towards it: a strong pull keeps it, none refits', () => {
    const samples = madeUp(6, 'prior');
    const prior = { kind: 'coco-logits-logistic' as const, weights: Array.from({ length: 80 }, (_, k) => (k === 5 ? 1.5 : 0)), bias: 0 };
    const kept = fitRescorer(samples, { prior, l2: 5 });
    const fresh = fitRescorer(samples, { prior, l2: 0.01 });
    assert.equal(kept.fittedOn!.prior, true);
    assert.ok(Math.abs(kept.weights[5]! - 1.5) < 0.15, `a strong pull keeps the prior's bus weight (${kept.weights[5]})`);
    assert.ok(Math.abs(fresh.weights[5]! - 1.5) > 0.5, `a weak pull lets the data move it (${fresh.weights[5]})`);
    assert.ok(kept.weights[16]! < fresh.weights[16]! / 2, `the dog is learnt less under a strong pull (${kept.weights[16]} vs ${fresh.weights[16]})`);
  });

  test('fitting on a base summary (Laplace) and new samples is fitting on the union; with no new samples it keeps the base', () => {
    // A base where characters score as dog (16), and a player whose characters score as bird (14).
    const base = madeUp(8, 'base');
    const rand = seedrandom('player');
    const player = madeUp(4, 'player').map((s) => ({ ...s, cells: s.cells.map((c, j) => (j < 4 ? cell(c.box, { 14: 0.3 + 0.1 * rand() }, rand) : c)) }));
    const fitted = fitRescorer(base);
    const summary = summariseRescorerFit(base, fitted);
    assert.equal(rescorerBaseProblem(summary), undefined);
    assert.equal(summary.positives, 32);
    const exact = fitRescorer([...base, ...player]);
    const laplace = fitRescorer(player, { base: summary, playerWeight: 1 });
    assert.deepEqual(laplace.fittedOn!.base, { screenshots: 8, positives: 32, negatives: 240, playerWeight: 1 });
    for (const k of [14, 16, 0]) assert.ok(Math.abs(laplace.weights[k]! - exact.weights[k]!) < 0.25 * Math.max(1, Math.abs(exact.weights[k]!)), `class ${k}: union ${exact.weights[k]} vs Laplace ${laplace.weights[k]}`);
    assert.ok(laplace.weights[14]! > 0.3 && laplace.weights[16]! > 0.3, 'learns the bird and keeps the dog');
    const alone = fitRescorer(player);
    const probe = cell([0, 0, 1, 1], { 16: 0.25, 77: 0.15 }, seedrandom('probe'));
    assert.ok(rescoreCell(laplace, probe.scores) > 0.8, 'a base character still scores high after learning the player\'s');
    assert.ok(rescoreCell(alone, probe.scores) < rescoreCell(laplace, probe.scores), 'fitted on the player alone it forgets the base');
    // (Gradient descent goes on from the base's weights, a little further towards its optimum than the base's own 300 steps.)
    const kept = fitRescorer([], { base: summary });
    for (const k of [0, 14, 16, 77]) assert.ok(Math.abs(kept.weights[k]! - fitted.weights[k]!) < 0.15 * Math.max(1, Math.abs(fitted.weights[k]!)), `class ${k}: ${kept.weights[k]} vs ${fitted.weights[k]}`);
    assert.match(rescorerBaseProblem({ ...summary, theta: [1] }) ?? '', /wrong length/);
  });

  test('the folds\' spread is the standard error of the per-fold differences', () => {
    assert.equal(foldSpread([0.1]), 0);
    assert.ok(foldSpread([0.1, 0.1, 0.1]) < 1e-12, 'the same gain in every fold: no spread');
    assert.ok(Math.abs(foldSpread([0, 0.2]) - 0.1) < 1e-12);
    assert.ok(Math.abs(foldSpread([0.1, 0.3, 0.2, 0.4]) - Math.sqrt(((0.15 ** 2 + 0.05 ** 2) * 2) / 3 / 4)) < 1e-12);
  });

  test('refuses to fit without characters, and names what is wrong with a stored rescorer', () => {
    const none = madeUp(2, 'none').map((s) => ({ ...s, objects: [] }));
    assert.throws(() => fitRescorer(none), /0 character cell\(s\) and 68 background cell\(s\) in 2 screenshot\(s\)/);
    assert.match(rescorerProblem({ kind: 'coco-logits-logistic', weights: [1, 2], bias: 0 }) ?? '', /weights are not 80 finite numbers/);
    assert.match(rescorerProblem({ kind: 'other', weights: [], bias: 0 }) ?? '', /kind "other"/);
    assert.match(rescorerProblem({ kind: 'coco-logits-logistic', weights: new Array(80).fill(0), bias: null }) ?? '', /bias/);
  });

  test('decodeNanodet ranks by the rescorer when the folder has one, by the character classes otherwise', () => {
    const info = { inputSize: 32, characterClasses: [0], bins: 11, strides: [8, 16, 32] };
    // Every side 1 bin (8 px at stride 8).
    const outputs = fakeNanodetOutputs(info, 1, (s, scores) => {
      if (s !== 8) return;
      scores[0 * 80 + 0] = 0.6; // cell 0: a person
      scores[10 * 80 + 16] = 0.3; // cell 10: a dog
    });
    const frame = { width: 32, height: 32, scale: 1 };
    const plain = decodeNanodet(outputs, info, frame, { ...DEFAULT_DECODE, threshold: 0.1 });
    assert.equal(plain.length, 1, 'only the person cell counts without a rescorer');
    const weights = new Array(80).fill(0);
    weights[16] = 2;
    const rescored = decodeNanodet(outputs, { ...info, rescore: { kind: 'coco-logits-logistic', weights, bias: 3 } }, frame, { ...DEFAULT_DECODE, threshold: 0.1 });
    assert.equal(rescored.length, 1, 'the person cell falls below the threshold');
    assert.deepEqual(rescored[0]!.bbox.map(Math.round), [12, 12, 16, 16], 'the dog cell (row 2, column 2 of the stride-8 grid)');
    assert.ok(rescored[0]!.score > 0.5);
    assert.deepEqual(plain[0]!.bbox.map(Math.round), [0, 0, 12, 12], 'the person cell, at the corner');
  });
});

test('copy-paste composites: characters of other screenshots pasted inside the frame, away from those there, sources named, inputs untouched', async () => {
  const { copyPasteScenes } = await import('../src/detect/copy-paste.ts');
  const scene = (v: number, box: { xmin: number; ymin: number; xmax: number; ymax: number }) => {
    const image = { width: 120, height: 80, data: new Uint8Array(120 * 80 * 3).fill(v) };
    for (let y = box.ymin; y < box.ymax; y++) image.data.fill(255 - v, (y * 120 + box.xmin) * 3, (y * 120 + box.xmax) * 3);
    return { image, objects: [{ label: v < 128 ? 'cog' : 'toon_dog', box }] };
  };
  const scenes = [scene(20, { xmin: 10, ymin: 10, xmax: 30, ymax: 50 }), scene(230, { xmin: 70, ymin: 20, xmax: 90, ymax: 60 })];
  const before = scenes.map((s) => Buffer.from(s.image.data));
  const a = await copyPasteScenes(scenes, { perScreenshot: 3, seed: 4 });
  const b = await copyPasteScenes(scenes, { perScreenshot: 3, seed: 4 });
  assert.ok(a.length >= 4, `${a.length} composites`);
  assert.deepEqual(a.map((c) => c.scene.objects), b.map((c) => c.scene.objects), 'same seed, same composites');
  scenes.forEach((s, i) => assert.ok(Buffer.from(s.image.data).equals(before[i]!), 'the screenshot itself is untouched'));
  for (const c of a) {
    const bg = c.sources[0]!;
    assert.deepEqual(c.sources.slice(1), [1 - bg], 'donors are the other screenshot');
    assert.deepEqual(c.scene.objects[0], scenes[bg]!.objects[0], 'the background keeps its own character');
    for (const o of c.scene.objects.slice(1)) {
      assert.ok(o.box.xmin >= 0 && o.box.ymin >= 0 && o.box.xmax <= 120 && o.box.ymax <= 80);
      const cx = Math.floor((o.box.xmin + o.box.xmax) / 2);
      const cy = Math.floor((o.box.ymin + o.box.ymax) / 2);
      assert.equal(c.scene.image.data[(cy * 120 + cx) * 3], 255 - (bg === 0 ? 230 : 20), 'the pasted pixels are the donor character');
    }
  }
});

describe('rescore on real screenshots', { skip: skipReal }, () => {
  const SIX = ['tto_screen1', 'tto_tt_Lg_image_lure', 'tto_Large_image_coglineup', 'tto_lg_image_trolley', 'tto_tt_Lg_image_teamwork', 'tto_TTCS5_choose'];
  async function copyNamed(names: readonly string[], dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const files = await readdir(REAL_EVAL);
    for (const n of names) for (const f of files.filter((x) => x.startsWith(`${n}.`))) await copyFile(path.join(REAL_EVAL, f), path.join(dir, f));
  }
  const copySix = (dir: string) => copyNamed(SIX, dir);

  test('toonvision rescore --json writes a detector folder with the rescorer and its threshold; the folder loads', async () => {
    const t = await tempDir('toonvision-rescore-');
    try {
      const shots = path.join(t.dir, 'shots');
      await copySix(shots);
      const out = path.join(t.dir, 'detector');
      const r = await runCli(['rescore', '--screens', shots, '--out', out, '--folds', '3', '--copy-paste', '2', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.equal(j.screenshots, 6);
      assert.equal(j.folds, 3);
      for (const k of ['currentAnyAP50', 'crossValidatedAnyAP50', 'fittedAnyAP50', 'threshold', 'precision', 'recall']) assert.ok(j[k] >= 0 && j[k] <= 1, `${k} ${j[k]}`);
      const meta = JSON.parse(await readFile(path.join(out, 'metadata.json'), 'utf8'));
      assert.equal(meta.detector.rescore.weights.length, 80);
      assert.equal(meta.detector.rescore.fittedOn.screenshots, 6);
      assert.equal(meta.detector.decode.threshold, j.threshold);
      assert.deepEqual((await readdir(out)).sort(), (await readdir(SHIPPED)).sort(), 'the network files come along');
      const { loadDetector } = await import('../src/detect/detector.ts');
      const det = await loadDetector(out);
      const { readImage } = await import('../src/image.ts');
      const found = await det.detect(await readImage(path.join(shots, 'tto_Large_image_coglineup.jpg')));
      det.dispose();
      assert.ok(found.length >= 2 && found.every((d) => d.score >= j.threshold), `${found.length} boxes at the folder's threshold`);
      // A broken rescorer in metadata.json: one error naming the folder and the field.
      meta.detector.rescore.weights = [1];
      const broken = path.join(t.dir, 'broken');
      await cp(out, broken, { recursive: true });
      await writeFile(path.join(broken, 'metadata.json'), JSON.stringify(meta));
      await assert.rejects(loadDetector(broken), /broken.*detector\.rescore' weights are not 80 finite numbers/);
    } finally {
      await t.cleanup();
    }
  });

  test('rescore names bad input and writes nothing', async () => {
    const t = await tempDir('toonvision-rescore-bad-');
    try {
      const empty = path.join(t.dir, 'empty');
      await mkdir(empty);
      const out = path.join(t.dir, 'out');
      let r = await runCli(['rescore', '--screens', empty, '--out', out]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /empty: 0 labelled screenshot\(s\)/);
      r = await runCli(['rescore', '--screens', empty, '--out', out, '--detector', path.join(REPO, 'models', 'demo', 'detector-synthetic')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /detector-synthetic: not a pretrained NanoDet detector folder/);
      assert.equal(existsSync(out), false);
    } finally {
      await t.cleanup();
    }
  });

  test('retrain, when the agent runs the pretrained detector, fits its rescorer and installs it when cross-validation says it is better', async () => {
    const { retrain } = await import('../src/train/retrain.ts');
    const t = await tempDir('toonvision-retrain-rescore-');
    try {
      // Screenshots whose Toons the network alone ranks low, and the player running the network
      // without a rescorer (the shipped one has seen these screenshots).
      const HARD = ['tto_TTCS5_choose', 'tto_fp_88_cashbot_hq_feature', 'tto_fp_76_feature_fishbingo', 'tto_tt_Lg_image_teamwork', 'tto_tt_Lg_image_toonup', 'tto_tt_lg_image_trap', 'tto_Large_image_toonsVsvp'];
      const root = path.join(t.dir, 'root');
      await copyNamed(HARD, path.join(root, 'raw', 'screenshots'));
      const models = path.join(t.dir, 'models');
      const det = path.join(models, 'detector');
      await cp(SHIPPED, det, { recursive: true });
      const meta0 = JSON.parse(await readFile(path.join(det, 'metadata.json'), 'utf8'));
      delete meta0.detector.rescore;
      meta0.detector.decode.threshold = 0.3;
      await writeFile(path.join(det, 'metadata.json'), JSON.stringify(meta0));
      await rm(path.join(det, 'rescore-base.json'), { force: true });
      const res = await retrain({ root, models, tasks: ['detector'], seed: 2, plots: false });
      const o = res.tasks[0]!;
      assert.equal(o.error, undefined, o.reason);
      assert.equal(o.current, det);
      assert.ok(o.new && 'anyAP50' in o.new && o.new.crossValidated === true);
      assert.ok(o.old && 'anyAP50' in o.old);
      assert.ok(o.new.anyAP50 > o.old.anyAP50 + 0.05, `rescored ${o.new.anyAP50} vs zero-shot ${o.old.anyAP50}`);
      assert.equal(o.installed, true, o.reason);
      assert.ok(o.judgement && o.judgement.margin > o.judgement.spread && o.judgement.perFold.length === 5, JSON.stringify(o.judgement));
      assert.match(o.message ?? '', /^learnt from your 7 screenshots \(\d+ characters\): finds .* on screenshots it had not seen, the current detector .*: installed$/);
      const meta = JSON.parse(await readFile(path.join(det, 'metadata.json'), 'utf8'));
      assert.equal(meta.detector.rescore.fittedOn.screenshots, 7);
      assert.equal(meta.detector.rescore.fittedOn.seen.length, 7, 'the screenshots it learnt from are named');
      assert.match(meta.detector.rescore.fittedOn.source, /retrain of/);
      assert.ok(meta.detector.decode.threshold > 0.3, 'the drawing threshold follows the rescorer');
      assert.deepEqual((await readdir(models)).sort(), ['detector'], 'no candidate left behind');
      const { loadPredictor } = await import('../src/predict/predict.ts');
      const p = await loadPredictor(models);
      const info = p.models.info().detector;
      await p.models.close();
      assert.equal(info?.origin, 'player');
      assert.deepEqual([info?.kind, info?.rescorer?.screenshots], ['nanodet', 7], 'the agent reports which detector and rescorer it runs');
    } finally {
      await t.cleanup();
    }
  });
});
