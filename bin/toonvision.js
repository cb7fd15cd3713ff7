#!/usr/bin/env node
// Entry point. A checkout (src/ present) runs the TypeScript sources through tsx, so that a fresh clone
// works without a build step and never runs a stale build; the installed package (npm pack ships dist/,
// built by scripts/build-dist.ts, and no src/) runs dist/ with plain Node.
import { existsSync } from 'node:fs';

const src = new URL('../src/cli.ts', import.meta.url);
let main;
if (existsSync(src)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(src.href));
} else {
  ({ main } = await import(new URL('../dist/cli.js', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
