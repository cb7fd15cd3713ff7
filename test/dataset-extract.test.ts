// extract: real fixtures to the 7 crops of their XML; every bad-input case with real files;
// whole-or-nothing per screenshot; indexes continue; nothing is overwritten; --move.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { extractScreenshots } from '../src/dataset/extract.ts';
import { readVoc } from '../src/dataset/voc.ts';
import { cropImage, readImage } from '../src/image.ts';
import { encode, listTree, object, screenshot, vocText } from './dataset-helpers.ts';
import { needFixtures, REAL, tempDir } from './helpers.ts';

async function copyFixtures(shots: string): Promise<void> {
  await mkdir(shots, { recursive: true });
  for (const f of ['sample_img0.png', 'sample_img0.xml', 'sample_img1.png', 'sample_img1.xml']) {
    await copyFile(path.join(REAL, f), path.join(shots, f));
    await chmod(path.join(shots, f), 0o644);
  }
}

test('extract: the real fixtures give the 7 crops of their XML, with the right labels, sizes and pixels', { skip: needFixtures() }, async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const shots = path.join(dir, 'raw', 'screenshots');
    await copyFixtures(shots);
    const r = await extractScreenshots(dir);
    assert.deepEqual(r.errors, []);
    assert.equal(r.screenshots, 2);
    assert.equal(r.crops, 7);
    assert.deepEqual(r.byLabel, {
      cog_sb_coldcaller: 1,
      cog_lb_bloodsucker: 1,
      cog_lb_bottomfeeder: 1,
      cog_sb_telemarketer: 1,
      cog_bb_flunky: 2,
      toon_dog: 1,
    });
    const files = [...(await listTree(path.join(dir, 'unsorted'))).keys()];
    assert.deepEqual(files, [
      'cog/cog_bb_flunky_0.png',
      'cog/cog_bb_flunky_1.png',
      'cog/cog_lb_bloodsucker_0.png',
      'cog/cog_lb_bottomfeeder_0.png',
      'cog/cog_sb_coldcaller_0.png',
      'cog/cog_sb_telemarketer_0.png',
      'toon/toon_dog_0.png',
    ]);
    // Sizes and pixels: img[ymin:ymax, xmin:xmax] of the decoded JPEG-named-.png screenshot.
    const seen = new Map<string, number>();
    for (const stem of ['sample_img0', 'sample_img1']) {
      const a = await readVoc(path.join(REAL, `${stem}.xml`));
      const img = await readImage(path.join(REAL, `${stem}.png`));
      for (const o of a.objects) {
        const i = seen.get(o.name) ?? 0;
        seen.set(o.name, i + 1);
        const crop = await readImage(path.join(dir, 'unsorted', o.name.startsWith('cog_') ? 'cog' : 'toon', `${o.name}_${i}.png`));
        assert.equal(crop.width, o.bndbox.xmax - o.bndbox.xmin);
        assert.equal(crop.height, o.bndbox.ymax - o.bndbox.ymin);
        assert.deepEqual(Buffer.from(crop.data), Buffer.from(cropImage(img, o.bndbox).data), `${o.name}_${i} pixels`);
      }
    }
    const cold = await sharp(path.join(dir, 'unsorted', 'cog', 'cog_sb_coldcaller_0.png')).metadata();
    assert.equal(`${cold.width}x${cold.height}`, '114x144');
    assert.equal(cold.format, 'png');
    // Without --move the screenshots stay where they are.
    assert.ok(existsSync(path.join(shots, 'sample_img0.png')));
    assert.ok(!existsSync(path.join(dir, 'raw', 'processed')));
  } finally {
    await cleanup();
  }
});

test('extract: indexes continue after the highest one in unsorted/ and data/*/, existing crops are untouched', { skip: needFixtures() }, async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await copyFixtures(path.join(dir, 'raw', 'screenshots'));
    const old = await encode('png', 5, 5, 9);
    await mkdir(path.join(dir, 'unsorted', 'cog'), { recursive: true });
    await mkdir(path.join(dir, 'data', 'test', 'cog'), { recursive: true });
    await mkdir(path.join(dir, 'data', 'train', 'toon'), { recursive: true });
    await writeFile(path.join(dir, 'unsorted', 'cog', 'cog_bb_flunky_2.png'), old);
    await writeFile(path.join(dir, 'data', 'test', 'cog', 'cog_bb_flunky_7.png'), old);
    await writeFile(path.join(dir, 'data', 'train', 'toon', 'toon_dog_0.png'), old);
    await writeFile(path.join(dir, 'unsorted', 'cog', 'cog_sb_coldcaller_0.png'), old);
    const r = await extractScreenshots(dir);
    assert.equal(r.crops, 7);
    const tree = await listTree(dir);
    for (const f of ['cog_bb_flunky_8', 'cog_bb_flunky_9', 'cog_sb_coldcaller_1']) assert.ok(tree.has(`unsorted/cog/${f}.png`), f);
    assert.ok(tree.has('unsorted/toon/toon_dog_1.png'));
    assert.ok(!tree.has('unsorted/cog/cog_bb_flunky_3.png'));
    for (const f of ['unsorted/cog/cog_bb_flunky_2.png', 'data/test/cog/cog_bb_flunky_7.png', 'data/train/toon/toon_dog_0.png', 'unsorted/cog/cog_sb_coldcaller_0.png']) {
      assert.deepEqual(await readFile(path.join(dir, f)), old, `${f} untouched`);
    }
    // A second run over the same screenshots adds new crops, never replaces.
    const again = await extractScreenshots(dir);
    assert.equal(again.crops, 7);
    const tree2 = await listTree(dir);
    assert.ok(tree2.has('unsorted/cog/cog_bb_flunky_11.png'));
    for (const [f, h] of tree) assert.equal(tree2.get(f), h, `${f} unchanged by the second run`);
  } finally {
    await cleanup();
  }
});

test('extract: every kind of bad input is one clear error naming its file; the rest is extracted; --move moves only what succeeded', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const s = path.join(dir, 'raw', 'screenshots');
    const W = 64;
    const H = 48;
    const png = await encode('png', W, H, 1);
    const jpeg = await encode('jpeg', W, H, 2);
    const ok = [object('cog_bb_flunky', 2, 3, 20, 30), object('toon_cat', 30, 5, 60, 45)];
    const xml = (f: string, objs = ok, w = W, h = H) => vocText(f, w, h, objs);
    const flipped = Buffer.from(jpeg);
    for (let i = Math.floor(jpeg.length / 2); i < Math.floor(jpeg.length / 2) + 40; i++) flipped[i] = 0xff ^ flipped[i]!;

    // Good ones, including lying extensions that decode by content.
    await screenshot(s, 'a_good.png', png, xml('a_good.png'));
    await screenshot(s, 'b_jpeg_named_png.png', jpeg, xml('b_jpeg_named_png.png'));
    await screenshot(s, 'c_png_named_jpg.jpg', png, xml('c_png_named_jpg.jpg'));
    await screenshot(s, 'd_no_objects.png', png, xml('d_no_objects.png', []));
    // Bad ones.
    await screenshot(s, 'e_corrupt.png', Buffer.from('this is not an image at all, just text'), xml('e_corrupt.png'));
    await screenshot(s, 'f_truncated.png', png.subarray(0, Math.floor(png.length * 0.6)), xml('f_truncated.png'));
    await screenshot(s, 'g_truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), xml('g_truncated.jpg'));
    await screenshot(s, 'h_corrupt_data.jpg', flipped, xml('h_corrupt_data.jpg'));
    await screenshot(s, 'i_malformed.png', png, '<annotation><size><width>64</width></annotation>');
    await screenshot(s, 'j_size.png', png, xml('j_size.png', ok, 800, 600));
    await screenshot(s, 'k_label.png', png, xml('k_label.png', [ok[0]!, object('cog_xx_flunky', 1, 1, 5, 5)]));
    await screenshot(s, 'l_wrong_suit.png', png, xml('l_wrong_suit.png', [object('cog_bb_coldcaller', 1, 1, 5, 5)]));
    await screenshot(s, 'm_outside.png', png, xml('m_outside.png', [ok[0]!, object('toon_dog', 40, 10, 65, 20)]));
    await screenshot(s, 'n_inverted.png', png, xml('n_inverted.png', [object('toon_dog', 30, 10, 20, 20)]));
    await screenshot(s, 'o_zero.png', png, xml('o_zero.png', [object('toon_dog', 10, 10, 10, 20)]));
    await screenshot(s, 'p_no_image.png', null, xml('p_no_image.png'));
    await screenshot(s, 'q_no_xml.png', png, null);
    await screenshot(s, 'r_negative.png', png, xml('r_negative.png', [object('toon_dog', -1, 0, 10, 10)]));

    const before = await listTree(s);
    const r = await extractScreenshots(dir, { move: true });
    const reasons = new Map(r.errors.map((e) => [path.basename(e.file), e.reason]));
    const expect: [string, RegExp][] = [
      ['e_corrupt.png', /cannot decode image/],
      ['f_truncated.png', /cannot decode image .*(libpng|read error)/],
      ['g_truncated.jpg', /cannot decode image .*premature end/],
      ['h_corrupt_data.jpg', /corrupt JPEG data/],
      ['i_malformed.xml', /malformed XML at line 1/],
      ['j_size.xml', /size 800x600 in the XML differs from the image j_size\.png \(64x48\)/],
      ['k_label.xml', /object 2 'cog_xx_flunky': label is not in the taxonomy .*unknown suit 'xx'/],
      ['l_wrong_suit.xml', /object 1 'cog_bb_coldcaller': label is not in the taxonomy .*Sellbot/],
      ['m_outside.xml', /object 2 'toon_dog': box 40,10,65,20 is outside the 64x48 image/],
      ['n_inverted.xml', /box 30,10,20,20 is inverted/],
      ['o_zero.xml', /box 10,10,10,20 has zero area/],
      ['p_no_image.xml', /no screenshot beside this XML/],
      ['q_no_xml.png', /no VOC annotation q_no_xml\.xml beside this screenshot/],
      ['r_negative.xml', /box -1,0,10,10 is outside/],
    ];
    for (const [file, re] of expect) {
      assert.ok(reasons.has(file), `an error for ${file} (got ${JSON.stringify(r.errors)})`);
      assert.match(reasons.get(file)!, re, file);
    }
    assert.equal(r.errors.length, expect.length, JSON.stringify(r.errors));
    for (const e of r.errors) assert.ok(e.file.startsWith(s), `${e.file} is a path in the screenshots folder`);

    // The good ones: 3 screenshots x 2 crops, plus one with no objects.
    assert.equal(r.screenshots, 4);
    assert.equal(r.crops, 6);
    assert.deepEqual(r.byLabel, { cog_bb_flunky: 3, toon_cat: 3 });
    const crops = [...(await listTree(path.join(dir, 'unsorted'))).keys()];
    assert.deepEqual(crops, [
      'cog/cog_bb_flunky_0.png', 'cog/cog_bb_flunky_1.png', 'cog/cog_bb_flunky_2.png',
      'toon/toon_cat_0.png', 'toon/toon_cat_1.png', 'toon/toon_cat_2.png',
    ]);
    const c = await sharp(path.join(dir, 'unsorted', 'toon', 'toon_cat_1.png')).metadata();
    assert.equal(`${c.width}x${c.height}`, '30x40');

    // --move: good screenshots and their XML are in processed/ with the same bytes; every failed file stayed.
    const processed = await listTree(path.join(dir, 'raw', 'processed'));
    const movedNames = ['a_good', 'b_jpeg_named_png', 'c_png_named_jpg', 'd_no_objects'];
    assert.deepEqual([...processed.keys()].sort(), movedNames.flatMap((n) => [`${n}.${n.startsWith('c_') ? 'jpg' : 'png'}`, `${n}.xml`]).sort());
    for (const [f, h] of processed) assert.equal(before.get(f), h, `${f} moved intact`);
    const left = await listTree(s);
    for (const [f, h] of before) {
      if (processed.has(f)) assert.ok(!left.has(f), `${f} left the screenshots folder`);
      else assert.equal(left.get(f), h, `${f} stayed in place, unchanged`);
    }
  } finally {
    await cleanup();
  }
});

test('extract: a write failure midway removes only the crops written for that screenshot', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const s = path.join(dir, 'raw', 'screenshots');
    const png = await encode('png', 40, 30, 3);
    // unsorted/toon is a dangling symlink (a folder on a vanished drive), so the Toon crop cannot be
    // written after the Cog crops were.
    await mkdir(path.join(dir, 'unsorted', 'cog'), { recursive: true });
    await symlink(path.join(dir, 'vanished-drive', 'toon'), path.join(dir, 'unsorted', 'toon'));
    const existing = await encode('png', 3, 3, 4);
    await writeFile(path.join(dir, 'unsorted', 'cog', 'cog_lb_bigwig_4.png'), existing);
    await screenshot(s, 'mixed.png', png, vocText('mixed.png', 40, 30, [
      object('cog_lb_bigwig', 0, 0, 10, 10), object('cog_lb_bigwig', 10, 0, 20, 10), object('toon_pig', 20, 0, 30, 10),
    ]));
    await screenshot(s, 'only_cog.png', png, vocText('only_cog.png', 40, 30, [object('cog_lb_bigwig', 0, 0, 40, 30)]));
    const r = await extractScreenshots(dir, { move: true });
    assert.equal(r.errors.length, 1);
    assert.equal(path.basename(r.errors[0]!.file), 'mixed.png');
    assert.match(r.errors[0]!.reason, /cannot write crop of 'toon_pig'.*removed the 2 crop\(s\) already written/);
    // The other screenshot went on, and took the first free index (the failed run's indexes were given back).
    assert.equal(r.screenshots, 1);
    const tree = await listTree(path.join(dir, 'unsorted', 'cog'));
    assert.deepEqual([...tree.keys()], ['cog_lb_bigwig_4.png', 'cog_lb_bigwig_5.png']);
    assert.deepEqual(await readFile(path.join(dir, 'unsorted', 'cog', 'cog_lb_bigwig_4.png')), existing);
    assert.ok(existsSync(path.join(s, 'mixed.png')) && existsSync(path.join(s, 'mixed.xml')), 'the failed screenshot stays');
    assert.ok(existsSync(path.join(dir, 'raw', 'processed', 'only_cog.png')));
  } finally {
    await cleanup();
  }
});

test('extract --move never overwrites raw/processed: the screenshot is reported and nothing of it is extracted', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const s = path.join(dir, 'raw', 'screenshots');
    const png = await encode('png', 20, 20, 5);
    await screenshot(s, 'again.png', png, vocText('again.png', 20, 20, [object('toon_duck', 0, 0, 10, 10)]));
    await mkdir(path.join(dir, 'raw', 'processed'), { recursive: true });
    await writeFile(path.join(dir, 'raw', 'processed', 'again.xml'), 'an older annotation');
    const r = await extractScreenshots(dir, { move: true });
    assert.equal(r.crops, 0);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!.reason, /again\.xml: already there \(not overwriting\); nothing extracted/);
    assert.equal(await readFile(path.join(dir, 'raw', 'processed', 'again.xml'), 'utf8'), 'an older annotation');
    assert.ok(!existsSync(path.join(dir, 'unsorted')));
    assert.ok(existsSync(path.join(s, 'again.png')));
  } finally {
    await cleanup();
  }
});

test('extract: a missing screenshots folder is an error naming it', async () => {
  await assert.rejects(extractScreenshots('/nonexistent-root'), /\/nonexistent-root\/raw\/screenshots: cannot read the screenshots folder \(no such folder\)/);
});

test('extract takes the synthetic scenes as they are written (scene generator -> formatVoc -> extract)', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { writeScenes } = await import('../src/synth/index.ts');
    const written = await writeScenes(path.join(dir, 'raw', 'screenshots'), { count: 2, seed: 3, width: 400, height: 300 });
    const objects = written.reduce((n, w) => n + w.objects.length, 0);
    const r = await extractScreenshots(dir, { move: true });
    assert.deepEqual(r.errors, []);
    assert.equal(r.screenshots, 2);
    assert.equal(r.crops, objects);
    assert.equal([...(await listTree(path.join(dir, 'unsorted'))).keys()].length, objects);
    assert.equal([...(await listTree(path.join(dir, 'raw', 'processed'))).keys()].length, 4);
  } finally {
    await cleanup();
  }
});

test('extract: two screenshots sharing a name use the one the XML names; the other is reported; a symlinked screenshot works', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const s = path.join(dir, 'raw', 'screenshots');
    const png = await encode('png', 20, 20, 6);
    await screenshot(s, 'twin.png', png, vocText('twin.png', 20, 20, [object('toon_mouse', 0, 0, 5, 5)]));
    await writeFile(path.join(s, 'twin.jpg'), await encode('jpeg', 20, 20, 7));
    await writeFile(path.join(dir, 'elsewhere.png'), png);
    await symlink(path.join(dir, 'elsewhere.png'), path.join(s, 'linked.png'));
    await writeFile(path.join(s, 'linked.xml'), vocText('linked.png', 20, 20, [object('toon_bear', 1, 1, 6, 6)]));
    const r = await extractScreenshots(dir);
    assert.equal(r.screenshots, 2);
    assert.deepEqual(r.byLabel, { toon_bear: 1, toon_mouse: 1 });
    assert.deepEqual(r.errors, [{ file: path.join(s, 'twin.jpg'), reason: 'no VOC annotation of its own: twin.xml annotates twin.png' }]);
  } finally {
    await cleanup();
  }
});
