// Preprocessing shared by training and inference: crop the box, resize to the model's input with
// TensorFlow's bilinear resize (half-pixel centers, no antialias, aspect not kept), float 0-255.
import { tf } from '../engine/index.ts';
import { cropImage } from '../image.ts';
import type { Box, RgbImage } from '../image.ts';

/**
 * One image (or a box of it) as a float32 [h, w, 3] tensor in 0-255, resized to the model input. A box
 * is cut out in JavaScript first (a small copy), so only the crop ever becomes a tensor, never the
 * whole frame once per box.
 */
export function cropToTensor(img: RgbImage, box: Box | undefined, inputShape: readonly number[]): import('@tensorflow/tfjs').Tensor3D {
  const [h, w] = inputShape as [number, number];
  const src = box ? cropImage(img, box) : img;
  return tf.tidy(() => {
    const f = tf.cast(tf.tensor3d(src.data, [src.height, src.width, 3], 'int32'), 'float32') as import('@tensorflow/tfjs').Tensor3D;
    if (f.shape[0] === h && f.shape[1] === w) return f;
    return tf.image.resizeBilinear(f, [h, w], false, true);
  });
}

/** A batch [n, h, w, 3] of crops of one image. */
export function cropsToBatch(img: RgbImage, boxes: readonly Box[], inputShape: readonly number[]): import('@tensorflow/tfjs').Tensor4D {
  return tf.tidy(() => tf.stack(boxes.map((b) => cropToTensor(img, b, inputShape))) as import('@tensorflow/tfjs').Tensor4D);
}
