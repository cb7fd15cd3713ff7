'use strict';
// Starts the overlay with the given `electron` module (the real one in main.cjs, a stand-in in the
// tests) from src/desktop/electron-app: in a checkout the TypeScript source through tsx (scoped: no
// global hooks), in the installed package (no src/) the built dist/desktop/electron-app.js.
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE = path.join(ROOT, 'src', 'desktop', 'electron-app.ts');
const BUILT = path.join(ROOT, 'dist', 'desktop', 'electron-app.js');
/** The module that holds the overlay app: the source where there is one, else the build. */
const APP = fs.existsSync(SOURCE) ? SOURCE : BUILT;

async function boot(electron, options) {
  let mod;
  if (APP === SOURCE) {
    // the ESM build of tsx's API: its CommonJS build's tsImport cannot find its own files (tsx 4.23)
    const { tsImport } = await import('tsx/esm/api');
    mod = await tsImport(pathToFileURL(APP).href, pathToFileURL(__filename).href);
  } else {
    mod = await import(pathToFileURL(APP).href);
  }
  return mod.startOverlayApp(electron, options);
}

module.exports = { boot, APP };
