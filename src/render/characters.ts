// Where the renderer's characters come from: posed Cogs and Toons as GLB, built from the game's model
// files (src/game) or, in tests, from stand-ins. Built characters are kept in a small cache so that a
// run does not rebuild the same Cog in the same pose scene after scene.

export interface PoseOptions {
  animation?: string;
  frame?: number;
  seed?: number;
}

/** A posed character as src/game builds it: glTF 2.0 binary, Y up, feet at y = 0, facing +Z, game units. */
export interface PosedCharacter {
  label: string;
  glb: Uint8Array;
  bounds: { min: [number, number, number]; max: [number, number, number] };
  headTop: [number, number, number];
  nametag?: { name: string; suit: string; level: number };
}

export interface CharacterSource {
  /** taxonomy labels this source can build: cog_<suit>_<name> */
  cogLabels: readonly string[];
  /** taxonomy labels: toon_<animal> */
  toonLabels: readonly string[];
  animations(kind: 'cog' | 'toon'): Promise<readonly string[]>;
  build(label: string, opts: PoseOptions): Promise<PosedCharacter>;
  /** a short description for logs and errors (the asset folders) */
  describe: string;
}

/** A CharacterSource that remembers the last `size` characters it built (same label and pose, same GLB). */
export function cachedSource(source: CharacterSource, size = 96): CharacterSource & { hits: number; misses: number } {
  const cache = new Map<string, Promise<PosedCharacter>>();
  const wrapped = {
    cogLabels: source.cogLabels,
    toonLabels: source.toonLabels,
    describe: source.describe,
    hits: 0,
    misses: 0,
    animations: (kind: 'cog' | 'toon') => source.animations(kind),
    build(label: string, opts: PoseOptions): Promise<PosedCharacter> {
      const key = `${label}|${opts.animation ?? ''}|${opts.frame ?? ''}|${opts.seed ?? ''}`;
      let p = cache.get(key);
      if (p) {
        wrapped.hits++;
        cache.delete(key);
        cache.set(key, p);
        return p;
      }
      wrapped.misses++;
      p = source.build(label, opts);
      cache.set(key, p);
      p.catch(() => cache.delete(key));
      if (cache.size > size) cache.delete(cache.keys().next().value as string);
      return p;
    },
  };
  return wrapped;
}
