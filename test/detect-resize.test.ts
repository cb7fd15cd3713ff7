// The detector's JavaScript frame resize matches tf.image.resizeBilinear (half-pixel centres); the letterbox reuses a buffer safely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../src/engine/index.ts';
import { LETTERBOX_PAD, letterboxRgbToFloat, resizeRgbToFloat } from '../src/detect/resize.ts';
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

test('letterboxRgbToFloat into a reused buffer (holding the last frame) gives what a fresh one does', () => {
  const wide = toyScene(4, 0, 211, 97).image;
  const tall = toyScene(5, 0, 61, 143).image;
  const buf = new Float32Array(64 * 64 * 3).fill(-7);
  for (const img of [wide, tall, wide]) {
    const fresh = letterboxRgbToFloat(img, 64, 64);
    const reused = letterboxRgbToFloat(img, 64, 64, buf);
    assert.equal(reused.data, buf, 'the given buffer is written, not a new one');
    assert.deepEqual([reused.scale, reused.width, reused.height], [fresh.scale, fresh.width, fresh.height]);
    assert.deepEqual(Array.from(reused.data), Array.from(fresh.data));
    // The padding right of and below the frame is LETTERBOX_PAD, not what the buffer held before.
    assert.equal(reused.data[(63 * 64 + 63) * 3], LETTERBOX_PAD);
  }
  assert.notEqual(letterboxRgbToFloat(wide, 32, 32, buf).data, buf, 'a buffer of another size is not used');
});
