'use strict';
// Loads src/desktop/electron-app.ts through tsx (scoped: no global hooks) and starts the overlay with
// the given `electron` module (the real one in main.cjs, a stand-in in the tests).
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const APP = path.resolve(__dirname, '..', '..', 'src', 'desktop', 'electron-app.ts');

async function boot(electron, options) {
  // the ESM build of tsx's API: its CommonJS build's tsImport cannot find its own files (tsx 4.23)
  const { tsImport } = await import('tsx/esm/api');
  const mod = await tsImport(pathToFileURL(APP).href, pathToFileURL(__filename).href);
  return mod.startOverlayApp(electron, options);
}

module.exports = { boot, APP };
