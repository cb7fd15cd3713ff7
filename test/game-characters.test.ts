// The game's characters built by its recipes and written as GLB: a Cog and a Toon read back with
// gltf-transform, every one of the 32 Cogs at its game height, poses that move the joints, the
// animations on offer, a software preview that draws the character, and clear errors for bad requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeIO } from '@gltf-transform/core';
import { openAssets, buildCog, buildToon, listAnimations, COG_LABELS, TOON_SPECIES, type AssetSource } from '../src/game/index.ts';
import { COG_RECIPES } from '../src/game/cogs.ts';
import { previewGlb } from '../src/game/preview.ts';
import { TTO, TTR_HEADS, needGameAssets } from './game-helpers.ts';

const skip = needGameAssets();
let assetsP: Promise<AssetSource> | undefined;
const assets = (): Promise<AssetSource> => (assetsP ??= openAssets([TTR_HEADS, TTO]));

test('the 32 Cog labels and 11 species follow the taxonomy', () => {
  assert.equal(COG_LABELS.length, 32);
  assert.equal(new Set(COG_LABELS).size, 32);
  assert.ok(COG_LABELS.every((l) => /^cog_(bb|lb|cb|sb)_[a-z]+$/.test(l)));
  assert.deepEqual(TOON_SPECIES, ['bear', 'cat', 'crocodile', 'deer', 'dog', 'duck', 'horse', 'monkey', 'mouse', 'pig', 'rabbit']);
});

test('a Cog as GLB: textured meshes, feet on the ground, the game\'s height, its nametag', { skip }, async () => {
  const cog = await buildCog(await assets(), 'cog_cb_pennypincher', { seed: 3 });
  assert.equal(cog.label, 'cog_cb_pennypincher');
  const doc = await new NodeIO().readBinary(cog.glb);
  const root = doc.getRoot();
  assert.ok(root.listMeshes().length >= 6, 'body parts and head');
  assert.ok(root.listTextures().length >= 5, 'suit, hands and head textures');
  assert.ok(root.listTextures().every((t) => t.getMimeType() === 'image/png'));
  assert.ok(Math.abs(cog.bounds.min[1]) < 0.1, `feet at y=0 (min y ${cog.bounds.min[1]})`);
  assert.ok(Math.abs(cog.bounds.max[1] - 5.26) < 0.3, `Penny Pincher stands 5.26 tall in the game (${cog.bounds.max[1]})`);
  assert.ok(Math.abs(cog.headTop[1] - cog.bounds.max[1]) < 0.05, 'the head is the top');
  assert.equal(cog.nametag?.name, 'Penny Pincher');
  assert.equal(cog.nametag?.suit, 'Cashbot');
  assert.ok(cog.nametag!.level >= 2 && cog.nametag!.level <= 6, `level in 2..6 (${cog.nametag!.level})`);
  // Cashbot green suit: the blazer texture is the department's
  const blazer = root.listTextures().find((t) => t.getName().includes('m_blazer'));
  assert.ok(blazer, 'the Cashbot blazer (m_blazer) is used');
});

test('every one of the 32 Cogs builds at its game height', { skip }, async () => {
  const a = await assets();
  for (const recipe of COG_RECIPES) {
    const cog = await buildCog(a, recipe.label);
    const h = cog.bounds.max[1];
    assert.ok(Math.abs(cog.bounds.min[1]) < 0.15, `${recipe.label}: feet near 0 (${cog.bounds.min[1]})`);
    assert.ok(Math.abs(h - recipe.height) / recipe.height < 0.08, `${recipe.label}: ${h.toFixed(2)} tall, the game says ${recipe.height}`);
  }
});

test('a Toon as GLB: a dog and a deer stand 2.5 to 6 units tall with white gloves', { skip }, async () => {
  for (const animal of ['dog', 'deer']) {
    const toon = await buildToon(await assets(), animal, { seed: 7 });
    assert.equal(toon.label, `toon_${animal}`);
    assert.ok(Math.abs(toon.bounds.min[1]) < 0.15, `${animal}: feet near 0 (${toon.bounds.min[1]})`);
    assert.ok(toon.bounds.max[1] > 2.5 && toon.bounds.max[1] < 6, `${animal}: height ${toon.bounds.max[1]}`);
    const doc = await new NodeIO().readBinary(toon.glb);
    const hands = doc.getRoot().listNodes().find((n) => n.getName() === 'hands');
    assert.ok(hands, 'hands');
    assert.deepEqual(hands!.getMesh()!.listPrimitives()[0].getMaterial()!.getBaseColorFactor(), [1, 1, 1, 1]);
    const eyes = doc.getRoot().listMaterials().filter((m) => m.getAlphaMode() === 'BLEND');
    assert.ok(eyes.length >= 1, 'eyes blend with their alpha map');
  }
  // the same seed draws the same Toon, another seed (usually) another
  const a1 = await buildToon(await assets(), 'cat', { seed: 11 });
  const a2 = await buildToon(await assets(), 'cat', { seed: 11 });
  assert.deepEqual(a1.looks, a2.looks);
});

test('poses: the walk moves the joints, frames differ, every species builds walking', { skip }, async () => {
  const a = await assets();
  const cogAnims = await listAnimations(a, 'cog');
  const toonAnims = await listAnimations(a, 'toon');
  for (const n of ['neutral', 'walk', 'victory', 'flail']) assert.ok(cogAnims.includes(n), `Cog ${n}`);
  for (const n of ['neutral', 'walk', 'run', 'wave', 'throw']) assert.ok(toonAnims.includes(n), `Toon ${n}`);
  const stand = await buildCog(a, 'cog_sb_twoface', { animation: 'neutral' });
  const walk0 = await buildCog(a, 'cog_sb_twoface', { animation: 'walk', frame: 0 });
  const walk8 = await buildCog(a, 'cog_sb_twoface', { animation: 'walk', frame: 8 });
  const depth = (c: typeof stand): number => c.bounds.max[2] - c.bounds.min[2];
  assert.ok(depth(walk0) > depth(stand) * 1.2 || depth(walk8) > depth(stand) * 1.2, 'a stride is deeper than standing');
  assert.notDeepEqual(walk0.bounds, walk8.bounds);
  for (const s of TOON_SPECIES) {
    const t = await buildToon(a, s, { animation: 'run', frame: 3, seed: 2 });
    assert.ok(t.bounds.max[1] > 2, `${s} runs`);
  }
});

test('preview: the software rasteriser draws the Cog in the middle of the frame', { skip }, async () => {
  const cog = await buildCog(await assets(), 'cog_bb_flunky');
  const img = await previewGlb(cog.glb, { width: 64, height: 96 });
  const isBg = (i: number): boolean => img.data[i * 4] === 235 && img.data[i * 4 + 1] === 235 && img.data[i * 4 + 2] === 235;
  let centre = 0, corner = 0;
  for (let y = 0; y < 96; y++) for (let x = 0; x < 64; x++) {
    const i = y * 64 + x;
    if (isBg(i)) continue;
    if (x > 16 && x < 48 && y > 16 && y < 80) centre++; else if ((x < 6 || x > 58) && (y < 6 || y > 90)) corner++;
  }
  assert.ok(centre > 400, `the Cog covers the middle (${centre} pixels)`);
  assert.equal(corner, 0);
});

test('bad requests: unknown Cog, species or animation are clear errors', { skip }, async () => {
  const a = await assets();
  await assert.rejects(buildCog(a, 'cog_bb_nobody'), /unknown Cog 'cog_bb_nobody'/);
  await assert.rejects(buildToon(a, 'giraffe'), /unknown Toon species 'giraffe'/);
  await assert.rejects(buildCog(a, 'cog_bb_flunky', { animation: 'moonwalk' }), /unknown Cog animation 'moonwalk'/);
  await assert.rejects(openAssets(['/nonexistent/game']), /asset folder \/nonexistent\/game not found/);
});
