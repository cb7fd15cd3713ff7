// Real Cog head renders (one cog_<suit>_<name>.png per Cog, e.g. ../shared/fixtures/real-eval/cog-heads)
// worn by synthetic Cogs, so that the name classifier learns the game's real faces and suit colours.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseLabel } from '../taxonomy.ts';
import { RunError } from '../errors.ts';

/** Cog name -> PNG as a data: URI, for every cog_<suit>_<name>.png of the folder. Errors name the file. */
export async function loadCogHeads(dir: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.png')).sort();
  } catch (err) {
    throw new RunError(`${dir}: cannot read the Cog heads folder (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const heads = new Map<string, string>();
  for (const n of names) {
    const file = path.join(dir, n);
    let label;
    try {
      label = parseLabel(n.slice(0, -4));
    } catch (err) {
      throw new RunError(`${file}: not named cog_<suit>_<name>.png (${(err as Error).message})`);
    }
    if (label.kind !== 'cog' || label.index !== undefined) throw new RunError(`${file}: not named cog_<suit>_<name>.png`);
    const png = await readFile(file);
    if (png.subarray(1, 4).toString('latin1') !== 'PNG') throw new RunError(`${file}: not a PNG file`);
    heads.set(label.name, `data:image/png;base64,${png.toString('base64')}`);
  }
  if (heads.size === 0) throw new RunError(`${dir}: no cog_<suit>_<name>.png head renders`);
  return heads;
}
