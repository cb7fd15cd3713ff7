// The player's own Toon in a frame (for F9 captures): the one Toon at the middle, low and big, whose
// animal does not contradict the species the companion API gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findOwnToon, labelOwnToon, speciesAnimal } from '../src/companion/own-toon.ts';

const W = 800;
const H = 600;
const own: { label: string; bbox: number[]; animal?: string } = { label: 'toon', bbox: [350, 300, 100, 200] }; // centre 400, feet at 500 (83%), 33% high
const far = { label: 'toon', bbox: [120, 250, 30, 60], animal: 'cat' };
const cog = { label: 'cog', bbox: [360, 280, 80, 220] };

describe('the player\'s own Toon', () => {
  it('is the one Toon at the middle, low in the frame', () => {
    assert.equal(findOwnToon([far, cog, own], W, H, 'Dog').index, 2);
    assert.equal(findOwnToon([far, cog, { ...own, animal: 'dog' }], W, H, 'dog').index, 2);
  });

  it('is not picked when the classifier sees another animal, when two Toons stand there, or when none does', () => {
    const wrong = findOwnToon([{ ...own, animal: 'duck' }], W, H, 'dog');
    assert.equal(wrong.index, -1);
    assert.match(wrong.reason, /looks like a duck/);
    assert.equal(findOwnToon([own, { ...own, bbox: [330, 320, 90, 180] }], W, H, 'dog').index, -1);
    assert.equal(findOwnToon([far, cog], W, H, 'dog').index, -1, 'a Cog at the middle is not the Toon');
    assert.equal(findOwnToon([{ ...own, bbox: [350, 100, 100, 150] }], W, H, 'dog').index, -1, 'feet too high: not the followed Toon');
    assert.equal(findOwnToon([own], W, H, 'Dragon').index, -1);
  });

  it('reads the API species names', () => {
    assert.equal(speciesAnimal('Crocodile'), 'crocodile');
    assert.equal(speciesAnimal('dog'), 'dog');
    assert.equal(speciesAnimal(undefined), undefined);
  });

  it('labels the picked Toon with the species for a capture', () => {
    const r = labelOwnToon([far, own], W, H, 'Dog');
    assert.equal(r.picked, 1);
    assert.equal(r.detections[1].animal, 'dog');
    assert.equal(r.detections[0], far);
    assert.equal(labelOwnToon([far], W, H, 'Dog').detections[0], far);
  });
});
