// The detector's JavaScript frame resize matches tf.image.resizeBilinear (half-pixel centres).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../src/engine/index.ts';
import { resizeRgbToFloat } from '../src/detect/resize.ts';
import { toyScene } from './detect-helpers.ts';

test('resizeRgbToFloat equals tf.image.resizeBilinear(halfPixelCenters) down and up', async () => {
  await initEngine();
  const img = toyScene(3, 0, 203, 151).image;
  // noise so that every pixel matters
  for (let i = 0; i < img.data.length; i += 7) img.data[i] = (i * 31) % 256;
  for (const [h, w] of [[48, 64], [192, 256], [151, 203], [37, 300]] as const) {
    const ours = resizeRgbToFloat(img, h, w);
    const ref = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').toFloat() as import('@tensorflow/tfjs').Tensor3D, [h, w], false, true).dataSync());
    assert.equal(ours.length, ref.length);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - ref[i]!));
    assert.ok(worst < 1e-2, `${w}x${h}: max difference ${worst}`);
  }
});
