// The converter of TensorFlow.js graph models to ONNX, and the real-game NanoDet on ONNX Runtime: the
// shipped model.onnx gives TensorFlow.js' outputs within 1e-4 on every real screenshot; a small graph
// with every other op the converter takes agrees too; an op it cannot convert is one error naming the
// node; the detector folder loads onto a session from model.onnx (converted at load without one,
// refused when made from other weights) and falls back to TensorFlow.js where ONNX Runtime is not the runtime.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GraphModel, Tensor, io } from '@tensorflow/tfjs';
import { PACKAGE_DEMO_MODELS } from '../src/predict/models.ts';
import { loadDetector } from '../src/detect/index.ts';
import { graphRunner, headDifference, loadGraphModel, sessionRunner } from '../src/detect/nanodet-runtime.ts';
import type { NanodetDetector } from '../src/detect/pretrained.ts';
import { letterboxRgbToFloat } from '../src/detect/resize.ts';
import { initEngine, initInference, openOnnxSession, tf, type OnnxSession } from '../src/engine/index.ts';
import { readImage } from '../src/image.ts';
import { readModelArtifacts } from '../src/model/folder.ts';
import { OnnxExportError } from '../src/model/onnx-export.ts';
import { exportGraphOnnx, GRAPH_OPS } from '../src/model/onnx-graph-export.ts';
import { FIXTURES, REAL, ROOT, needFixtures, tempDir } from './helpers.ts';

const TOL = 1e-4;
const NANODET = path.join(PACKAGE_DEMO_MODELS, 'detector');
await initEngine();
const inference = await initInference();
const skip = inference.runtime === 'onnxruntime' ? false : `needs onnxruntime-node (not loaded: ${inference.tried.map((t) => t.reason).join('; ')})`;

// ---- a small graph model written by hand, with every op the converter takes that NanoDet lacks ----

type W = { data: number[]; shape: number[]; dtype?: 'float32' | 'int32'; quant?: 'float16' | 'uint8' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const listI = (xs: number[]) => ({ list: { i: xs.map(String) } });

/** Bits of an IEEE half for a number a half holds exactly (the test's weights are multiples of 1/64). */
function toHalf(v: number): number {
  if (v === 0) return 0;
  const s = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  return s | ((e + 15) << 10) | Math.round((a / 2 ** e - 1) * 1024);
}

/** Graph model artifacts from nodes and named constants. */
function graphArtifacts(nodes: object[], weights: Record<string, W>): io.ModelArtifacts {
  const specs: io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const [name, w] of Object.entries(weights)) {
    const dtype = w.dtype ?? 'float32';
    if (w.quant === 'float16') {
      specs.push({ name, shape: w.shape, dtype, quantization: { dtype: 'float16' } });
      chunks.push(new Uint8Array(Uint16Array.from(w.data, toHalf).buffer));
    } else if (w.quant === 'uint8') {
      // value = q * scale + min, as tfjs dequantizes
      const min = Math.min(...w.data);
      const scale = (Math.max(...w.data) - min) / 255 || 1;
      specs.push({ name, shape: w.shape, dtype, quantization: { dtype: 'uint8', scale, min } });
      chunks.push(Uint8Array.from(w.data, (v) => Math.round((v - min) / scale)));
    } else {
      specs.push({ name, shape: w.shape, dtype });
      chunks.push(new Uint8Array((dtype === 'int32' ? Int32Array.from(w.data) : Float32Array.from(w.data)).buffer));
    }
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const constNodes = Object.keys(weights).map((name) => ({ name, op: 'Const', attr: { dtype: { type: weights[name]!.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } }));
  return { format: 'graph-model', modelTopology: { node: [...constNodes, ...nodes], versions: { producer: 1 } }, weightSpecs: specs, weightData: all.buffer };
}

/** Deterministic values in [-1, 1) on a 1/64 grid (exact in float16). */
function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return ((s >>> 8) % 128) / 64 - 1;
  });
}

const X_SHAPE = [1, 9, 11, 3];
const SMALL_OUTPUTS = ['out_leaky', 'out_reshape', 'out_align', 'out_asym'];
const node = (name: string, op: string, input: string[], attr: object = {}) => ({ name, op, input, attr });
const f32 = { T: { type: 'DT_FLOAT' } };
function smallGraph(extra: object[] = []): io.ModelArtifacts {
  const nodes = [
    node('x', 'Placeholder', [], { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: X_SHAPE.map((d) => ({ size: String(d) })) } } }),
    node('c1', 'Conv2D', ['x', 'w1'], { ...f32, strides: listI([1, 2, 2, 1]), padding: { s: b64('SAME') }, data_format: { s: b64('NHWC') }, dilations: listI([1, 1, 1, 1]) }),
    node('b1', 'AddV2', ['c1', 'bias1'], f32),
    node('r1', 'Relu', ['b1'], f32),
    node('d1', 'DepthwiseConv2dNative', ['r1', 'wd'], { ...f32, strides: listI([1, 1, 1, 1]), padding: { s: b64('SAME') }, data_format: { s: b64('NHWC') }, dilations: listI([1, 1, 1, 1]) }),
    node('r2', 'Relu6', ['d1'], f32),
    node('p1', 'AvgPool', ['r2'], { ...f32, ksize: listI([1, 3, 3, 1]), strides: listI([1, 1, 1, 1]), padding: { s: b64('SAME') }, data_format: { s: b64('NHWC') } }),
    node('t1', 'Transpose', ['p1', 'to_nchw'], f32),
    node('pd', 'Pad', ['t1', 'pads_nchw'], f32),
    node('t2', 'Transpose', ['pd', 'to_nhwc'], f32),
    node('c2', 'Conv2D', ['t2', 'w2'], { ...f32, strides: listI([1, 1, 1, 1]), padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') }, dilations: listI([1, 1, 1, 1]) }),
    node('pv', 'PadV2', ['c2', 'pads_nhwc', 'minus_inf'], f32),
    node('mp', 'MaxPool', ['pv'], { ...f32, ksize: listI([1, 3, 3, 1]), strides: listI([1, 2, 2, 1]), padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') } }),
    node('m1', 'Mul', ['half', 'mp'], f32),
    node('s1', 'Sub', ['m1', 'shift'], f32),
    node('q1', 'RealDiv', ['s1', 'two'], f32),
    node('rz', 'ResizeBilinear', ['q1', 'size66'], { ...f32, align_corners: { b: false }, half_pixel_centers: { b: true } }),
    node('th', 'Tanh', ['rz'], f32),
    node('cat', 'ConcatV2', ['rz', 'th', 'axis3'], { ...f32, N: { i: '2' } }),
    node('sp', 'SplitV', ['cat', 'split_sizes', 'axis_last'], { ...f32, num_split: { i: '2' } }),
    node('sg', 'Sigmoid', ['sp'], f32),
    node('lk', 'LeakyRelu', ['sg'], { ...f32, alpha: { f: 0.1 } }),
    node('out_leaky', 'Identity', ['lk'], f32),
    node('zeros', 'SparseToDense', ['no_index', 'three', 'no_value', 'zero_i'], { validate_indices: { b: true } }),
    node('target', 'AddV2', ['shape_base', 'zeros'], { T: { type: 'DT_INT32' } }),
    node('rs', 'Reshape', ['sp:1', 'target'], f32),
    node('out_reshape', 'Identity', ['rs'], f32),
    node('out_align', 'ResizeBilinear', ['q1', 'size57'], { ...f32, align_corners: { b: true }, half_pixel_centers: { b: false } }),
    node('out_asym', 'ResizeBilinear', ['q1', 'size57'], { ...f32, align_corners: { b: false }, half_pixel_centers: { b: false } }),
    ...extra,
  ];
  return graphArtifacts(nodes, {
    w1: { data: values(3 * 3 * 3 * 4, 1), shape: [3, 3, 3, 4], quant: 'float16' },
    bias1: { data: values(4, 2), shape: [4], quant: 'uint8' },
    wd: { data: values(3 * 3 * 4 * 2, 3), shape: [3, 3, 4, 2] },
    to_nchw: { data: [0, 3, 1, 2], shape: [4], dtype: 'int32' },
    to_nhwc: { data: [0, 2, 3, 1], shape: [4], dtype: 'int32' },
    pads_nchw: { data: [0, 0, 0, 0, 1, 1, 1, 1], shape: [4, 2], dtype: 'int32' },
    w2: { data: values(3 * 3 * 8 * 4, 4), shape: [3, 3, 8, 4] },
    pads_nhwc: { data: [0, 0, 1, 1, 1, 1, 0, 0], shape: [4, 2], dtype: 'int32' },
    minus_inf: { data: [-Infinity], shape: [] },
    half: { data: [0.5], shape: [] },
    shift: { data: values(4, 5), shape: [4] },
    two: { data: [2], shape: [] },
    size66: { data: [6, 6], shape: [2], dtype: 'int32' },
    size57: { data: [5, 7], shape: [2], dtype: 'int32' },
    axis3: { data: [3], shape: [], dtype: 'int32' },
    split_sizes: { data: [3, -1], shape: [2], dtype: 'int32' },
    axis_last: { data: [-1], shape: [], dtype: 'int32' },
    no_index: { data: [], shape: [0, 1], dtype: 'int32' },
    three: { data: [3], shape: [1], dtype: 'int32' },
    no_value: { data: [], shape: [0], dtype: 'int32' },
    zero_i: { data: [0], shape: [], dtype: 'int32' },
    shape_base: { data: [1, -1, 5], shape: [3], dtype: 'int32' },
  });
}

describe('the graph converter', { skip }, () => {
  test('a graph with every op the converter takes gives TensorFlow.js\' outputs on ONNX Runtime (within 1e-4)', async () => {
    const artifacts = smallGraph();
    const used = new Set((artifacts.modelTopology as { node: { op: string }[] }).node.map((n) => n.op));
    const nanodetOps = new Set((JSON.parse(await readFile(path.join(NANODET, 'model.json'), 'utf8')) as { modelTopology: { node: { op: string }[] } }).modelTopology.node.map((n) => n.op));
    assert.deepEqual(GRAPH_OPS.filter((op) => !used.has(op) && !nanodetOps.has(op)), [], 'every supported op is exercised here or by NanoDet');
    const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    const session = await openOnnxSession(exportGraphOnnx(artifacts));
    try {
      assert.deepEqual([...session.outputNames].sort(), [...SMALL_OUTPUTS].sort(), 'the outputs are the nodes nothing reads');
      for (const seed of [7, 8]) {
        const x = Float32Array.from(values(X_SHAPE.reduce((a, b) => a * b, 1), seed), (v) => v * 3);
        const got = await session.runAll(x, X_SHAPE);
        const want = tf.tidy(() => model.execute(tf.tensor(x, X_SHAPE), [...session.outputNames]) as Tensor[]);
        for (let k = 0; k < want.length; k++) {
          assert.deepEqual(got[k]!.dims, want[k]!.shape, `${session.outputNames[k]}: shapes agree`);
          const w = want[k]!.dataSync();
          let d = 0;
          for (let i = 0; i < w.length; i++) d = Math.max(d, Math.abs(w[i]! - got[k]!.data[i]!));
          assert.ok(d <= TOL, `${session.outputNames[k]}: max |ORT - tfjs| ${d}`);
        }
        tf.dispose(want);
      }
    } finally {
      model.dispose();
      await session.release();
    }
  });

  test('an op it cannot convert is one error naming the node and the op', () => {
    const artifacts = smallGraph([node('head/probs', 'Softmax', ['lk'], f32)]);
    assert.throws(() => exportGraphOnnx(artifacts), (err: unknown) => err instanceof OnnxExportError && /node 'head\/probs' \(Softmax\): this op cannot be converted/.test(err.message));
    const nchw = smallGraph([node('bad_conv', 'Conv2D', ['x', 'w1'], { ...f32, strides: listI([1, 1, 1, 1]), padding: { s: b64('VALID') }, data_format: { s: b64('NCHW') } })]);
    assert.throws(() => exportGraphOnnx(nchw), /node 'bad_conv' \(Conv2D\): data_format NCHW is not supported/);
    assert.throws(() => exportGraphOnnx({ modelTopology: { class_name: 'Sequential' } }), /not a TensorFlow.js graph model/);
  });
});

/** The real screenshots the parity is measured on. */
function realFrames(): string[] {
  const dirs = [path.join(FIXTURES, 'real-eval', 'screenshots'), REAL];
  return dirs.filter(existsSync).flatMap((d) => readdirSync(d).filter((f) => /\.(png|jpe?g|gif)$/i.test(f)).map((f) => path.join(d, f)));
}

describe('NanoDet on ONNX Runtime', { skip }, () => {
  let graph: GraphModel;
  let session: OnnxSession;
  before(async () => {
    graph = await loadGraphModel(NANODET, await readModelArtifacts(NANODET));
    session = await openOnnxSession(await readFile(path.join(NANODET, 'model.onnx')));
  });
  after(async () => {
    graph?.dispose();
    await session?.release();
  });

  test('the shipped model.onnx gives TensorFlow.js\' six head outputs within 1e-4 on every real screenshot', { skip: needFixtures() }, async () => {
    const files = realFrames();
    assert.ok(files.length >= 20, `real screenshots found: ${files.length}`);
    const onnx = sessionRunner(session, 416);
    const tfjs = graphRunner(graph, 416);
    let worst = 0;
    for (const f of files) {
      const box = letterboxRgbToFloat(await readImage(f), 416, 416);
      const d = headDifference(await onnx(box.data), await tfjs(box.data));
      assert.ok(d <= TOL, `${path.basename(f)}: max |ORT - tfjs| ${d}`);
      worst = Math.max(worst, d);
    }
    assert.ok(worst > 0, 'the two runtimes really ran (bit-identical outputs would mean one ran twice)');
  });

  test('the detector folder loads onto a session from model.onnx; without one it is converted at load; one made from other weights is refused', async () => {
    const shipped = (await loadDetector(NANODET)) as NanodetDetector;
    const { dir, cleanup } = await tempDir();
    try {
      assert.deepEqual(shipped.runtime, { name: 'onnxruntime', source: 'model.onnx' });
      assert.ok(shipped.session, 'the detector carries its session (the agent reports onnxruntime)');
      const copy = path.join(dir, 'detector');
      await cp(NANODET, copy, { recursive: true });
      await rm(path.join(copy, 'model.onnx'));
      const converted = (await loadDetector(copy)) as NanodetDetector;
      assert.deepEqual(converted.runtime, { name: 'onnxruntime', source: 'converted at load' });
      assert.ok(!existsSync(path.join(copy, 'model.onnx')), 'nothing is written into the folder at load');
      const frame = { width: 320, height: 180, data: Uint8Array.from({ length: 320 * 180 * 3 }, (_, i) => (i * 31) % 251) };
      assert.deepEqual(await converted.cells(frame), await shipped.cells(frame), 'the converted graph is the shipped model.onnx');
      converted.dispose();
      // The same model.onnx beside other weights (one weight value changed): refused, naming the folder and the fix.
      await cp(path.join(NANODET, 'model.onnx'), path.join(copy, 'model.onnx'));
      const bin = await readFile(path.join(copy, 'nanodet.bin'));
      bin[bin.length - 1] ^= 1;
      await writeFile(path.join(copy, 'nanodet.bin'), bin);
      await assert.rejects(loadDetector(copy), (err: Error) => err.message.startsWith(copy) && /model\.onnx was not made from this model\.json.*export-onnx/.test(err.message));
    } finally {
      shipped.dispose();
      await cleanup();
    }
  });

  test('export-onnx writes the same model.onnx for a NanoDet folder, checked against TensorFlow.js; TOONVISION_RUNTIME=tfjs runs the graph on TensorFlow.js', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const copy = path.join(dir, 'detector');
      await cp(NANODET, copy, { recursive: true });
      await rm(path.join(copy, 'model.onnx'));
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'toonvision.js'), 'export-onnx', copy, '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { bytes: number; maxDiff: number };
      assert.ok(out.maxDiff <= TOL, `probe difference ${out.maxDiff}`);
      assert.ok((await readFile(path.join(copy, 'model.onnx'))).equals(await readFile(path.join(NANODET, 'model.onnx'))), 'the shipped model.onnx is what export-onnx makes');
      assert.equal((JSON.parse(await readFile(path.join(copy, 'metadata.json'), 'utf8')) as { onnx: { bytes: number } }).onnx.bytes, out.bytes);
      const script = `import { loadDetector } from './src/detect/index.ts'; const d = await loadDetector(${JSON.stringify(copy)}); console.log(JSON.stringify(d.runtime));`;
      const fallback = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TOONVISION_RUNTIME: 'tfjs' } });
      assert.equal(fallback.status, 0, fallback.stderr);
      assert.deepEqual(JSON.parse(fallback.stdout.trim().split('\n').pop()!), { name: 'tfjs' });
    } finally {
      await cleanup();
    }
  });
});
