// The companion's marks with the real nametag reader (the shipped network): a Cog's department, name
// and level come from its tag as read, and decide the ToonTasks it counts towards. The real Flunky
// frame (fixtures/real/ttr_flunky_figure.png: "Flunky / Bossbot / Level 1") and a Penny Pincher's tag
// ("Penny Pincher / Cashbot / Level 3", the one the street frame shows) drawn in the game's
// typeface over a real frame at a player's window size (no real frame of it is among the fixtures).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyDetections, type LiveDetection } from '../src/predict/cascade.ts';
import { markDetections } from '../src/companion/annotate.ts';
import { parseObjective } from '../src/companion/objectives.ts';
import type { CompanionStatus } from '../src/companion/client.ts';
import { needFixtures } from './helpers.ts';
import { drawTestTags, needFonts, needShippedReader, realBackground, realFrame, useShippedReader } from './nametag-helpers.ts';

const noReader = needShippedReader();
const skip = noReader || needFixtures();
const reader = useShippedReader(skip);

/** The companion's status with these ToonTasks (none done yet). */
function withTasks(...texts: string[]): CompanionStatus {
  return {
    connected: true,
    state: 'connected',
    tasks: texts.map((text) => ({ text, objective: parseObjective(text), where: 'Anywhere', progress: { current: 0, target: 3 } })),
    message: '',
  } as CompanionStatus;
}

/** A detected Cog whose body classifiers said nothing: what it is comes from its tag alone. */
async function readAndMark(img: Parameters<typeof classifyDetections>[0], bbox: LiveDetection['bbox'], status: CompanionStatus) {
  const [d] = await classifyDetections(img, [{ bbox, label: 'cog', score: 0.9 }], { nametag: reader() });
  return markDetections([d!], status)[0]!;
}

test('the real Flunky frame: its tag read (Bossbot, Level 1) marks it for "Defeat 3 Bossbots" only', { skip }, async () => {
  const img = await realFrame('ttr_flunky_figure.png');
  const cog = await readAndMark(img, [150, 160, 215, 310], withTasks('Defeat 3 Bossbots', 'Defeat 2 Level 4+ Lawbots'));
  assert.equal(cog.nametag?.text, 'Flunky / Bossbot / Level 1');
  assert.deepEqual([cog.suit, cog.name, cog.level], ['bb', 'flunky', 1]);
  assert.deepEqual(cog.tasks, [0]);
  assert.equal(cog.tasksUnsure, undefined, 'not even unsure for the Lawbot task: the tag gave its department and level');
});

test('a Penny Pincher\'s tag over a real 1280x720 frame: Cashbot from the read marks it for "Defeat 3 Cashbots" only', { skip: skip || needFonts() }, async () => {
  const bg = await realBackground(1280, 720);
  const { frame, drawn } = await drawTestTags(bg, [{ truth: { name: 'pennypincher', suit: 'cb', level: 3 }, em: 15, x: 500, y: 120 }]);
  const box = drawn[0]!.box;
  const tasks = withTasks('Defeat 3 Cashbots', 'Defeat 2 Level 4+ Lawbots');
  const cog = await readAndMark(frame, box, tasks);
  assert.match(cog.nametag?.text ?? '', /^Penny Pincher \/ Cashbot( \/ Level 3)?$/);
  assert.deepEqual([cog.suit, cog.name], ['cb', 'pennypincher']);
  // The shipped reader gives a level only when sure of its digit (it leaves this one out at this size): never another one.
  assert.ok(cog.level === undefined || cog.level === 3, `level ${cog.level}`);
  assert.deepEqual(cog.tasks, [0]);
  assert.equal(cog.tasksUnsure, undefined, 'a Cashbot is no Lawbot, whatever its level');
  // Without its tag (the same box on the frame without it) nothing says its department: no mark.
  const bare = await readAndMark(bg, box, tasks);
  assert.equal(bare.level, undefined);
  assert.equal(bare.tasks, undefined);
});
