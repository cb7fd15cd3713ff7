// The animated demo scene: deterministic frames, walking entities, boxes inside the image.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDemoScene } from '../src/synth/index.ts';
import { isLabel } from '../src/taxonomy.ts';

test('demo frames: same t same pixels, entities move, labelled boxes inside the image', async () => {
  const demo = await createDemoScene({ seed: 2, width: 400, height: 300 });
  assert.equal(demo.width, 400);
  assert.equal(demo.height, 300);
  const a = demo.frame(1.5);
  const b = demo.frame(1.5);
  assert.deepEqual(Buffer.from(a.image.data), Buffer.from(b.image.data), 'frame(t) is a function of t');
  assert.deepEqual(a.objects, b.objects);
  assert.notStrictEqual(a.image.data, b.image.data, 'each frame is a fresh buffer the caller may keep');
  const c = demo.frame(2.5);
  assert.ok(!Buffer.from(a.image.data).equals(Buffer.from(c.image.data)), 'a second later the scene has changed');
  const movedBoxes = c.objects.filter((o) => !a.objects.some((p) => p.label === o.label && p.box.xmin === o.box.xmin));
  assert.ok(movedBoxes.length > 0, 'some entity walked');
  let kinds = new Set<string>();
  for (let t = 0; t < 20; t += 0.5) {
    const fr = demo.frame(t);
    assert.equal(fr.image.data.length, 400 * 300 * 3);
    assert.ok(fr.objects.length >= 2, `t=${t}: ${fr.objects.length} objects`);
    for (const o of fr.objects) {
      assert.ok(isLabel(o.label), o.label);
      kinds.add(o.label.split('_')[0]!);
      const bx = o.box;
      assert.ok(bx.xmin >= 0 && bx.ymin >= 0 && bx.xmax <= 400 && bx.ymax <= 300 && bx.xmax > bx.xmin && bx.ymax > bx.ymin, `t=${t} ${o.label} ${JSON.stringify(bx)}`);
    }
  }
  assert.deepEqual([...kinds].sort(), ['cog', 'toon']);
});

test('demo with a buffer ring: frames reuse buffers in turn and still match fresh ones', async () => {
  const fresh = await createDemoScene({ seed: 5, width: 320, height: 240 });
  const ringed = await createDemoScene({ seed: 5, width: 320, height: 240, ring: 2 });
  const a = ringed.frame(0.25);
  const b = ringed.frame(0.5);
  const c = ringed.frame(0.75);
  assert.notStrictEqual(a.image.data, b.image.data);
  assert.strictEqual(a.image.data, c.image.data, 'the third frame reuses the first buffer');
  assert.deepEqual(Buffer.from(c.image.data), Buffer.from(fresh.frame(0.75).image.data));
  assert.deepEqual(Buffer.from(b.image.data), Buffer.from(fresh.frame(0.5).image.data));
});
