// Test helpers for the Keras importer: write small Keras-2-like HDF5 files with h5wasm, and the
// reference outputs of ../shared/fixtures/README.md.
import path from 'node:path';
import { runCli } from './helpers.ts';

export { runCli };

export interface FakeLayer {
  class_name: string;
  config: Record<string, unknown>;
  /** weight name suffix -> [shape, values] */
  weights?: Record<string, [number[], number[]]>;
}

/**
 * Writes a Keras 2 style HDF5 model file: model_config (a Sequential of `layers`, or `opts.config`)
 * + model_weights/<layer>/<layer>/<w>:0 for the weights of `layers`.
 */
export async function writeFakeKeras(
  file: string,
  layers: FakeLayer[],
  opts: { modelConfig?: boolean; name?: string; config?: object } = {},
): Promise<void> {
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  const f = new h5wasm.File(path.resolve(file), 'w');
  try {
    const config = opts.config ?? {
      class_name: 'Sequential',
      config: { name: opts.name ?? 'fake', layers: layers.map((l) => ({ class_name: l.class_name, config: l.config })) },
    };
    if (opts.modelConfig !== false) f.create_attribute('model_config', JSON.stringify(config));
    f.create_attribute('keras_version', '2.8.0');
    f.create_attribute('backend', 'tensorflow');
    const mw = f.create_group('model_weights');
    const named = layers.filter((l) => l.class_name !== 'InputLayer');
    mw.create_attribute('layer_names', named.map((l) => String(l.config.name)));
    for (const l of named) {
      const name = String(l.config.name);
      const g = mw.create_group(name);
      const ws = Object.entries(l.weights ?? {});
      g.create_attribute('weight_names', ws.length ? ws.map(([w]) => `${name}/${w}:0`) : [] as string[]);
      if (ws.length) {
        const inner = g.create_group(name);
        for (const [w, [shape, values]] of ws) {
          inner.create_dataset({ name: `${w}:0`, data: Float32Array.from(values), shape, dtype: '<f' });
        }
      }
    }
  } finally {
    f.close();
  }
}

/** Reference outputs from ../shared/fixtures/README.md (float64 NumPy forward passes). */
export const REFERENCE: { image: string; box: [number, number, number, number]; truth: string; binary: number; suit_tuned?: number[]; suit_small?: number[] }[] = [
  { image: 'sample_img0.png', box: [152, 279, 266, 423], truth: 'cog_sb_coldcaller', binary: 0.0, suit_tuned: [0.000019, 0.000809, 0.000014, 0.999158], suit_small: [0.001984, 0.005916, 0.016453, 0.975646] },
  { image: 'sample_img0.png', box: [631, 174, 720, 510], truth: 'cog_lb_bloodsucker', binary: 0.000005, suit_tuned: [0.000063, 0.998435, 0.001153, 0.000349], suit_small: [0.000146, 0.911886, 0.08564, 0.002329] },
  { image: 'sample_img1.png', box: [100, 287, 140, 332], truth: 'cog_lb_bottomfeeder', binary: 0.000187, suit_tuned: [0.000043, 0.995752, 0.002378, 0.001827], suit_small: [0.000179, 0.916648, 0.081335, 0.001838] },
  { image: 'sample_img1.png', box: [278, 269, 310, 356], truth: 'cog_sb_telemarketer', binary: 0.000104, suit_tuned: [0.268492, 0.00067, 0.001564, 0.729274], suit_small: [0.813645, 0.000925, 0.024269, 0.161161] },
  { image: 'sample_img1.png', box: [568, 288, 597, 327], truth: 'cog_bb_flunky', binary: 0.000206, suit_tuned: [0.940554, 0.00007, 0.000053, 0.059323], suit_small: [0.713518, 0.000338, 0.053459, 0.232685] },
  { image: 'sample_img1.png', box: [616, 286, 642, 326], truth: 'cog_bb_flunky', binary: 0.000012, suit_tuned: [0.830646, 0.000042, 0.000089, 0.169223], suit_small: [0.579426, 0.000222, 0.016193, 0.404159] },
  { image: 'sample_img1.png', box: [154, 274, 190, 321], truth: 'toon_dog', binary: 0.987748 },
];

/** Imported fixture models: name -> task. */
export const SEED_MODEL_TASKS = { binary_toon_cog: 'binary', suit_tuned: 'suit', suit_small: 'suit' } as const;
