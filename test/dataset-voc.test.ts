// labelImg VOC: parse with validation, write back in labelImg's own form, lossless round trip.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { formatVoc, parseVoc, readVoc, VocError, writeVoc } from '../src/dataset/voc.ts';
import { needFixtures, REAL, tempDir } from './helpers.ts';

for (const name of ['sample_img0.xml', 'sample_img1.xml']) {
  test(`VOC round trip of the fixture ${name} is lossless and byte-exact`, { skip: needFixtures() }, async () => {
    const xml = await readFile(path.join(REAL, name), 'utf8');
    const a = parseVoc(xml, name);
    assert.equal(a.size.width, 800);
    assert.equal(a.size.height, 600);
    const again = parseVoc(formatVoc(a), name);
    assert.deepEqual(again, a);
    assert.equal(formatVoc(a), xml);
  });
}

test('VOC parse reads the fixture objects with their boxes', { skip: needFixtures() }, async () => {
  const a = await readVoc(path.join(REAL, 'sample_img1.xml'));
  assert.equal(a.objects.length, 5);
  assert.deepEqual(
    a.objects.map((o) => o.name),
    ['cog_lb_bottomfeeder', 'cog_sb_telemarketer', 'cog_bb_flunky', 'cog_bb_flunky', 'toon_dog'],
  );
  assert.deepEqual(a.objects[4]!.bndbox, { xmin: 154, ymin: 274, xmax: 190, ymax: 321 });
  assert.equal(a.objects[0]!.pose, 'Unspecified');
});

test('VOC format escapes text, keeps verified, and a single object stays a list', async () => {
  const a = {
    folder: 'raw & co',
    filename: 'a<b>.png',
    path: '/tmp/a<b>.png',
    source: { database: 'Unknown' },
    size: { width: 10, height: 20, depth: 3 },
    segmented: 0,
    objects: [{ name: 'toon_cat', pose: 'Unspecified', truncated: 1, difficult: 0, bndbox: { xmin: 1, ymin: 2, xmax: 3, ymax: 4 } }],
    verified: true,
  };
  const xml = formatVoc(a);
  assert.match(xml, /^<annotation verified="yes">\n\t<folder>raw &amp; co<\/folder>\n/);
  assert.deepEqual(parseVoc(xml, 'x.xml'), a);
});

test('VOC parse accepts a byte-order mark, an XML declaration, CRLF line ends and verified="yes"', { skip: needFixtures() }, async () => {
  const xml = await readFile(path.join(REAL, 'sample_img0.xml'), 'utf8');
  const plain = parseVoc(xml, 'a.xml');
  assert.deepEqual(parseVoc(`\uFEFF${xml}`, 'a.xml'), plain);
  assert.deepEqual(parseVoc(`<?xml version="1.0" encoding="utf-8"?>\r\n${xml.replace(/\n/g, '\r\n')}`, 'a.xml'), plain);
  const verified = parseVoc(xml.replace('<annotation>', '<annotation verified="yes">'), 'a.xml');
  assert.equal(verified.verified, true);
  assert.equal(formatVoc(verified), xml.replace('<annotation>', '<annotation verified="yes">'));
});

test('VOC with no objects parses to an empty list', () => {
  const a = parseVoc('<annotation><size><width>4</width><height>3</height><depth>3</depth></size></annotation>', 'e.xml');
  assert.deepEqual(a.objects, []);
  assert.equal(a.size.width, 4);
});

test('VOC errors name the file and the problem', async () => {
  const cases: [string, RegExp][] = [
    ['<annotation><size><width>1</width>', /^bad\.xml: malformed XML at line 1/],
    ['', /^bad\.xml: /],
    ['<doc></doc>', /no <annotation> root/],
    ['<annotation></annotation>', /missing <annotation\/size>/],
    ['<annotation><size><width>x</width><height>2</height></size></annotation>', /<annotation\/size\/width> is 'x', not a number/],
    [
      '<annotation><size><width>9</width><height>9</height></size><object><name>toon_cat</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax></bndbox></object></annotation>',
      /missing <object\[1\]\/bndbox\/ymax>/,
    ],
    ['<annotation><size><width>9</width><height>9</height></size><object><pose>x</pose></object></annotation>', /missing <object\[1\]\/name>/],
  ];
  for (const [xml, re] of cases) {
    assert.throws(() => parseVoc(xml, 'bad.xml'), (err: unknown) => err instanceof VocError && re.test(err.message), xml);
  }
  await assert.rejects(readVoc('/nonexistent/none.xml'), /\/nonexistent\/none\.xml: cannot read \(ENOENT\)/);
});

test('writeVoc writes labelImg text and refuses to overwrite when asked', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = path.join(dir, 'a.xml');
    const a = parseVoc('<annotation><size><width>4</width><height>3</height><depth>3</depth></size></annotation>', 'e.xml');
    await writeVoc(file, a, { overwrite: false });
    assert.equal(await readFile(file, 'utf8'), formatVoc(a));
    await assert.rejects(writeVoc(file, a, { overwrite: false }), /EEXIST/);
  } finally {
    await cleanup();
  }
});
