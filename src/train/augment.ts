// Data augmentation of training batches (the article's Keras layers RandomFlip("horizontal"),
// RandomRotation(0.075), RandomZoom(0.2)), done as one projective transform per image with
// tf.image.transform: one kernel per batch, on every backend.
import { tf } from '../engine/index.ts';
import type { Tensor4D } from '@tensorflow/tfjs';

export interface AugmentOptions {
  /** flip left-right with probability 1/2 */
  flip: boolean;
  /** Keras RandomRotation factor: angle uniform in ±factor·2π */
  rotation: number;
  /** Keras RandomZoom factor: scale uniform in [1 - zoom, 1 + zoom], same for both axes (>1 zooms out) */
  zoom: number;
}

export const ARTICLE_AUGMENTATION: AugmentOptions = { flip: true, rotation: 0.075, zoom: 0.2 };
/**
 * The fast preset's lighter augmentation for fine-grained classes (Cog names, Toon animals): flip and
 * a small zoom, no rotation (a tilted head of a few pixels looks like another head shape).
 */
export const FINE_AUGMENTATION: AugmentOptions = { flip: true, rotation: 0, zoom: 0.1 };
export const NO_AUGMENTATION: AugmentOptions = { flip: false, rotation: 0, zoom: 0 };

export function isIdentity(a: AugmentOptions): boolean {
  return !a.flip && a.rotation === 0 && a.zoom === 0;
}

/**
 * The 8-number transform of tf.image.transform for one image: maps each output pixel (x, y) to the
 * input point c + Z·R·F·(p - c), c the image centre. Exported for the tests.
 */
export function transformRow(width: number, height: number, flip: boolean, angle: number, zoom: number): number[] {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const f = flip ? -1 : 1;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // M = zoom * R(angle) * diag(f, 1)
  const a0 = zoom * cos * f;
  const a1 = -zoom * sin;
  const b0 = zoom * sin * f;
  const b1 = zoom * cos;
  const a2 = cx - a0 * cx - a1 * cy;
  const b2 = cy - b0 * cx - b1 * cy;
  return [a0, a1, a2, b0, b1, b2, 0, 0];
}

/** Random augmentation of a batch [n, h, w, 3]; `rand` gives uniform numbers in [0, 1). Returns a new tensor. */
export function augmentBatch(x: Tensor4D, opts: AugmentOptions, rand: () => number): Tensor4D {
  if (isIdentity(opts)) return x.clone();
  const [n, h, w] = x.shape as [number, number, number, number];
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const flip = opts.flip && rand() < 0.5;
    const angle = (rand() * 2 - 1) * opts.rotation * 2 * Math.PI;
    const zoom = 1 + (rand() * 2 - 1) * opts.zoom;
    rows.push(...transformRow(w, h, flip, angle, zoom));
  }
  return tf.tidy(() => tf.image.transform(x, tf.tensor2d(rows, [n, 8]), 'bilinear', 'reflect') as Tensor4D);
}
