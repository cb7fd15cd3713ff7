// The tracker: stable ids while characters move, new ids for new characters, ends after maxMissed frames.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sizeChange, Tracker, type Bbox } from '../src/track/tracker.ts';

/** Two characters walking towards each other and past, one appearing later, one leaving. */
function walk(frame: number): Bbox[] {
  const a: Bbox = [100 + 12 * frame, 200, 60, 150];
  const b: Bbox = [500 - 10 * frame, 210, 55, 140];
  return frame >= 5 ? [b, a, [900, 100, 40, 100]] : [a, b];
}

describe('Tracker', () => {
  it('keeps one id per character while it moves, whatever the order of the detections', () => {
    const t = new Tracker(() => ({}));
    const idsA: number[] = [];
    const idsB: number[] = [];
    for (let f = 0; f < 12; f++) {
      const boxes = walk(f);
      const out = t.update(boxes);
      assert.equal(out.length, boxes.length);
      const a = f >= 5 ? 1 : 0;
      idsA.push(out.find((o) => o.index === a)!.track.id);
      idsB.push(out.find((o) => o.index === 1 - a)!.track.id);
    }
    assert.equal(new Set(idsA).size, 1, `A kept its id: ${idsA}`);
    assert.equal(new Set(idsB).size, 1, `B kept its id: ${idsB}`);
    assert.notEqual(idsA[0], idsB[0]);
  });

  it('follows a character that moves a third of its width per frame (motion model)', () => {
    const t = new Tracker(() => ({}));
    let id = 0;
    for (let f = 0; f < 10; f++) {
      const [o] = t.update([[100 + 20 * f, 100, 60, 150]]);
      if (f === 0) id = o!.track.id;
      assert.equal(o!.track.id, id, `frame ${f}`);
      assert.equal(o!.isNew, f === 0);
    }
  });

  it('gives a new id to a box far from every track, and ends tracks unseen for maxMissed frames', () => {
    const t = new Tracker(() => ({ n: 0 }), { maxMissed: 2 });
    const [first] = t.update([[0, 0, 50, 100]]);
    const [far] = t.update([[400, 0, 50, 100]]);
    assert.ok(far!.isNew);
    assert.notEqual(far!.track.id, first!.track.id);
    assert.equal(t.active.length, 2, 'the first coasts');
    t.update([[400, 0, 50, 100]]);
    t.update([[400, 0, 50, 100]]);
    assert.equal(t.active.length, 1, 'ended after 2 missed frames');
    const [back] = t.update([[0, 0, 50, 100]]);
    assert.ok(back!.isNew, 'a character that comes back after its track ended is new');
  });

  it('never matches across groups (the detector\'s Cog and Toon classes)', () => {
    const t = new Tracker(() => ({}));
    const [c] = t.update([[0, 0, 50, 100]], ['cog']);
    const [d] = t.update([[0, 0, 50, 100]], ['toon']);
    assert.notEqual(c!.track.id, d!.track.id);
  });

  it('coasts between detected frames: boxes move on by their velocity, nothing counts as missed', () => {
    const t = new Tracker(() => ({}), { maxMissed: 1 });
    for (let f = 0; f < 6; f++) t.update([[100 + 10 * f, 50, 40, 100]]);
    const [c] = t.coast();
    assert.ok(c && Math.abs(c.bbox[0] - 160) < 3, `moved on to about x=160: ${c?.bbox[0]}`);
    t.coast();
    t.coast();
    assert.equal(t.active.length, 1, 'coasting is not missing');
    const [o] = t.update([[190, 50, 40, 100]]);
    assert.ok(!o!.isNew, 'matched after three coasted frames');
  });

  it('keeps what the caller stores with a track', () => {
    const t = new Tracker(() => ({ reads: 0 }));
    for (let f = 0; f < 3; f++) t.update([[10 + f, 10, 50, 100]])[0]!.track.data.reads++;
    assert.equal(t.active[0]!.data.reads, 3);
  });

  it('sizeChange is 0 for the same size and grows with scale', () => {
    assert.equal(sizeChange([0, 0, 10, 10], [5, 5, 10, 10]), 0);
    assert.ok(Math.abs(sizeChange([0, 0, 10, 10], [0, 0, 20, 20]) - 1) < 1e-9);
  });
});
