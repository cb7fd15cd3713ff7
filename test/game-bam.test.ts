// The BAM reader on the game's own files: versions, object counts, every object's fields read whole, and
// one clear error naming the file and the object for a damaged file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readBam, BamError, type GeomNodeData, type PandaNodeData } from '../src/game/bam.ts';
import { TTO, TTR_HEADS, needGameAssets } from './game-helpers.ts';

const skip = needGameAssets();
const file = (root: string, p: string): string => path.join(root, p);

test('BAM header: the 2013 client holds 6.24 and 6.44 files, ToonTown Rewritten 6.30', { skip }, () => {
  for (const [root, p, minor] of [
    [TTO, 'phase_4/models/char/suitA-heads.bam', 24],
    [TTO, 'phase_3.5/models/char/suitA-mod.bam', 44],
    [TTR_HEADS, 'phase_3/models/char/deer-heads-1000.bam', 30],
  ] as const) {
    const f = file(root, p);
    const bam = readBam(readFileSync(f), f);
    assert.equal(bam.major, 6);
    assert.equal(bam.minor, minor, p);
    assert.equal(bam.root.type, 'ModelRoot');
    assert.deepEqual(bam.unreadBytes, [], `${p}: every known object read to the end of its datagram`);
  }
});

test('BAM objects: suitA-heads.bam holds the nine A-body Cog heads, each a GeomNode under the Character', { skip }, () => {
  const f = file(TTO, 'phase_4/models/char/suitA-heads.bam');
  const bam = readBam(readFileSync(f), f);
  const counts = bam.typeCounts();
  assert.equal(counts.ModelRoot, 1);
  assert.equal(counts.Character, 1);
  assert.equal(counts.GeomNode, 9);
  assert.equal(counts.Geom, 9);
  assert.equal(counts.Texture, 6);
  const character = bam.get<PandaNodeData>(bam.get<PandaNodeData>(bam.roots[0])!.children[0].id)!;
  assert.equal(character.type, 'Character');
  const heads = character.children.map((c) => bam.get<GeomNodeData>(c.id)!).filter((n) => n.type === 'GeomNode').map((n) => n.name).sort();
  assert.deepEqual(heads, ['backstabber', 'bigcheese', 'bigwig', 'headhunter', 'legaleagle', 'numbercruncher', 'pennypincher', 'twoface', 'yesman']);
});

test('BAM animations: suitA-walk.bam holds one AnimBundle whose channels are uncompressed tables', { skip }, () => {
  const f = file(TTO, 'phase_4/models/char/suitA-walk.bam');
  const bam = readBam(readFileSync(f), f);
  const bundles = [...bam.objects.values()].filter((o) => o.type === 'AnimBundle');
  assert.equal(bundles.length, 1);
  const tables = [...bam.objects.values()].filter((o) => o.type === 'AnimChannelMatrixXfmTable') as unknown as { tables: Float32Array[] }[];
  assert.ok(tables.length > 40);
  assert.ok(tables.every((t) => t.tables.length === 12));
  assert.ok(tables.some((t) => t.tables[6].length > 1), 'some joint turns over the walk');
});

test('a damaged BAM file: one error naming the file and the object (type and id)', { skip }, () => {
  const f = file(TTO, 'phase_4/models/char/suitA-heads.bam');
  const good = new Uint8Array(readFileSync(f));
  // The first object's datagram (after the 6-byte magic and the header datagram) made too short.
  const view = new DataView(good.buffer.slice(0));
  const bad = new Uint8Array(view.buffer);
  const headerLen = view.getUint32(6, true);
  const firstAt = 6 + 4 + headerLen;
  view.setUint32(firstAt, view.getUint32(firstAt, true) - 10, true);
  assert.throws(() => readBam(bad, 'damaged.bam'), (e: unknown) => {
    assert.ok(e instanceof BamError);
    assert.match((e as Error).message, /^damaged\.bam: object 1 \(ModelRoot\): cannot be read: needs \d+ more bytes/);
    assert.deepEqual((e as BamError).object, { type: 'ModelRoot', id: 1 });
    return true;
  });
  assert.throws(() => readBam(good.subarray(0, good.length - 7), 'cut.bam'), { message: /^cut\.bam: is truncated/ });
  assert.throws(() => readBam(new TextEncoder().encode('hello world, no model'), 'text.bam'), { message: /^text\.bam: is not a BAM file/ });
  const newer = good.slice();
  new DataView(newer.buffer).setUint16(12, 99, true);
  assert.throws(() => readBam(newer, 'newer.bam'), { message: /^newer\.bam: is BAM version 6\.99; this reader reads 6\.21 to 6\.45/ });
});
