// `toonvision doctor`: what this machine offers (backend, display, capture, hotkeys, Electron, game window).
import type { Command } from 'commander';
import { initEngine, initInference } from '../engine/index.ts';
import { captureMethod, findGameWindow } from '../capture/index.ts';
import { startHotkeys } from '../hotkeys.ts';
import { findElectron } from '../desktop/launch.ts';
import { printJson } from './common.ts';
import { probeCompanion } from '../companion/client.ts';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('report the TensorFlow.js backend, the inference runtime (ONNX Runtime or TensorFlow.js), display, capture tool, hotkeys, Electron, game window and the game\'s companion API')
    .option('--window <TITLE>', 'game window title to look for', 'Toontown')
    .option('--companion', "ask the game's companion API for the Toon and its ToonTasks (the game may show its consent prompt); without it doctor only looks whether the API's ports are open")
    .option('--json', 'print one JSON document')
    .action(async (opts: { json?: boolean; window: string; companion?: boolean }) => {
      const engine = await initEngine();
      const inference = await initInference();
      const capture = captureMethod();
      // Hotkeys: actually start the key server for a moment (it fails without a display or permission).
      const hk = await startHotkeys([], { startupMs: 400 });
      if (hk.ok) hk.hotkeys.stop();
      const electron = findElectron();
      const companion = await probeCompanion({ ask: opts.companion === true });
      const win = capture.method === 'none' && process.platform === 'linux' && !process.env.DISPLAY ? null : await findGameWindow(opts.window).catch(() => null);
      const report = {
        backend: engine.backend,
        backendsTried: engine.backendsTried,
        inference: { runtime: inference.runtime, providers: inference.providers, tried: inference.tried, threads: inference.threads },
        display: process.env.DISPLAY ?? process.env.WAYLAND_DISPLAY ?? (process.platform === 'linux' ? null : process.platform),
        captureTool: capture.method !== 'none',
        captureMethod: capture.method,
        captureReason: capture.reason,
        hotkeys: hk.ok,
        hotkeysReason: hk.ok ? `key server ${hk.server}` : hk.reason,
        electron: electron.found,
        electronReason: electron.found ? electron.path : electron.reason,
        gameWindow: win ? { title: win.title, x: win.x, y: win.y, width: win.width, height: win.height } : null,
        companion,
      };
      if (opts.json) printJson(report);
      else {
        const yn = (b: boolean) => (b ? 'yes' : 'no ');
        process.stdout.write(`backend: ${report.backend}\n`);
        for (const t of report.backendsTried) process.stdout.write(`  ${t.ok ? 'ok ' : 'no '} ${t.name}: ${t.reason}\n`);
        process.stdout.write(`inference: ${inference.runtime}${inference.providers.length ? ` (${inference.providers.join(', ')}; ${inference.threads} thread${inference.threads === 1 ? '' : 's'})` : ''}\n`);
        for (const t of inference.tried) process.stdout.write(`  ${t.ok ? 'ok ' : 'no '} ${t.name}: ${t.reason}\n`);
        process.stdout.write(`display: ${report.display ?? '(none)'}\n`);
        process.stdout.write(`capture: ${yn(report.captureTool)} ${report.captureMethod} (${report.captureReason})\n`);
        process.stdout.write(`hotkeys: ${yn(report.hotkeys)} ${report.hotkeysReason}\n`);
        process.stdout.write(`electron: ${yn(report.electron)} ${report.electronReason}\n`);
        process.stdout.write(`companion: ${companion.connected ? 'yes' : 'no '} ${companion.message}\n`);
        process.stdout.write(`game window: ${win ? `'${win.title}' ${win.width}x${win.height} at ${win.x},${win.y}${win.minimized ? ' (minimised)' : ''}` : `(none whose title contains '${opts.window}')`}\n`);
      }
    });
}
