// The rooms' imports read as the data flow: no import cycle among src/ and overlay/ (type-only imports
// included), nothing in src/train or src/bench reaches src/agent, and every relative import of the
// pages (and every page's script) is a file of overlay/ that the agent serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { OVERLAY_DIR, overlayFileFor } from '../src/publish/pages.ts';
import { ROOT } from './helpers.ts';

/** Files under `dir` (recursively) whose names end with one of `exts`. */
function files(dir: string, exts: string[]): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && exts.some((e) => d.name.endsWith(e)))
    .map((d) => path.join(d.parentPath, d.name));
}

/** The relative module specifiers a source file imports (static imports, re-exports, literal dynamic imports). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
  const specs = new Set<string>();
  for (const re of [/\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const m of text.matchAll(re)) if (m[1]!.startsWith('.')) specs.add(m[1]!);
  }
  return [...specs];
}

const SRC = path.join(ROOT, 'src');
const sources = [...files(SRC, ['.ts']), ...files(OVERLAY_DIR, ['.js']).filter((f) => !f.includes(`${path.sep}electron${path.sep}`))];
const graph = new Map(sources.map((f) => [f, importsOf(f).map((s) => path.resolve(path.dirname(f), s))]));

test('every relative import of src/ and overlay/ names an existing file', () => {
  for (const [f, deps] of graph) for (const d of deps) assert.ok(existsSync(d), `${path.relative(ROOT, f)} imports ${path.relative(ROOT, d)}, which does not exist`);
});

test('no import cycle among src/ and overlay/', () => {
  // Depth-first search with colours: reaching a module still on the stack closes a cycle.
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => path.relative(ROOT, x)).join(' -> '));
      else if (!state.has(d) && graph.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test('nothing in src/train or src/bench reaches src/agent', () => {
  const agent = path.join(SRC, 'agent') + path.sep;
  for (const room of ['train', 'bench']) {
    const start = [...graph.keys()].filter((f) => f.startsWith(path.join(SRC, room) + path.sep));
    assert.ok(start.length > 0, room);
    const seen = new Set<string>();
    const from = new Map<string, string>();
    const todo = [...start];
    while (todo.length) {
      const f = todo.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const d of graph.get(f) ?? []) {
        if (!from.has(d)) from.set(d, f);
        todo.push(d);
      }
    }
    const reached = [...seen].filter((f) => f.startsWith(agent));
    const chain = (f: string): string => (from.has(f) && !start.includes(f) ? `${chain(from.get(f)!)} -> ${path.relative(SRC, f)}` : path.relative(SRC, f));
    assert.deepEqual(reached.map(chain), [], `src/${room} reaches src/agent`);
  }
});

test("the pages' scripts and their imports are overlay/ files the agent serves", () => {
  const pages = files(OVERLAY_DIR, ['.html']);
  assert.ok(pages.length >= 3);
  for (const html of pages) {
    for (const m of readFileSync(html, 'utf8').matchAll(/<(?:script|link)[^>]*?(?:src|href)="(\/overlay\/[^"]+)"/g)) {
      const file = overlayFileFor(m[1]!);
      assert.ok(file && existsSync(file), `${path.basename(html)}: ${m[1]} is not served`);
    }
  }
  for (const [f, deps] of graph) {
    if (!f.startsWith(OVERLAY_DIR)) continue;
    for (const d of deps) {
      const url = `/overlay/${path.relative(OVERLAY_DIR, d).split(path.sep).join('/')}`;
      assert.equal(overlayFileFor(url), d, `${path.relative(ROOT, f)} imports ${url}, which the agent does not serve`);
    }
  }
});
