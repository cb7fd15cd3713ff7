// The inference runtime: doctor reports it, TOONVISION_RUNTIME forces it, model folders load onto
// ONNX Runtime sessions (a broken or stale model.onnx refused with the folder named), hot reload swaps
// sessions as it swaps tfjs models, and the CLI gives the same outputs on both runtimes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { classifyDetections } from '../src/predict/cascade.ts';
import { ModelSet, PACKAGE_DEMO_MODELS } from '../src/predict/models.ts';
import { initEngine, initInference, tf } from '../src/engine/index.ts';
import { readImage } from '../src/image.ts';
import { makeClassifier } from '../src/model/architectures.ts';
import { classifyCrops } from '../src/model/classify.ts';
import { disposeLoaded, installModelFolder, loadModelFolder, saveModelFolder, STANDARD_PREPROCESSING, type ModelMetadata } from '../src/model/folder.ts';
import { ROOT, REAL, needFixtures, tempDir } from './helpers.ts';

const cli = path.join(ROOT, 'bin', 'toonvision.js');
await initEngine();
const inference = await initInference();
const skip = inference.runtime === 'onnxruntime' ? false : `needs onnxruntime-node (not loaded: ${inference.tried.map((t) => t.reason).join('; ')})`;

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

const DEMO_BINARY = path.join(PACKAGE_DEMO_MODELS, 'binary');
const gray = { width: 40, height: 80, data: new Uint8Array(40 * 80 * 3).map((_, i) => (i * 7) % 256) };
const whole = { xmin: 0, ymin: 0, xmax: 40, ymax: 80 };

describe('doctor and TOONVISION_RUNTIME', () => {
  test('doctor --json reports the inference runtime, its providers and every attempt with a reason', { skip }, () => {
    const r = run(['doctor', '--json'], { TOONVISION_RUNTIME: '' });
    assert.equal(r.status, 0, r.stderr);
    const inf = JSON.parse(r.stdout).inference;
    assert.equal(inf.runtime, 'onnxruntime');
    assert.ok(inf.providers.includes('cpu'));
    assert.ok(inf.threads >= 1);
    const names = inf.tried.map((t: { name: string }) => t.name);
    assert.deepEqual(names, ['onnxruntime', 'onnxruntime/dml', 'onnxruntime/coreml', 'onnxruntime/cpu']);
    for (const t of inf.tried) assert.ok(typeof t.ok === 'boolean' && t.reason.length > 0, JSON.stringify(t));
    if (process.platform === 'linux') {
      assert.match(inf.tried[1].reason, /skipped: DirectML exists only on Windows/);
      assert.match(inf.tried[2].reason, /skipped: CoreML exists only on macOS/);
    }
  });

  test('TOONVISION_RUNTIME=tfjs forces TensorFlow.js; an unknown one is one clear error, exit 1', () => {
    const r = run(['doctor', '--json'], { TOONVISION_RUNTIME: 'tfjs' });
    assert.equal(r.status, 0, r.stderr);
    const inf = JSON.parse(r.stdout).inference;
    assert.equal(inf.runtime, 'tfjs');
    assert.deepEqual(inf.providers, []);
    const bad = run(['doctor', '--json'], { TOONVISION_RUNTIME: 'quantum' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /TOONVISION_RUNTIME='quantum' is not a runtime/);
    assert.equal(bad.stdout, '');
  });
});

describe('model folders on ONNX Runtime', { skip }, () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    tmp = await tempDir('toonvision-onnx-rt-');
  });
  after(async () => {
    await tmp?.cleanup();
  });

  test('the shipped demo models load onto sessions from their model.onnx', async () => {
    // The shipped real-game detector is a pretrained graph model (it stays on TensorFlow.js); ours is detector-synthetic.
    for (const [folder, task] of [['binary', 'binary'], ['suit', 'suit'], ['name', 'name'], ['animal', 'animal'], ['detector-synthetic', 'detector']] as const) {
      const m = await loadModelFolder(path.join(PACKAGE_DEMO_MODELS, folder), task);
      assert.equal(m.runtime?.name, 'onnxruntime', task);
      assert.equal(m.runtime?.source, 'model.onnx', task);
      disposeLoaded(m);
    }
  });

  test('a broken model.onnx is refused naming the folder; a stale one (another network) is refused as disagreeing', async () => {
    const dir = path.join(tmp.dir, 'broken');
    await cp(DEMO_BINARY, dir, { recursive: true });
    await writeFile(path.join(dir, 'model.onnx'), 'not a protobuf');
    await assert.rejects(loadModelFolder(dir, 'binary'), (err: Error) => err.message.startsWith(`${dir}: model.onnx does not load in ONNX Runtime`));
    // A fast-preset model.onnx in a folder whose model.json is another fast network of the same shape.
    const other = makeClassifier({ task: 'binary', preset: 'fast', dropout: 0 });
    const stale = path.join(tmp.dir, 'stale');
    await saveModelFolder(stale, other, JSON.parse(await readFile(path.join(DEMO_BINARY, 'metadata.json'), 'utf8')) as ModelMetadata);
    other.dispose();
    const bytes = await readFile(path.join(stale, 'model.onnx'));
    await cp(DEMO_BINARY, dir, { recursive: true, force: true });
    await writeFile(path.join(dir, 'model.onnx'), bytes);
    await assert.rejects(loadModelFolder(dir, 'binary'), /model\.onnx disagrees with model\.json .*toonvision export-onnx/);
  });

  test('a folder without model.onnx is converted at load; one that cannot convert stays on TensorFlow.js and says why', async () => {
    const dir = path.join(tmp.dir, 'no-onnx');
    await cp(DEMO_BINARY, dir, { recursive: true });
    await rm(path.join(dir, 'model.onnx'));
    const m = await loadModelFolder(dir, 'binary');
    assert.equal(m.runtime?.source, 'converted at load');
    assert.ok(!existsSync(path.join(dir, 'model.onnx')), 'loading writes nothing into the folder');
    disposeLoaded(m);

    // A classifier with a depthwise conv: saved without model.onnx, the reason in metadata.json.
    const input = tf.input({ shape: [16, 8, 3] });
    let x = tf.layers.depthwiseConv2d({ kernelSize: 3, name: 'dw' }).apply(input) as import('@tensorflow/tfjs').SymbolicTensor;
    x = tf.layers.flatten().apply(x) as import('@tensorflow/tfjs').SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(x) as import('@tensorflow/tfjs').SymbolicTensor });
    const odd = path.join(tmp.dir, 'odd');
    const meta: ModelMetadata = { task: 'binary', classes: ['cog', 'toon'], inputShape: [16, 8, 3], preprocessing: STANDARD_PREPROCESSING, backend: 'wasm', createdAt: new Date().toISOString(), metrics: {} };
    await saveModelFolder(odd, model, meta);
    model.dispose();
    assert.ok(!existsSync(path.join(odd, 'model.onnx')));
    const written = JSON.parse(await readFile(path.join(odd, 'metadata.json'), 'utf8'));
    assert.match(written.onnx.error, /layer 'dw' of class DepthwiseConv2D cannot be exported/);
    const loaded = await loadModelFolder(odd, 'binary');
    assert.equal(loaded.session, undefined);
    assert.equal(loaded.runtime?.name, 'tfjs');
    assert.match(loaded.runtime?.reason ?? '', /DepthwiseConv2D/);
    const [c] = await classifyCrops(loaded, gray, [whole]);
    assert.ok(c!.score >= 0.5 && c!.score <= 1);
    disposeLoaded(loaded);

    // export-onnx on it: exit 1 naming the layer; the folder is left as it was.
    const r = run(['export-onnx', odd]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /odd: cannot export to ONNX: layer 'dw' of class DepthwiseConv2D cannot be exported.*stays on TensorFlow\.js/);
    assert.ok(!existsSync(path.join(odd, 'model.onnx')));
  });

  test('export-onnx adds model.onnx to a folder and notes it in metadata.json, checked against tfjs', async () => {
    const dir = path.join(tmp.dir, 'export');
    await cp(DEMO_BINARY, dir, { recursive: true });
    await rm(path.join(dir, 'model.onnx'));
    const r = run(['export-onnx', dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.file, path.join(dir, 'model.onnx'));
    assert.ok(out.maxDiff !== null && out.maxDiff < 1e-4, `maxDiff ${out.maxDiff}`);
    assert.equal((await readFile(out.file)).length, out.bytes);
    assert.equal(JSON.parse(await readFile(path.join(dir, 'metadata.json'), 'utf8')).onnx.bytes, out.bytes);
    const m = await loadModelFolder(dir, 'binary');
    assert.equal(m.runtime?.source, 'model.onnx');
    disposeLoaded(m);
  });

  test('hot reload: a folder with a broken model.onnx is refused and the old session kept running; a good one swaps in', async () => {
    const models = path.join(tmp.dir, 'models');
    const target = path.join(models, 'binary');
    await cp(DEMO_BINARY, target, { recursive: true });
    const messages: string[] = [];
    const set = new ModelSet({ dir: models, watch: false, packageDemo: false, onMessage: (m) => messages.push(m) });
    await set.loadAll();
    try {
      const first = set.classifier('binary')!;
      assert.ok(first.session, 'loaded on ONNX Runtime');
      const [before] = await classifyCrops(first, gray, [whole]);

      const broken = path.join(models, 'binary.staged');
      await cp(DEMO_BINARY, broken, { recursive: true });
      await writeFile(path.join(broken, 'model.onnx'), new Uint8Array([8, 1, 2, 3]));
      await installModelFolder(broken, target);
      await set.reload('binary');
      assert.deepEqual(set.applyPending(), []);
      assert.equal(set.refusals, 1);
      assert.match(messages.at(-1)!, /refused the new binary model in .*binary: .*model\.onnx does not load in ONNX Runtime.*keeping/);
      assert.equal(set.classifier('binary'), first, 'the old model is kept');
      const [still] = await classifyCrops(first, gray, [whole]);
      assert.deepEqual(still!.output, before!.output, 'the old session still runs');

      const good = path.join(models, 'binary.staged');
      await cp(DEMO_BINARY, good, { recursive: true });
      await installModelFolder(good, target);
      await set.reload('binary');
      assert.deepEqual(set.applyPending(), ['binary']);
      const second = set.classifier('binary')!;
      assert.notEqual(second, first);
      assert.ok(second.session);
      await assert.rejects(first.session!.run(new Float32Array(96 * 48 * 3), [1, 96, 48, 3]), /released/);
      const [after] = await classifyCrops(second, gray, [whole]);
      assert.ok(Math.abs(after!.output[0]! - before!.output[0]!) < 1e-6);
    } finally {
      await set.close();
    }
  });
});

describe('the cascade on both runtimes', { skip: skip || needFixtures() }, () => {
  test('classifyDetections on ONNX Runtime (crops resized in JavaScript) matches TensorFlow.js within 1e-4 on real crops', async () => {
    const models = Object.fromEntries(
      await Promise.all((['binary', 'suit', 'name', 'animal'] as const).map(async (t) => [t, await loadModelFolder(path.join(PACKAGE_DEMO_MODELS, t), t)] as const)),
    );
    try {
      for (const m of Object.values(models)) assert.ok(m.session, `${m.dir} on ONNX Runtime`);
      const plain = Object.fromEntries(Object.entries(models).map(([t, m]) => [t, { ...m, session: undefined }]));
      const img = await readImage(path.join(REAL, 'sample_img1.png'));
      const boxes = [[100, 287, 140, 332], [278, 269, 310, 356], [568, 288, 597, 327], [154, 274, 190, 321]];
      const dets = boxes.map(([x0, y0, x1, y1]) => ({ bbox: [x0!, y0!, x1! - x0!, y1! - y0!] as [number, number, number, number], label: 'cog' as const, score: 1 }));
      const a = await classifyDetections(img, dets, models);
      const b = await classifyDetections(img, dets, plain);
      a.forEach((d, i) => {
        const e = b[i]!;
        assert.equal(d.label, e.label);
        assert.equal(d.name, e.name);
        assert.equal(d.animal, e.animal);
        assert.ok(Math.abs(d.kindScore! - e.kindScore!) <= 1e-4, `kindScore ${d.kindScore} vs ${e.kindScore}`);
        assert.ok(Math.abs(d.fineScore! - e.fineScore!) <= 1e-4, `fineScore ${d.fineScore} vs ${e.fineScore}`);
      });
    } finally {
      for (const m of Object.values(models)) disposeLoaded(m);
    }
  });
});

describe('the CLI on both runtimes', { skip: skip || needFixtures() }, () => {
  test('classify and detect give the same results on ONNX Runtime and TensorFlow.js (within 1e-4)', () => {
    const inputs = [`${REAL}/sample_img0.png:152,279,266,423`, `${REAL}/sample_img1.png:154,274,190,321`];
    const outs = (['onnxruntime', 'tfjs'] as const).map((rt) => {
      const r = run(['classify', '--model', path.join(PACKAGE_DEMO_MODELS, 'name'), '--json', ...inputs], { TOONVISION_RUNTIME: rt });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { label: string; output: number[] });
    });
    outs[0]!.forEach((o, i) => {
      assert.equal(o.label, outs[1]![i]!.label);
      o.output.forEach((v, k) => assert.ok(Math.abs(v - outs[1]![i]!.output[k]!) < 1e-4, `output ${k}: ${v} vs ${outs[1]![i]!.output[k]}`));
    });
    const dets = (['onnxruntime', 'tfjs'] as const).map((rt) => {
      const r = run(['detect', '--model', path.join(PACKAGE_DEMO_MODELS, 'detector-synthetic'), '--json', `${REAL}/sample_img0.png`], { TOONVISION_RUNTIME: rt });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { detections: { bbox: number[]; label: string; score: number }[] };
    });
    assert.equal(dets[0]!.detections.length, dets[1]!.detections.length);
    dets[0]!.detections.forEach((d, i) => {
      assert.equal(d.label, dets[1]!.detections[i]!.label);
      assert.ok(Math.abs(d.score - dets[1]!.detections[i]!.score) < 1e-3);
    });
  });
});
