// overlay/protocol.js is src/publish/protocol.ts with its types erased (TypeScript's own transpiler),
// so that the pages (plain browser JS, no build step) check messages with the server's very rules.
// test/publish-protocol.test.ts fails when the file is stale; regenerate it with:
//   node --import tsx src/publish/protocol-page.ts --write
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PROTOCOL_TS = path.join(HERE, 'protocol.ts');
export const PROTOCOL_JS = path.resolve(HERE, '..', '..', 'overlay', 'protocol.js');

/** The text of overlay/protocol.js. TypeScript is a development dependency: only this generator needs it. */
export async function overlayProtocolModule(): Promise<string> {
  const ts = (await import('typescript')).default;
  const out = ts.transpileModule(readFileSync(PROTOCOL_TS, 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, removeComments: false },
    fileName: 'protocol.ts',
  });
  return [
    '// Generated from src/publish/protocol.ts by src/publish/protocol-page.ts: do not edit by hand.',
    '// Regenerate with: node --import tsx src/publish/protocol-page.ts --write',
    out.outputText.trimEnd(),
    '',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  writeFileSync(PROTOCOL_JS, await overlayProtocolModule());
  process.stderr.write(`wrote ${PROTOCOL_JS}\n`);
}
