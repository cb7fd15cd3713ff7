// Preprocessing shared by training and inference: crop the box, resize to the model's input with
// TensorFlow's bilinear resize (half-pixel centers, no antialias, aspect not kept), float 0-255.
import { tf } from '../engine/index.ts';
import type { Box, RgbImage } from '../image.ts';

/** One image (or a box of it) as a float32 [h, w, 3] tensor in 0-255, resized to the model input. */
export function cropToTensor(img: RgbImage, box: Box | undefined, inputShape: readonly number[]): import('@tensorflow/tfjs').Tensor3D {
  const [h, w] = inputShape as [number, number];
  return tf.tidy(() => {
    const full = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    const cropped = box
      ? tf.slice(full, [box.ymin, box.xmin, 0], [box.ymax - box.ymin, box.xmax - box.xmin, 3])
      : full;
    const f = tf.cast(cropped, 'float32') as import('@tensorflow/tfjs').Tensor3D;
    if (f.shape[0] === h && f.shape[1] === w) return f;
    return tf.image.resizeBilinear(f, [h, w], false, true);
  });
}

/** A batch [n, h, w, 3] of crops of one image. */
export function cropsToBatch(img: RgbImage, boxes: readonly Box[], inputShape: readonly number[]): import('@tensorflow/tfjs').Tensor4D {
  return tf.tidy(() => tf.stack(boxes.map((b) => cropToTensor(img, b, inputShape))) as import('@tensorflow/tfjs').Tensor4D);
}
