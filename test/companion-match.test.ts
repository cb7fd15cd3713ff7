// Which ToonTasks a Cog on screen counts towards: name, department, level, Skelecog/Version 2.0 and
// place terms; a Cog whose level (or name) is unknown is unsure for tasks that need it; the invader.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchCog, type CogSighting, type MatchTask } from '../src/companion/match.ts';
import { parseObjective } from '../src/companion/objectives.ts';
import { markDetections } from '../src/companion/annotate.ts';
import type { CompanionStatus } from '../src/companion/client.ts';

function tasks(...specs: (string | { text: string; where?: string; current?: number; target?: number })[]): MatchTask[] {
  return specs.map((s) => {
    const t = typeof s === 'string' ? { text: s } : s;
    return { objective: parseObjective(t.text), where: t.where ?? 'Anywhere', progress: { current: t.current ?? 0, target: t.target ?? 3 } };
  });
}

describe('matching Cogs to ToonTasks', () => {
  it('a Flunky (Bossbot, Level 1) counts for "Defeat 3 Bossbots", not "Defeat 2 Level 4+ Lawbots"', () => {
    const flunky: CogSighting = { label: 'cog', suit: 'bb', name: 'flunky', level: 1 };
    const m = matchCog(flunky, tasks('Defeat 3 Bossbots', 'Defeat 2 Level 4+ Lawbots'));
    assert.deepEqual(m, { tasks: [0], tasksUnsure: [], invasion: false });
  });

  it('a Penny Pincher (Cashbot, Level 3) counts for "Defeat 3 Cashbots", not "Defeat 2 Level 4+ Lawbots"', () => {
    const m = matchCog({ label: 'cog', suit: 'cb', name: 'pennypincher', level: 3 }, tasks('Defeat 3 Cashbots', 'Defeat 2 Level 4+ Lawbots'));
    assert.deepEqual(m.tasks, [0]);
    assert.deepEqual(m.tasksUnsure, []);
  });

  it('levels: a Level 5 Back Stabber counts for Level 4+ Lawbots, a Level 3 one does not, an unread level is unsure', () => {
    const t = tasks('Defeat 3 Bossbots', 'Defeat 2 Level 4+ Lawbots', 'Defeat 5 Back Stabbers', 'Defeat 4 Cogs');
    assert.deepEqual(matchCog({ label: 'cog', suit: 'lb', name: 'backstabber', level: 5 }, t).tasks, [1, 2, 3]);
    assert.deepEqual(matchCog({ label: 'cog', suit: 'lb', name: 'backstabber', level: 3 }, t).tasks, [2, 3]);
    const unknown = matchCog({ label: 'cog', suit: 'lb', name: 'backstabber' }, t);
    assert.deepEqual(unknown.tasks, [2, 3], 'counts only for the tasks that need no level');
    assert.deepEqual(unknown.tasksUnsure, [{ task: 1, reason: 'level not known' }]);
  });

  it('names and plurals: "Defeat 3 Flunkies" takes Flunkies only; a Bossbot of unknown name is unsure', () => {
    const t = tasks('Defeat 3 Flunkies', 'Defeat 4 Mr. Hollywoods');
    assert.deepEqual(matchCog({ label: 'cog', suit: 'bb', name: 'flunky' }, t).tasks, [0]);
    assert.deepEqual(matchCog({ label: 'cog', suit: 'sb', name: 'mrhollywood' }, t).tasks, [1]);
    assert.deepEqual(matchCog({ label: 'cog', suit: 'bb', name: 'yesman' }, t).tasks, []);
    const bb = matchCog({ label: 'cog', suit: 'bb' }, t);
    assert.deepEqual(bb.tasks, []);
    assert.deepEqual(bb.tasksUnsure, [{ task: 0, reason: 'name not known' }]);
  });

  it('a Toon, a finished task, buildings and unknown forms count nothing', () => {
    const t = tasks({ text: 'Defeat 3 Bossbots', current: 3, target: 3 }, 'Defeat 2 Bossbot Buildings', 'Defeat 3 Zombie Cogs', 'Defeat a Factory Foreman');
    assert.deepEqual(matchCog({ label: 'cog', suit: 'bb', name: 'flunky', level: 9 }, t), { tasks: [], tasksUnsure: [], invasion: false });
    assert.deepEqual(matchCog({ label: 'toon' }, tasks('Defeat 3 Cogs')).tasks, []);
  });

  it('places: the task\'s place against where the Toon is', () => {
    const t = tasks({ text: 'Defeat 10 Cogs', where: 'Daisy Gardens' }, 'Defeat 3 Cashbots on Maple Street', 'Defeat 3 Cogs');
    const cog: CogSighting = { label: 'cog', suit: 'cb', name: 'tightwad', level: 4 };
    assert.deepEqual(matchCog(cog, t, { location: { zone: 'Maple Street', neighborhood: 'Daisy Gardens' } }).tasks, [0, 1, 2]);
    assert.deepEqual(matchCog(cog, t, { location: { zone: 'Silly Street', neighborhood: 'Toontown Central' } }).tasks, [2]);
    const nowhere = matchCog(cog, t);
    assert.deepEqual(nowhere.tasks, [2]);
    assert.deepEqual(nowhere.tasksUnsure.map((u) => u.task), [0, 1]);
  });

  it('Skelecogs and Version 2.0 Cogs are told by the nametag text', () => {
    const t = tasks('Defeat 3 Bossbot Skelecogs', 'Defeat 8 Version 2.0 Cogs', 'Defeat 3 Bossbots');
    const skel = { label: 'cog', suit: 'bb', level: 5, nametag: { text: 'Skelecog\nBossbot\nLevel 5', suit: 'bb', level: 5 } };
    assert.deepEqual(matchCog(skel, t).tasks, [0, 2]);
    const v2 = { label: 'cog', suit: 'bb', name: 'flunky', level: 2, nametag: { text: 'Flunky v2.0\nBossbot\nLevel 2', name: 'flunky', suit: 'bb', level: 2 } };
    assert.deepEqual(matchCog(v2, t).tasks, [1, 2]);
    const untagged = matchCog({ label: 'cog', suit: 'bb', name: 'flunky', level: 2 }, t);
    assert.deepEqual(untagged.tasks, [2]);
    assert.deepEqual(untagged.tasksUnsure.map((u) => u.task), [0, 1]);
  });

  it('marks the invading Cog type', () => {
    const flunky: CogSighting = { label: 'cog', suit: 'bb', name: 'flunky', level: 1 };
    assert.equal(matchCog(flunky, [], { invasionCog: 'Version 2.0 Flunky' }).invasion, true);
    assert.equal(matchCog(flunky, [], { invasionCog: 'Tele\x03marketer' }).invasion, false);
    assert.equal(matchCog({ label: 'cog', suit: 'sb', name: 'telemarketer' }, [], { invasionCog: 'Tele\x03marketer' }).invasion, true);
    assert.equal(matchCog({ label: 'cog', suit: 'bb' }, [], { invasionCog: 'Flunky' }).invasion, false, 'an unknown name is not the invader');
  });

  it('marks a frame\'s detections as the frame messages carry them', () => {
    const status: CompanionStatus = {
      connected: true,
      state: 'connected',
      tasks: tasks('Defeat 3 Bossbots', 'Defeat 2 Level 4+ Lawbots').map((t, i) => ({ ...t, text: ['Defeat 3 Bossbots', 'Defeat 2 Level 4+ Lawbots'][i], where: 'Anywhere', progress: { current: 0, target: 3 } })),
      invasion: { cog: 'Flunky' },
      message: '',
    };
    const dets = [
      { bbox: [150, 160, 215, 310], label: 'cog', score: 0.9, suit: 'bb', name: 'flunky', level: 1 },
      { bbox: [10, 10, 20, 40], label: 'cog', score: 0.8, suit: 'lb', name: 'backstabber' },
      { bbox: [400, 10, 20, 40], label: 'toon', score: 0.8, animal: 'dog' },
    ];
    const marked = markDetections(dets, status);
    assert.deepEqual(marked[0], { ...dets[0], tasks: [0], invasion: true });
    assert.deepEqual(marked[1], { ...dets[1], tasksUnsure: [{ task: 1, reason: 'level not known' }] });
    assert.equal(marked[2], dets[2], 'a Toon is left as it is');
    assert.deepEqual(markDetections(dets, undefined), dets);
  });
});
