// `toonvision bench live`: the agent end to end, measured from capture start to the WebSocket frame
// message leaving the agent (written to a real loopback client's socket), with per-stage times.
// With `soak`, also samples tf.memory().numTensors and RSS over the run (a leak shows as growth).
import WebSocket from 'ws';
import { engineInfo, initInference, type RuntimeName } from '../engine/index.ts';
import type { ProcessedFrame } from '../predict/pipeline.ts';

/**
 * What the benchmark needs of the live agent (src/agent's Agent has it): the command hands the agent
 * in, so the benchmark measures it without importing the room above it.
 */
export interface BenchedAgent {
  readonly port: number;
  readonly models: { info(): Record<string, { origin: string; dir: string } | null> };
  on(event: 'frame', listener: (p: ProcessedFrame & { frameId: number }) => void): unknown;
  on(event: 'sent', listener: (frameId: number, at: number) => void): unknown;
  memory(): { numTensors: number; numBytes: number; rssMB: number };
  stop(): Promise<void>;
}

/** Starts the agent with the benchmark's options (the options are a subset of src/agent's AgentOptions). */
export type StartBenchedAgent = (opts: {
  source: string;
  title?: string;
  modelsDir: string;
  port: number;
  intervalMs: number;
  hotkeys: false;
  watchModels: false;
  demoFallback: true;
  log: (message: string) => void;
}) => Promise<BenchedAgent>;

export interface LiveBenchOptions {
  source: string;
  seconds: number;
  models?: string;
  /** Window title for --source window. */
  title?: string;
  /** Seconds of warm-up excluded from the figures (default 1; model compilation happens here). */
  warmupSeconds?: number;
  /** Sample memory every `soakEverySeconds` (default 10) and report it. */
  soak?: boolean;
  soakEverySeconds?: number;
  onSample?: (s: MemorySample) => void;
  log?: (message: string) => void;
  /** Minimum ms between frames (default 0: as fast as the pipeline goes); a fixed rate compares runtimes at the same frames. */
  intervalMs?: number;
  /** Force the inference runtime (must be chosen before anything else in the process infers). */
  runtime?: RuntimeName;
}

export interface MemorySample {
  t: number;
  frames: number;
  numTensors: number;
  numBytes: number;
  rssMB: number;
}

export interface LiveBenchResult {
  frames: number;
  fps: number;
  latencyMs: { p50: number; p95: number };
  stagesMs: { capture: number; detect: number; classify: number; publish: number };
  backend?: string;
  /** The inference runtime the agent ran on, and ONNX Runtime's threads per session. */
  runtime?: RuntimeName;
  threads?: number;
  source?: string;
  width?: number;
  height?: number;
  detector?: string;
  detections?: number;
  /** Fraction of detections whose fine labels were carried over from the previous frame. */
  labelsReused?: number;
  /** CPU time of the agent process per measured frame (user + system, all threads): on an idle machine fps is about 1000 / this. */
  cpuMsPerFrame?: number;
  /** Capture start to the message parsed by the loopback client (ms clock of Date.now()). */
  clientLatencyMs?: { p50: number; p95: number };
  models?: Record<string, unknown>;
  memory?: MemorySample[];
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return Math.round(s[i]! * 10) / 10;
}

function mean(xs: number[]): number {
  return xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : 0;
}

export async function runLiveBench(opts: LiveBenchOptions, startAgent: StartBenchedAgent): Promise<LiveBenchResult> {
  const inference = await initInference(opts.runtime ? { runtime: opts.runtime } : {});
  if (opts.runtime && inference.runtime !== opts.runtime) throw new Error(`--runtime ${opts.runtime}: this process already infers on ${inference.runtime}`);
  const agent = await startAgent({
    source: opts.source,
    title: opts.title,
    modelsDir: opts.models ?? 'models',
    port: 0,
    intervalMs: opts.intervalMs ?? 0,
    hotkeys: false,
    watchModels: false,
    demoFallback: true,
    log: opts.log ?? (() => {}),
  });
  const client = new WebSocket(`ws://127.0.0.1:${agent.port}/`);
  const clientLatency: number[] = [];
  const pending = new Map<number, { startedAt: number; capture: number; detect: number; classify: number; beforeSend: number; measured: boolean }>();
  const latency: number[] = [];
  const stages = { capture: [] as number[], detect: [] as number[], classify: [] as number[], publish: [] as number[] };
  let frames = 0;
  let detections = 0;
  let reusedDets = 0;
  let agentDets = 0;
  let detector = 'none';
  let width = 0;
  let height = 0;
  const memory: MemorySample[] = [];
  let measuring = false;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let cpu = { user: 0, system: 0 };

  agent.on('frame', (p) => {
    pending.set(p.frameId, {
      startedAt: p.frame.startedAt,
      capture: p.stagesMs.capture,
      detect: p.stagesMs.detect,
      classify: p.stagesMs.classify,
      beforeSend: p.frame.startedAt + p.stagesMs.total,
      measured: measuring,
    });
    if (pending.size > 1000) pending.delete(pending.keys().next().value!);
    detector = p.detector;
    if (measuring) {
      reusedDets += p.reused;
      agentDets += p.detections.length;
    }
    width = p.frame.image.width;
    height = p.frame.image.height;
  });
  agent.on('sent', (frameId, at) => {
    const f = pending.get(frameId);
    if (!f) return;
    pending.delete(frameId);
    if (!f.measured) return;
    frames++;
    latency.push(at - f.startedAt);
    stages.capture.push(f.capture);
    stages.detect.push(f.detect);
    stages.classify.push(f.classify);
    stages.publish.push(Math.max(0, at - f.beforeSend));
  });
  client.on('message', (data) => {
    if (!measuring) return;
    const m = JSON.parse(data.toString()) as { type: string; capturedAt?: number; detections?: unknown[] };
    if (m.type === 'frame' && m.capturedAt) {
      clientLatency.push(Date.now() - m.capturedAt);
      detections += m.detections?.length ?? 0;
    }
  });
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });

  try {
    await new Promise((r) => setTimeout(r, (opts.warmupSeconds ?? 1) * 1000));
    measuring = true;
    t0 = performance.now();
    cpu0 = process.cpuUsage();
    const sample = () => {
      const m = agent.memory();
      const s = { t: Math.round((performance.now() - t0) / 100) / 10, frames, numTensors: m.numTensors, numBytes: m.numBytes, rssMB: m.rssMB };
      memory.push(s);
      opts.onSample?.(s);
    };
    let timer: NodeJS.Timeout | undefined;
    if (opts.soak) {
      sample();
      timer = setInterval(sample, (opts.soakEverySeconds ?? 10) * 1000);
    }
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    measuring = false;
    cpu = process.cpuUsage(cpu0);
    if (timer) clearInterval(timer);
    if (opts.soak) sample();
  } finally {
    client.close();
  }
  const elapsed = (performance.now() - t0) / 1000;
  const models = agent.models.info();
  await agent.stop();
  const clientFrames = clientLatency.length;
  return {
    frames,
    fps: Math.round((frames / elapsed) * 10) / 10,
    latencyMs: { p50: percentile(latency, 50), p95: percentile(latency, 95) },
    stagesMs: { capture: mean(stages.capture), detect: mean(stages.detect), classify: mean(stages.classify), publish: mean(stages.publish) },
    backend: engineInfo()?.backend,
    runtime: inference.runtime,
    threads: inference.threads,
    source: opts.source,
    width,
    height,
    detector,
    detections: clientFrames ? Math.round((detections / clientFrames) * 10) / 10 : 0,
    labelsReused: agentDets ? Math.round((reusedDets / agentDets) * 100) / 100 : 0,
    cpuMsPerFrame: frames ? Math.round(((cpu.user + cpu.system) / 1000 / frames) * 10) / 10 : 0,
    clientLatencyMs: { p50: percentile(clientLatency, 50), p95: percentile(clientLatency, 95) },
    models: Object.fromEntries(Object.entries(models).map(([k, v]) => [k, v ? `${v.origin}:${v.dir}` : null])),
    ...(opts.soak ? { memory } : {}),
  };
}
