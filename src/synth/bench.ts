// Timing of the scene generator: ms per still scene (renderScene, PNG included) and per demo frame
// (wall clock and CPU time: on a shared machine the wall-clock tail is other processes' time).
// Run: `nice npx tsx src/synth/bench.ts [scenes] [frames] [ring]` (prints one JSON document).
import { fileURLToPath } from 'node:url';
import { createDemoScene } from './demo.ts';
import { renderScene } from './scene.ts';

export interface SynthBench {
  scenes: number;
  msPerScene: number;
  /** CPU time per scene, all threads (librsvg and libvips work in threads of their own) */
  cpuMsPerScene: number;
  demoCreateMs: number;
  frames: number;
  /** wall-clock time per frame (on a busy machine the p95 is mostly time waiting for a core) */
  msPerFrame: { mean: number; p50: number; p95: number };
  /** CPU time per frame (user + system), unaffected by other processes */
  cpuMsPerFrame: number;
  framesPerSecond: number;
}

const r1 = (v: number) => Math.round(v * 100) / 100;

export async function benchSynth(scenes = 10, frames = 300, width = 800, height = 600, ring = 0): Promise<SynthBench> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < scenes; i++) await renderScene({ seed: 'bench', index: i, width, height });
  const msPerScene = (performance.now() - t0) / Math.max(1, scenes);
  const sc = process.cpuUsage(c0);
  const t1 = performance.now();
  const demo = await createDemoScene({ seed: 'bench', width, height, ring });
  const demoCreateMs = performance.now() - t1;
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < frames; i++) {
    const a = performance.now();
    demo.frame(i / 30);
    times.push(performance.now() - a);
  }
  const cpu = process.cpuUsage(cpu0);
  const mean = times.reduce((s, v) => s + v, 0) / Math.max(1, times.length);
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return {
    scenes,
    msPerScene: r1(msPerScene),
    cpuMsPerScene: r1((sc.user + sc.system) / 1000 / Math.max(1, scenes)),
    demoCreateMs: r1(demoCreateMs),
    frames,
    msPerFrame: { mean: r1(mean), p50: r1(at(0.5)), p95: r1(at(0.95)) },
    cpuMsPerFrame: r1((cpu.user + cpu.system) / 1000 / Math.max(1, frames)),
    framesPerSecond: r1(1000 / Math.max(1e-6, mean)),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [scenes, frames, ring] = process.argv.slice(2).map(Number);
  process.stdout.write(`${JSON.stringify(await benchSynth(scenes || 10, frames || 300, 800, 600, ring || 0))}\n`);
}
