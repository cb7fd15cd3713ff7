// The README is a door (at most 250 lines) and the docs behind it hold together: every relative link
// of README.md and docs/*.md reaches an existing file (and heading, for #anchors), and the command
// reference in docs/commands.md is what `--help` prints today.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { commandsReference, COMMANDS_MD, withReference } from '../scripts/commands-doc.ts';
import { ROOT } from './helpers.ts';

const DOCS = path.join(ROOT, 'docs');
const pages = [path.join(ROOT, 'README.md'), ...readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => path.join(DOCS, f))];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens (repeats get -1, -2...). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const base = m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The relative links of a page (inline links and images), outside code. */
function links(markdown: string): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/i.test(l));
}

test('the README is a door: at most 250 lines, and it leads to every page of docs/', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const lines = readme.trimEnd().split('\n').length;
  assert.ok(lines <= 250, `README.md has ${lines} lines`);
  for (const page of pages.slice(1)) assert.ok(readme.includes(`docs/${path.basename(page)}`), `README.md links docs/${path.basename(page)}`);
});

test('every relative link of README.md and docs/*.md reaches a file, and its #anchor a heading', () => {
  let checked = 0;
  for (const page of pages) {
    const text = readFileSync(page, 'utf8');
    for (const link of links(text)) {
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const target = file === '' ? page : path.resolve(path.dirname(page), decodeURIComponent(file));
      const where = `${path.relative(ROOT, page)}: ${link}`;
      assert.ok(existsSync(target), `${where}: no such file`);
      if (anchor !== undefined && target.endsWith('.md')) assert.ok(anchors(readFileSync(target, 'utf8')).has(anchor), `${where}: no heading #${anchor}`);
      checked++;
    }
  }
  assert.ok(checked >= 20, `${checked} links checked`);
});

test("docs/commands.md's reference is every command's --help as printed today (node --import tsx scripts/commands-doc.ts --write)", () => {
  const page = readFileSync(COMMANDS_MD, 'utf8');
  const reference = commandsReference();
  assert.equal(page, withReference(page, reference));
  // Every command of the contract has its section.
  for (const c of ['doctor', 'synth', 'extract', 'split', 'stats', 'train', 'retrain', 'evaluate', 'classify', 'import-keras', 'explain', 'detect', 'predict', 'agent', 'capture', 'overlay', 'label', 'bench train', 'bench infer', 'bench live', 'bench real']) {
    assert.ok(page.includes(`### \`toonvision ${c}\``), c);
  }
  assert.match(page, /--progress-json/);
});
