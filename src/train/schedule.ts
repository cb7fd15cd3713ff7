// Learning-rate schedules shared by the classifier trainer and the detector trainer.

/** Keras' legacy (tf.keras < 2.11) time-based decay: lr / (1 + decay * iterations). */
export function decayedRate(lr: number, decay: number, iterations: number): number {
  return lr / (1 + decay * iterations);
}

/** Warm-up steps for a run of `steps`: 5% of them, at least 1, at most 30. */
export function warmupSteps(steps: number): number {
  return Math.max(1, Math.min(30, Math.round(steps * 0.05)));
}

/**
 * Linear warm-up over the first `warmup` steps, then cosine decay from `base` down to `floor`·base as
 * `progress` goes from 0 to 1 (progress is clamped; callers pass step/steps or a time fraction).
 */
export function warmupCosine(base: number, step: number, warmup: number, progress: number, floor = 0.05): number {
  if (step < warmup) return (base * (step + 1)) / warmup;
  const p = Math.min(1, Math.max(0, progress));
  return base * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * p)));
}
