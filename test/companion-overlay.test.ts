// The overlay's ToonTask marks as pure functions (render.js): one badge per task a Cog counts towards
// with its progress ("1 of 3") in the task's colour, unsure ones with '?', the invader's badge, the
// legend of the tasks that mark Cogs.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { OVERLAY_DIR } from '../src/publish/pages.ts';
import { SUIT_COLOURS } from '../src/taxonomy.ts';

interface Badge { task?: number; text: string; colour: string; unsure: boolean; invasion?: boolean }
interface Render {
  TASK_COLOURS: string[];
  TOON_COLOUR: string;
  taskColour(i: number): string;
  taskBadges(det: object, tasks: object[]): Badge[];
  countMarked(dets: object[]): number;
  taskLegend(tasks: object[]): { task: number; text: string; colour: string }[];
}
const render = (await import(pathToFileURL(path.join(OVERLAY_DIR, 'render.js')).href)) as Render;

const tasks = [
  { text: 'Defeat 3 Bossbots', where: 'Anywhere', progress: { current: 1, target: 3 }, objective: { kind: 'cog' } },
  { text: 'Defeat 2 Level 4+ Lawbots', where: 'Anywhere', progress: { current: 0, target: 2 }, objective: { kind: 'cog' } },
  { text: 'Deliver a Pie to Flippy', where: 'Anywhere', progress: { current: 0, target: 1 }, objective: { kind: 'text' } },
];

describe('overlay ToonTask marks', () => {
  it('a badge per task with its progress, in the task colour; unsure ones with "?"; the invader', () => {
    const b = render.taskBadges({ label: 'cog', tasks: [0], tasksUnsure: [{ task: 1, reason: 'level not known' }], invasion: true }, tasks);
    assert.deepEqual(b.map((x) => [x.text, x.colour, x.unsure]), [
      ['1 of 3', render.taskColour(0), false],
      ['0 of 2?', render.taskColour(1), true],
      ['invasion', b[2].colour, false],
    ]);
    assert.equal(b[2].invasion, true);
    assert.deepEqual(render.taskBadges({ label: 'cog' }, tasks), []);
    assert.equal(render.taskBadges({ label: 'cog', tasks: [5] }, tasks)[0].text, 'task 6', 'progress unknown');
  });

  it('task colours differ from each other, the departments and the Toon gold', () => {
    const all = [...render.TASK_COLOURS, ...Object.values(SUIT_COLOURS), render.TOON_COLOUR].map((c) => c.toLowerCase());
    assert.equal(new Set(all).size, all.length);
  });

  it('counts marked detections and lists the tasks that mark Cogs', () => {
    assert.equal(render.countMarked([{ tasks: [0] }, { tasks: [] }, { invasion: true }, { tasksUnsure: [1] }]), 2);
    assert.deepEqual(render.taskLegend(tasks).map((l) => l.text), ['Defeat 3 Bossbots · 1 of 3', 'Defeat 2 Level 4+ Lawbots · 0 of 2']);
  });
});
