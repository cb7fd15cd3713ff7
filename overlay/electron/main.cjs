'use strict';
// Electron entry of `toonvision overlay` (run as: electron overlay/electron/main.cjs). CommonJS so that
// the Chromium switches below are set synchronously, before Electron is ready. The logic lives in
// src/desktop/ (TypeScript, loaded through tsx by boot.cjs); this file only hands it the real Electron.
const electron = require('electron');
const { boot } = require('./boot.cjs');

const { app } = electron;
if (process.platform === 'linux' && process.env.TOONVISION_OVERLAY_GPU !== '1') {
  // Transparent windows on X11 need an ARGB visual; the GPU compositor often breaks transparency there.
  app.commandLine.appendSwitch('enable-transparent-visuals');
  app.disableHardwareAcceleration();
}

const port = Number(process.env.TOONVISION_OVERLAY_PORT || 8765);

boot(electron, { port, host: '127.0.0.1' }).catch((err) => {
  process.stderr.write(`toonvision overlay: ${err && err.stack ? err.stack : err}\n`);
  app.exit(1);
});
