// The game's container and image formats: SGI alpha maps (a real one from the game, and small ones
// written here byte by byte, verbatim and run-length encoded) and Panda3D Multifiles (no .mf fixture
// exists: the test writes a small one byte by byte from the format's description and reads it back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodeSgi } from '../src/game/sgi.ts';
import { Multifile } from '../src/game/multifile.ts';
import { openAssets } from '../src/game/assets.ts';
import { tempDir } from './helpers.ts';
import { TTO, needGameAssets } from './game-helpers.ts';

/** An SGI header (512 bytes, big-endian): magic, storage, bytes per channel, dimension, sizes. */
function sgiHeader(rle: boolean, w: number, h: number, channels: number): Buffer {
  const b = Buffer.alloc(512);
  b.writeUInt16BE(474, 0);
  b.writeUInt8(rle ? 1 : 0, 2);
  b.writeUInt8(1, 3);
  b.writeUInt16BE(channels === 1 ? 2 : 3, 4);
  b.writeUInt16BE(w, 6);
  b.writeUInt16BE(h, 8);
  b.writeUInt16BE(channels, 10);
  b.writeUInt32BE(0, 12);
  b.writeUInt32BE(255, 16);
  return b;
}

test('SGI verbatim: planes bottom row first become interleaved RGBA rows top first', () => {
  // 2x2 RGBA; plane order R, G, B, A; each plane's rows from the bottom.
  const planes = [
    [10, 11, 12, 13], // R: bottom row (10, 11), top row (12, 13)
    [20, 21, 22, 23],
    [30, 31, 32, 33],
    [40, 41, 42, 43],
  ];
  const img = decodeSgi(Buffer.concat([sgiHeader(false, 2, 2, 4), Buffer.from(planes.flat())]), 'tiny.rgb');
  assert.deepEqual([img.width, img.height, img.channels], [2, 2, 4]);
  // top-left pixel is the first pixel of each plane's top (last stored) row
  assert.deepEqual([...img.data.subarray(0, 4)], [12, 22, 32, 42]);
  assert.deepEqual([...img.data.subarray(12, 16)], [11, 21, 31, 41]);
});

test('SGI run-length: repeated and literal runs, offset tables per row', () => {
  // 4x2, one channel. Bottom row: a run of 4 x 7; top row: literal 1 2 3 then a run of 1 x 9.
  const rows = [Buffer.from([0x04, 7, 0x00]), Buffer.from([0x83, 1, 2, 3, 0x01, 9, 0x00])];
  const tables = Buffer.alloc(2 * 2 * 4);
  let at = 512 + tables.length;
  rows.forEach((r, i) => { tables.writeUInt32BE(at, i * 4); tables.writeUInt32BE(r.length, 8 + i * 4); at += r.length; });
  const img = decodeSgi(Buffer.concat([sgiHeader(true, 4, 2, 1), tables, ...rows]), 'rle.rgb');
  assert.deepEqual([...img.data], [1, 2, 3, 9, 7, 7, 7, 7]);
  assert.throws(() => decodeSgi(Buffer.alloc(600), 'zero.rgb'), { message: /^zero\.rgb: is not an SGI image/ });
});

test('SGI from the game: the eyes\' alpha map has the size of eyes.jpg and both clear and solid pixels', { skip: needGameAssets() }, async () => {
  const f = path.join(TTO, 'phase_3/maps/eyes_a.rgb');
  const a = decodeSgi(readFileSync(f), f);
  const jpg = await sharp(path.join(TTO, 'phase_3/maps/eyes.jpg')).metadata();
  assert.deepEqual([a.width, a.height], [jpg.width, jpg.height]);
  assert.equal(a.channels, 1);
  assert.ok(a.data.includes(0) && a.data.includes(255), 'clear and solid');
  // through the asset source the texture is RGBA with that alpha
  const assets = await openAssets([TTO]);
  const tex = await assets.texture('phase_3/maps/eyes.jpg', 'phase_3/maps/eyes_a.rgb');
  assert.equal(tex.hasAlpha, true);
  assert.equal(tex.data[3], a.data[0]);
});

/** A Multifile written byte by byte from the format's description (version 1.1, scale factor 1). */
function writeMultifile(entries: { name: string; body: Buffer; flags: number; original?: number }[]): Buffer {
  const out: Buffer[] = [];
  const header = Buffer.alloc(18);
  header.write('pmf\0\n\r', 0, 'latin1');
  header.writeInt16LE(1, 6); // major
  header.writeInt16LE(1, 8); // minor
  header.writeUInt32LE(1, 10); // scale factor
  header.writeUInt32LE(1700000000, 14); // timestamp
  out.push(header);
  const indexLen = (e: { name: string; flags: number }): number => 4 + 4 + 4 + 2 + (e.flags & 0x18 ? 4 : 0) + 4 + 2 + e.name.length;
  let indexAt = 18;
  let dataAt = 18 + entries.reduce((n, e) => n + indexLen(e), 0) + 4;
  for (const e of entries) {
    const b = Buffer.alloc(indexLen(e));
    let p = b.writeUInt32LE(indexAt + b.length, 0); // next index entry
    p = b.writeUInt32LE(dataAt, p); // data start
    p = b.writeUInt32LE(e.body.length, p); // data length
    p = b.writeUInt16LE(e.flags, p);
    if (e.flags & 0x18) p = b.writeUInt32LE(e.original ?? e.body.length, p);
    p = b.writeUInt32LE(1700000000, p);
    p = b.writeUInt16LE(e.name.length, p);
    for (let i = 0; i < e.name.length; i++) b[p + i] = e.name.charCodeAt(i) ^ 0xff;
    out.push(b);
    indexAt += b.length;
    dataAt += e.body.length;
  }
  out.push(Buffer.alloc(4)); // end of the index
  for (const e of entries) out.push(e.body);
  return Buffer.concat(out);
}

test('Multifile: lists and extracts plain and zlib-compressed subfiles; an encrypted one is a clear error', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const text = Buffer.from('a plain subfile\n');
    const big = Buffer.from('compressed '.repeat(200));
    const mfPath = path.join(dir, 'phase_9.mf');
    writeFileSync(mfPath, writeMultifile([
      { name: 'phase_9/readme.txt', body: text, flags: 0 },
      { name: 'phase_9/maps/big.txt', body: deflateSync(big), flags: 0x0008, original: big.length },
      { name: 'phase_9/secret.bin', body: Buffer.from('crypty and noise'), flags: 0x0010, original: 10 },
    ]));
    const mf = await Multifile.open(mfPath);
    try {
      assert.deepEqual(mf.list(), ['phase_9/readme.txt', 'phase_9/maps/big.txt', 'phase_9/secret.bin']);
      assert.equal(Buffer.from(await mf.read('phase_9/readme.txt')).toString(), text.toString());
      assert.equal(Buffer.from(await mf.read('phase_9/maps/big.txt')).toString(), big.toString());
      await assert.rejects(mf.read('phase_9/secret.bin'), { message: new RegExp(`^${mfPath.replace(/[.\\/]/g, '\\$&')}: subfile phase_9/secret.bin is encrypted`) });
      await assert.rejects(mf.read('nope.txt'), /holds no subfile nope\.txt/);
    } finally {
      await mf.close();
    }
    // An installation folder with phase_*.mf: files are found by their game path.
    const assets = await openAssets([dir]);
    assert.equal(assets.has('phase_9/maps/big.txt'), true);
    assert.deepEqual(assets.list('phase_9/maps/'), ['phase_9/maps/big.txt']);
    assert.equal(Buffer.from(await assets.read('phase_9/readme.txt')).toString(), text.toString());
    await assets.close();
    // Not a Multifile: one clear error naming the file.
    const bad = path.join(dir, 'bad.mf');
    writeFileSync(bad, Buffer.from('this is not a multifile at all'));
    await assert.rejects(Multifile.open(bad), { message: `${bad}: is not a Multifile (no "pmf" header)` });
    // A folder without the game's files: one clear error.
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    await assert.rejects(openAssets([empty]), { message: `${empty}: holds no phase_* folders and no phase_*.mf Multifiles of the game` });
  } finally {
    await cleanup();
  }
});
