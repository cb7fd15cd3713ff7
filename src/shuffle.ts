// The Fisher-Yates shuffle behind every seeded order in the project (dataset splits, training batches,
// the detector's hold-out, the synthetic scenes' decks): the same generator gives the same order.

/** Shuffles `items` in place with `rand` (uniform in [0, 1)) and returns it. */
export function shuffleInPlace<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A shuffled copy of `items`. */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  return shuffleInPlace(items.slice(), rand);
}
