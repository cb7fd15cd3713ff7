// The optimizers a classifier can be trained with: every one TensorFlow.js offers (tf.train.*), each
// built with a static learning rate and Keras' other defaults where tfjs has no default of its own.
// Keras' Nadam and Ftrl have no TensorFlow.js counterpart (nor a maintained package providing one).
import type { Optimizer, Tensor, Variable } from '@tensorflow/tfjs';

type Gradients = Parameters<Optimizer['applyGradients']>[0];
import { tf } from '../engine/index.ts';

interface AdadeltaState {
  learningRate: number;
  rho: number;
  epsilon: number;
  accumulatedGrads: { originalName: string; variable: Variable }[];
  accumulatedUpdates: { originalName: string; variable: Variable }[];
}

/**
 * Adadelta as Zeiler's paper and Keras have it. Written here because tfjs 4.22's AdadeltaOptimizer
 * divides by the squared-gradient average of the step before (not the one just updated): both of its
 * averages then grow alike, their ratio stays 1 and every step is exactly SGD's. Only the update
 * differs; the state, weights and config are tfjs' own.
 */
export class FixedAdadelta extends tf.AdadeltaOptimizer {
  override applyGradients(variableGradients: Gradients): void {
    const self = this as unknown as AdadeltaState;
    const list = Array.isArray(variableGradients) ? variableGradients.map((g) => ({ name: g.name, tensor: g.tensor })) : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    list.forEach(({ name, tensor: gradient }, i) => {
      const value = tf.engine().registeredVariables[name]!;
      self.accumulatedGrads[i] ??= { originalName: `${name}/accum_grad`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      self.accumulatedUpdates[i] ??= { originalName: `${name}/accum_var`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      if (gradient == null) return;
      const accGrad = self.accumulatedGrads[i]!.variable;
      const accUpdate = self.accumulatedUpdates[i]!.variable;
      tf.tidy(() => {
        const newAccGrad = tf.add(tf.mul(accGrad, self.rho), tf.mul(tf.square(gradient as Tensor), 1 - self.rho));
        const updates = tf.mul(tf.div(tf.sqrt(tf.add(accUpdate, self.epsilon)), tf.sqrt(tf.add(newAccGrad, self.epsilon))), gradient as Tensor);
        accGrad.assign(newAccGrad);
        accUpdate.assign(tf.add(tf.mul(accUpdate, self.rho), tf.mul(tf.square(updates), 1 - self.rho)));
        value.assign(tf.add(tf.mul(updates, -self.learningRate), value));
      });
    });
    this.incrementIterations();
  }
}

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
      // Keras' rho 0.95 and epsilon 1e-7
      return new FixedAdadelta(lr, 0.95, 1e-7);
    case 'adam':
      return tf.train.adam(lr);
    case 'adamax':
      return tf.train.adamax(lr);
    case 'rmsprop':
      return tf.train.rmsprop(lr, 0.9);
  }
}
