// The ToonTask objective reader on the game's own objective texts (test/fixtures/toontask-objectives.tsv,
// derived from the game's quest tables): every Cog-task form parsed into what the quest asks for, or
// knowingly left as text; unknown forms stay text and match nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseCogNoun, parseObjective, type Objective } from '../src/companion/objectives.ts';
import { suitOfCog } from '../src/taxonomy.ts';
import { ROOT } from './helpers.ts';

interface Row {
  section: string;
  text: string;
  where: string;
  kind: string;
  fields: Record<string, string>;
}

function readRows(): Row[] {
  const rows: Row[] = [];
  let section = '';
  for (const line of readFileSync(path.join(ROOT, 'test', 'fixtures', 'toontask-objectives.tsv'), 'utf8').split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3);
    if (line === '' || line.startsWith('#')) continue;
    const [text, where, expect] = line.split('\t');
    const [kind, ...rest] = expect.split(' ');
    const fields: Record<string, string> = {};
    // place= takes the rest of the line (places have spaces)
    const joined = rest.join(' ');
    const placeAt = joined.indexOf('place=');
    for (const kv of (placeAt >= 0 ? joined.slice(0, placeAt) : joined).split(' ').filter(Boolean)) {
      const [k, v] = kv.split('=');
      fields[k] = v;
    }
    if (placeAt >= 0) fields.place = joined.slice(placeAt + 'place='.length);
    rows.push({ section, text: text.replace(/\\x03/g, '\x03'), where, kind, fields });
  }
  return rows;
}

/** Why a parse differs from what the quest's parameters say, or '' when it agrees. */
function disagreement(o: Objective, r: Row): string {
  const f = r.fields;
  const want = (k: string, got: unknown, exp: unknown) => (got === exp ? '' : `${k}: got ${JSON.stringify(got)}, want ${JSON.stringify(exp)}; `);
  let d = '';
  const newbie = f.newbie ? Number(f.newbie) : undefined;
  d += want('newToonLaff', o.newToonLaff, newbie);
  d += want('place', o.place, f.place);
  if (r.kind === 'cog') {
    if (o.kind !== 'cog') return `kind ${o.kind} (${o.kind === 'text' ? o.reason : ''})`;
    d += want('count', o.count, Number(f.count));
    d += want('name', o.name, f.name);
    d += want('suit', o.suit, f.suit ?? (f.name ? suitOfCog(f.name) : undefined));
    d += want('level', o.level, f.level ? Number(f.level) : undefined);
    d += want('skelecog', o.skelecog, f.skelecog ? true : undefined);
    d += want('v2', o.v2, f.v2 ? true : undefined);
    d += want('recover', o.recover !== undefined, f.recover === '1');
  } else if (r.kind === 'building') {
    if (o.kind !== 'building') return `kind ${o.kind}`;
    d += want('count', o.count, Number(f.count));
    d += want('suit', o.suit, f.suit);
    d += want('floors', o.floors, f.floors && Number(f.floors) > 1 ? Number(f.floors) : undefined);
  } else if (r.kind === 'boss' || r.kind === 'facility' || r.kind === 'other') {
    if (o.kind !== 'text') return `kind ${o.kind}, want text`;
    d += want('known', o.known, true);
    if (f.count) d += want('count', o.count, Number(f.count));
  } else if (r.kind === 'unknown') {
    if (o.kind !== 'text') return `kind ${o.kind}, want text`;
    d += want('known', o.known, false);
  } else return `bad fixture kind ${r.kind}`;
  return d;
}

/** The form of a text: its kind, which terms it has, and whether it counts one or many. */
function formOf(r: Row): string {
  const keys = Object.keys(r.fields).filter((k) => k !== 'count').sort();
  return `${r.kind}${Number(r.fields.count) === 1 ? ' one' : ' many'} ${keys.join(',')}`;
}

describe('ToonTask objectives', () => {
  const rows = readRows();

  it('parses every objective text of the game as its quest parameters say, or knowingly leaves it as text', () => {
    assert.ok(rows.length > 1000, `fixture has ${rows.length} rows`);
    const bad: string[] = [];
    for (const r of rows) {
      const d = disagreement(parseObjective(r.text), r);
      if (d) bad.push(`${JSON.stringify(r.text)}: ${d}`);
    }
    assert.deepEqual(bad.slice(0, 20), [], `${bad.length} of ${rows.length} texts misread`);
    // The figures the report quotes, per section of the fixture (printed so that anyone can rerun them).
    for (const section of [...new Set(rows.map((r) => r.section))]) {
      const rs = rows.filter((r) => r.section === section);
      const parsed = rs.filter((r) => r.kind === 'cog' || r.kind === 'building');
      const asText = rs.filter((r) => r.kind !== 'cog' && r.kind !== 'building');
      const forms = (x: Row[]) => new Set(x.map(formOf)).size;
      process.stderr.write(
        `${section}: ${rs.length} texts (${new Set(rs.map((r) => r.text)).size} distinct), ${forms(rs)} forms; ` +
          `parsed ${parsed.length} texts / ${forms(parsed)} forms; left as text ${asText.length} texts / ${forms(asText)} forms\n`,
      );
    }
  });

  it('reads counts, levels, names, plurals, departments and places', () => {
    assert.deepEqual(parseObjective('Defeat 2 Level 4+ Lawbots'), { kind: 'cog', text: 'Defeat 2 Level 4+ Lawbots', count: 2, level: 4, suit: 'lb' });
    assert.deepEqual(parseObjective('Defeat 3 Flunkies'), { kind: 'cog', text: 'Defeat 3 Flunkies', count: 3, name: 'flunky', suit: 'bb' });
    assert.equal((parseObjective('Defeat 4 Mr. Hollywoods') as { name?: string }).name, 'mrhollywood');
    assert.equal((parseObjective('Defeat a Penny Pincher') as { count?: number }).count, 1);
    const inPlace = parseObjective('Defeat 10 Cashbots on Maple Street.');
    assert.equal(inPlace.kind, 'cog');
    assert.equal(inPlace.place, 'Maple Street');
    const recover = parseObjective('Recover a Key to Daisy Gardens from The Minglers');
    assert.equal(recover.kind === 'cog' && recover.name, 'themingler');
    assert.equal(recover.place, undefined, 'the item "Key to Daisy Gardens" is not a place');
  });

  it('understands buildings but matches no character with them', () => {
    const b = parseObjective('Defeat 2 three+ story Cashbot Buildings');
    assert.deepEqual(b, { kind: 'building', text: 'Defeat 2 three+ story Cashbot Buildings', count: 2, suit: 'cb', floors: 3 });
  });

  it('keeps unknown forms as text, saying so', () => {
    for (const t of ['Defeat 3 Zombie Cogs', 'Ride the trolley', '', 'Defeat']) {
      const o = parseObjective(t);
      assert.equal(o.kind, 'text', t);
      assert.equal(o.kind === 'text' && o.known, false, t);
    }
  });

  it('reads invasion Cog names as the game writes them', () => {
    assert.deepEqual(parseCogNoun('Version 2.0 Flunky'), { v2: true, name: 'flunky', suit: 'bb' });
    assert.deepEqual(parseCogNoun('Tele\x03marketer'), { name: 'telemarketer', suit: 'sb' });
    assert.deepEqual(parseCogNoun('Penny Pincher (Skelecog)'), { skelecog: true, name: 'pennypincher', suit: 'cb' });
    assert.equal(parseCogNoun('Chairman'), undefined);
  });
});
