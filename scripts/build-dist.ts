// `npm pack` (prepack) builds dist/: every src/**/*.ts as an ES module with its types erased and its
// relative imports renamed .ts -> .js, by TypeScript's own per-file transpiler (no type check here:
// `npm run build` does that). The installed package runs dist/ with plain Node (bin/toonvision.js),
// starting faster than through tsx and needing no TypeScript at run time; a checkout runs src/.
// Written to dist.partial-<pid>/ and renamed into place when complete.
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  rewriteRelativeImportExtensions: true,
  esModuleInterop: true,
};

export async function buildDist(out = DIST): Promise<{ files: number; dir: string }> {
  const tmp = `${out}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const entries = await readdir(SRC, { recursive: true, withFileTypes: true });
  const sources = entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')).map((e) => path.join(e.parentPath, e.name));
  try {
    for (const file of sources) {
      const rel = path.relative(SRC, file);
      const res = ts.transpileModule(await readFile(file, 'utf8'), { compilerOptions: OPTIONS, fileName: rel, reportDiagnostics: true });
      if (res.diagnostics?.length) throw new Error(`${rel}: ${ts.flattenDiagnosticMessageText(res.diagnostics[0]!.messageText, '\n')}`);
      const target = path.join(tmp, rel.replace(/\.ts$/, '.js'));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, res.outputText);
    }
    // files the code reads beside itself (the render page's HTML and script) are copied as they are
    for (const e of entries.filter((e) => e.isFile() && !e.name.endsWith('.ts'))) {
      const rel = path.relative(SRC, path.join(e.parentPath, e.name));
      await mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
      await copyFile(path.join(SRC, rel), path.join(tmp, rel));
    }
    await rm(out, { recursive: true, force: true });
    await rename(tmp, out);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { files: sources.length, dir: out };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t = Date.now();
  const { files, dir } = await buildDist();
  process.stderr.write(`built ${path.relative(ROOT, dir)}/: ${files} modules in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
}
