// The labelling API of `toonvision label` (the same routes the agent serves), on a real loopback
// server over real screenshots: the list, labels from VOC files and from the demo models' predictions,
// saving in labelImg's form, and every refusal (400, 403, 404, 409, 413) leaving the files byte for byte.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startLabelServer, type LabelServer } from '../src/commands/label.ts';
import { layout } from '../src/dataset/layout.ts';
import { formatVoc } from '../src/dataset/voc.ts';
import { ALL_LABELS } from '../src/taxonomy.ts';
import { writeScene } from './agent-helpers.ts';
import { httpRequest, tempDir } from './helpers.ts';

const SIZE = { width: 320, height: 240 };

describe('labelling API', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let shots: string;
  let s: LabelServer;
  let base: string;
  let host: string;

  before(async () => {
    ({ dir, cleanup } = await tempDir('toonvision-label-'));
    shots = layout(dir).screenshots;
    const { mkdir } = await import('node:fs/promises');
    await mkdir(shots, { recursive: true });
    await writeScene(shots, 'old', SIZE, 3);
    await writeScene(shots, 'new', SIZE, 4);
    const bare = await writeScene(shots, 'bare', SIZE, 5);
    await rm(bare.xml);
    // old < new < bare in time: the list is newest first
    await utimes(path.join(shots, 'old.png'), new Date(1_000_000), new Date(1_000_000));
    await utimes(path.join(shots, 'new.png'), new Date(2_000_000), new Date(2_000_000));
    s = await startLabelServer({ root: dir, port: 0, models: path.join(dir, 'models'), log: () => undefined });
    host = `127.0.0.1:${s.server.port}`;
    base = `http://${host}`;
  });
  after(async () => {
    await s?.close();
    await cleanup?.();
  });

  const put = (file: string, body: unknown, headers: Record<string, string> = {}) =>
    httpRequest(`${base}/api/screenshots/${encodeURIComponent(file)}/labels`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** Every file of the screenshots folder with its bytes. */
  async function snapshot(): Promise<Map<string, string>> {
    const m = new Map<string, string>();
    for (const f of (await readdir(shots)).sort()) m.set(f, (await readFile(path.join(shots, f))).toString('base64'));
    return m;
  }

  test('lists the screenshots newest first with their state, and the 49 labels', async () => {
    const r = await httpRequest(`${base}/api/screenshots`);
    assert.equal(r.status, 200);
    const list = r.json();
    assert.equal(list.root, dir);
    assert.deepEqual(list.screenshots.map((x: any) => x.file), ['bare.png', 'new.png', 'old.png']);
    const bare = list.screenshots[0];
    assert.deepEqual({ ...bare }, { file: 'bare.png', width: 320, height: 240, objects: 0, labelled: false, verified: false });
    assert.equal(list.screenshots[1].labelled, true);
    assert.ok(list.screenshots[1].objects > 0);
    const labels = (await httpRequest(`${base}/api/labels`)).json().labels;
    assert.deepEqual(labels.map((l: any) => l.label), ALL_LABELS);
    assert.equal(labels.find((l: any) => l.label === 'cog_sb_coldcaller').description, 'Cog · Sellbot · Cold Caller');
  });

  test('labels come from the VOC file; a screenshot without one gets the models\' predictions, least certain first', async () => {
    const voc = (await httpRequest(`${base}/api/screenshots/new.png/labels`)).json();
    const xml = await readFile(path.join(shots, 'new.xml'), 'utf8');
    assert.equal(voc.objects.length, (xml.match(/<object>/g) ?? []).length);
    assert.ok(voc.objects.every((o: any) => !o.predicted && o.score === undefined && o.bbox.length === 4));
    assert.match(voc.version, /^[0-9a-f]{40}$/);
    const pred = (await httpRequest(`${base}/api/screenshots/bare.png/labels`)).json();
    assert.equal(pred.version, null);
    assert.ok(pred.objects.length > 0, 'the demo detector finds something in a demo scene');
    for (const o of pred.objects) {
      assert.equal(o.predicted, true);
      assert.ok(ALL_LABELS.includes(o.label), o.label);
      assert.ok(o.bbox[0] >= 0 && o.bbox[1] >= 0 && o.bbox[0] + o.bbox[2] <= 320 && o.bbox[1] + o.bbox[3] <= 240);
    }
    const scores = pred.objects.map((o: any) => o.score);
    assert.deepEqual(scores, [...scores].sort((a: number, b: number) => a - b));
    const img = await httpRequest(`${base}/api/screenshots/bare.png`);
    assert.equal(img.headers['content-type'], 'image/png');
    assert.deepEqual(img.body, await readFile(path.join(shots, 'bare.png')));
  });

  test('a save writes exactly labelImg\'s form, atomically, and answers the new version', async () => {
    const before = await snapshot();
    const objects = [
      { label: 'cog_sb_coldcaller', bbox: [10, 20, 30, 40], difficult: false },
      { label: 'toon', bbox: [100, 50, 60, 90], difficult: true },
    ];
    const r = await put('bare.png', { verified: true, version: null, objects });
    assert.equal(r.status, 200, r.text);
    const xmlFile = path.join(shots, 'bare.xml');
    assert.deepEqual(r.json(), { saved: xmlFile, objects: 2, version: r.json().version });
    const expected = formatVoc({
      folder: 'screenshots',
      filename: 'bare.png',
      path: path.join(shots, 'bare.png'),
      source: { database: 'Unknown' },
      size: { width: 320, height: 240, depth: 3 },
      segmented: 0,
      verified: true,
      objects: [
        { name: 'cog_sb_coldcaller', pose: 'Unspecified', truncated: 0, difficult: 0, bndbox: { xmin: 10, ymin: 20, xmax: 40, ymax: 60 } },
        { name: 'toon', pose: 'Unspecified', truncated: 0, difficult: 1, bndbox: { xmin: 100, ymin: 50, xmax: 160, ymax: 140 } },
      ],
    });
    assert.equal(await readFile(xmlFile, 'utf8'), expected);
    assert.ok(expected.startsWith('<annotation verified="yes">'));
    const after = await snapshot();
    assert.deepEqual([...after.keys()], [...before.keys(), 'bare.xml'].sort(), 'no temporary file left behind');
    const back = (await httpRequest(`${base}/api/screenshots/bare.png/labels`)).json();
    assert.equal(back.version, r.json().version);
    assert.equal(back.verified, true);
    assert.deepEqual(back.objects.map((o: any) => [o.label, o.bbox, o.difficult]), objects.map((o) => [o.label, o.bbox, o.difficult]));
    // An existing file keeps what the page does not edit (folder, path, pose of its objects).
    const old = (await httpRequest(`${base}/api/screenshots/old.png/labels`)).json();
    const oldXml = await readFile(path.join(shots, 'old.xml'), 'utf8');
    const again = await put('old.png', { verified: false, version: old.version, objects: old.objects });
    assert.equal(again.status, 200, again.text);
    assert.equal(await readFile(path.join(shots, 'old.xml'), 'utf8'), oldXml, 'saving unchanged labels rewrites the same bytes');
  });

  test('every refused request changes nothing', async () => {
    const cur = (await httpRequest(`${base}/api/screenshots/new.png/labels`)).json();
    const good = { verified: false, version: cur.version, objects: [{ label: 'toon_dog', bbox: [1, 1, 10, 10], difficult: false }] };
    const before = await snapshot();
    const cases: [string, Promise<{ status: number; text: string }>, number, RegExp][] = [
      ['unknown label', put('new.png', { ...good, objects: [{ label: 'cog_sb_nobody', bbox: [1, 1, 5, 5] }] }), 400, /unknown label "cog_sb_nobody"/],
      ['box outside', put('new.png', { ...good, objects: [{ label: 'toon_dog', bbox: [300, 10, 40, 10] }] }), 400, /outside the 320x240 image/],
      ['empty box', put('new.png', { ...good, objects: [{ label: 'toon_dog', bbox: [3, 3, 0, 10] }] }), 400, /empty/],
      ['malformed JSON', put('new.png', '{"objects": ['), 400, /malformed JSON/],
      ['not an object list', put('new.png', { objects: 'toon_dog' }), 400, /'objects' must be an array/],
      ['foreign Origin', put('new.png', good, { origin: 'http://evil.example' }), 403, /foreign origin/],
      ['rebinding Host', put('new.png', good, { host: `evil.example:${s.server.port}` }), 403, /Host/],
      ['reading with a rebinding Host', httpRequest(`${base}/api/screenshots`, { headers: { host: 'evil.example' } }), 403, /Host/],
      ['outside the folder', put('..%2F..%2Fevil.png', good), 404, /not a screenshot/],
      ['a sub-folder', httpRequest(`${base}/api/screenshots/sub%2Fx.png/labels`), 404, /not a screenshot/],
      ['a file that is not there', put('gone.png', good), 404, /no such screenshot/],
      ['a changed file', put('new.png', { ...good, version: '0'.repeat(40) }), 409, /changed on disk/],
      ['a body too big', put('new.png', JSON.stringify({ ...good, pad: 'x'.repeat(300 * 1024) })), 413, /limit/],
      ['not JSON', httpRequest(`${base}/api/screenshots/new.png/labels`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, /JSON/],
    ];
    for (const [what, reply, status, reason] of cases) {
      const r = await reply;
      assert.equal(r.status, status, `${what}: ${r.text}`);
      assert.match(JSON.parse(r.text).error, reason, what);
    }
    assert.deepEqual(await snapshot(), before, 'no file changed, none added');
    // A file removed on disk since it was opened: 409 too, and it stays removed.
    await rm(path.join(shots, 'new.xml'));
    const gone = await put('new.png', good);
    assert.equal(gone.status, 409);
    assert.equal(existsSync(path.join(shots, 'new.xml')), false);
    // The right version saves.
    await writeFile(path.join(shots, 'new.xml'), Buffer.from(before.get('new.xml')!, 'base64'));
    const ok = await put('new.png', good);
    assert.equal(ok.status, 200, ok.text);
  });

  test('the page is served with a Content-Security-Policy', async () => {
    const r = await httpRequest(`${base}/label`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.match(r.text, /<script type="module" src="\/overlay\/label\/page\.js">/);
    // The page's modules (overlay/label/) are served as JavaScript by the same server.
    for (const m of ['page', 'api', 'geometry', 'draw', 'search', 'retrain']) {
      const js = await httpRequest(`${base}/overlay/label/${m}.js`);
      assert.equal(js.status, 200, m);
      assert.match(String(js.headers['content-type']), /javascript/, m);
    }
  });
});
