// Shared by the game-model tests: where the game's asset fixtures are, and the skip reason when absent.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from './helpers.ts';

export const GAME_ASSETS = path.join(FIXTURES, 'game-assets');
export const TTO = path.join(GAME_ASSETS, 'tto-2013');
export const TTR_HEADS = path.join(GAME_ASSETS, 'ttr-toon-heads');

/** A skip message when the game's asset fixtures are absent, else false. */
export function needGameAssets(): string | false {
  return existsSync(path.join(TTO, 'phase_3.5')) && existsSync(path.join(TTR_HEADS, 'phase_3'))
    ? false : `needs the game's asset fixtures at ${GAME_ASSETS} (not found)`;
}
