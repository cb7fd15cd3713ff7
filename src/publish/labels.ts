// overlay/labels.js is generated from src/taxonomy.ts so that the page (plain browser JS, no build
// step) and the TypeScript sources share one source of truth. test/overlay-labels.test.ts fails when
// the file is stale; regenerate it with:  node --import tsx src/publish/labels.ts --write
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANIMALS, COGS_BY_SUIT, COG_DISPLAY_NAMES, SUITS, SUIT_COLOURS, SUIT_NAMES } from '../taxonomy.ts';

export const LABELS_JS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'overlay', 'labels.js');

/** The text of overlay/labels.js: an ES module with the taxonomy's display tables. */
export function overlayLabelsModule(): string {
  const suitOfCog: Record<string, string> = {};
  for (const s of SUITS) for (const n of COGS_BY_SUIT[s]) suitOfCog[n] = s;
  const lines = [
    '// Generated from src/taxonomy.ts by src/publish/labels.ts: do not edit by hand.',
    '// Regenerate with: node --import tsx src/publish/labels.ts --write',
    `export const SUITS = ${JSON.stringify(SUITS)};`,
    `export const SUIT_NAMES = ${JSON.stringify(SUIT_NAMES)};`,
    `export const SUIT_COLOURS = ${JSON.stringify(SUIT_COLOURS)};`,
    `export const COG_DISPLAY_NAMES = ${JSON.stringify(COG_DISPLAY_NAMES)};`,
    `export const SUIT_OF_COG = ${JSON.stringify(suitOfCog)};`,
    `export const ANIMALS = ${JSON.stringify(ANIMALS)};`,
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(LABELS_JS, overlayLabelsModule());
  process.stderr.write(`wrote ${LABELS_JS}\n`);
}
