// A seeded random stream for the scene generator: the same seed always draws the same numbers.
import seedrandom from 'seedrandom';
import { shuffled } from '../shuffle.ts';

export class Rng {
  private readonly gen: () => number;
  constructor(seed: string) {
    this.gen = seedrandom.alea(seed);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.gen();
  }
  /** Uniform in [a, b). */
  range(a: number, b: number): number {
    return a + (b - a) * this.gen();
  }
  /** Whole number in [a, b] (both included). */
  int(a: number, b: number): number {
    return a + Math.floor(this.gen() * (b - a + 1));
  }
  chance(p: number): boolean {
    return this.gen() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.gen() * items.length)] as T;
  }
  /** A new array, Fisher-Yates shuffled. */
  shuffle<T>(items: readonly T[]): T[] {
    return shuffled(items, this.gen);
  }
}

/** A stream named by its parts, e.g. rngFor(seed, 'scene', index): scenes do not depend on each other. */
export function rngFor(...parts: (string | number)[]): Rng {
  return new Rng(`toonvision-synth:${parts.join(':')}`);
}
