// The optimizers a classifier can be trained with: every one TensorFlow.js offers (tf.train.*), each
// built with a static learning rate and Keras' other defaults where tfjs has no default of its own.
// Keras' Nadam and Ftrl have no TensorFlow.js counterpart (nor a maintained package providing one).
import type { Optimizer } from '@tensorflow/tfjs';
import { tf } from '../engine/index.ts';

export const OPTIMIZERS = ['sgd', 'momentum', 'adagrad', 'adadelta', 'adam', 'adamax', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** The article's optimizers that TensorFlow.js lacks (said in the help of --compare-optimizers). */
export const MISSING_OPTIMIZERS = ['nadam', 'ftrl'] as const;

/** SGD's momentum for 'momentum' (the usual 0.9; Keras' SGD has none unless given). */
export const MOMENTUM = 0.9;

/** A fresh optimizer `name` at learning rate `lr`. */
export function makeOptimizer(name: OptimizerName, lr: number): Optimizer {
  switch (name) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'momentum':
      return tf.train.momentum(lr, MOMENTUM);
    case 'adagrad':
      return tf.train.adagrad(lr);
    case 'adadelta':
      // Keras' rho 0.95 (tfjs' default is the same value)
      return tf.train.adadelta(lr, 0.95);
    case 'adam':
      return tf.train.adam(lr);
    case 'adamax':
      return tf.train.adamax(lr);
    case 'rmsprop':
      return tf.train.rmsprop(lr, 0.9);
  }
}
