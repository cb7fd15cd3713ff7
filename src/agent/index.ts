// The live agent: capture -> detect -> classify -> publish, frame after frame, with hot-reloaded
// models, hotkeys (capture, pause) and the WebSocket/HTTP server. `toonvision agent` runs it; tests and
// `bench live` drive it programmatically.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { initEngine, initInference, tf } from '../engine/index.ts';
import { DEFAULT_ROOT } from '../dataset/layout.ts';
import {
  DEFAULT_WINDOW_TITLE,
  DemoSource,
  WindowSource,
  createSource,
  type CaptureSource,
  type CapturedFrame,
  type SceneObject,
} from '../capture/index.ts';
import { DEFAULT_HOST, DEFAULT_PORT, PublishServer, type Command } from '../publish/server.ts';
import { DEFAULT_HOTKEYS, startHotkeys, type Hotkeys } from '../hotkeys.ts';
import { ModelSet } from '../predict/models.ts';
import { Pipeline, type DetectorMode, type ProcessedFrame } from '../predict/pipeline.ts';
import { saveCapture, type SavedCapture } from './screenshot.ts';
import { FrameCollector } from './collect.ts';
import type { RgbImage } from '../image.ts';
import { labelRoutes } from '../label/routes.ts';
import { predictObjects } from '../label/predict.ts';
import { RetrainJob, type RetrainJobOptions } from '../label/retrain-job.ts';
import type { LabelObject } from '../label/screenshots.ts';
import { viewRoutes } from '../publish/view.ts';
import { CompanionClient, type CompanionOptions, type CompanionStatus } from '../companion/client.ts';
import { markDetections } from '../companion/annotate.ts';
import { companionRoutes } from '../companion/routes.ts';
import { labelOwnToon } from '../companion/own-toon.ts';

export type { LiveDetection } from '../predict/cascade.ts';
export type { DetectorMode, ProcessedFrame, StagesMs } from '../predict/pipeline.ts';

const { version: AGENT_VERSION } = createRequire(import.meta.url)('../../package.json') as { version: string };
export { AGENT_VERSION };

/** How long stop() waits for the frame in flight and a capture being saved. */
const STOP_WAIT_MS = 800;

export type AgentState = 'running' | 'paused' | 'waiting-for-window';

export interface AgentOptions {
  /** window | screen | demo | folder:DIR (default window). */
  source?: string;
  /** Window title to look for (substring, case-insensitive; default "Toontown"). */
  title?: string;
  /** Minimum time between frame starts, ms (default 33: at most ~30 frames/s; 0: as fast as possible). */
  intervalMs?: number;
  port?: number;
  host?: string;
  /** Player models folder (default models/, falling back to models/demo/). */
  modelsDir?: string;
  /** Captures root (default captures/). */
  root?: string;
  /** Hotkeys, or false for none (default F9 capture, F10 pause/resume). */
  hotkeys?: { capture?: string; pause?: string } | false;
  watchModels?: boolean;
  /** Fall back to the package's shipped models/demo/ for tasks missing in modelsDir (default true). */
  packageDemoModels?: boolean;
  /** With --source window: show demo scenes until the window appears (default true). */
  demoFallback?: boolean;
  detector?: DetectorMode;
  /** Objects the stand-in detector reports for frames that carry none (tests without a trained detector). */
  standInTruth?: readonly SceneObject[];
  seed?: number;
  demoSize?: { width: number; height: number };
  /** Frames a tracked character keeps its fine labels before they are computed again (default 15; 0: classify every box every frame). */
  labelReuse?: number;
  /** Run the detector on every Nth frame, the tracker carrying the characters in between (default: 2 for the real-game detector, else 1). */
  detectEvery?: number;
  /** Demo time step per frame in seconds (deterministic demo); default wall clock. */
  demoStepSeconds?: number;
  /** Opt-in: keep deduplicated unlabelled game frames in <root>/raw/unlabelled/ (capped on disk) for retrain's teacher. */
  collect?: { maxBytes?: number; everyMs?: number };
  /** What the labelling page's retrain button runs (tasks, epochs...; root and models are the agent's). */
  retrain?: Partial<RetrainJobOptions>;
  /** Opt-in: read the player's Toon, ToonTasks and invasion from the game's companion API and mark the Cogs that count (true, or the client's options; /view can switch it later). */
  companion?: boolean | CompanionOptions;
  log?: (message: string) => void;
}

export interface AgentEvents {
  frame: [ProcessedFrame & { frameId: number }];
  /** A frame message was written to a client's socket (performance.now() time). */
  sent: [frameId: number, at: number];
  status: [{ state: AgentState; message: string }];
  capture: [SavedCapture];
}

/** The running agent. Create with `Agent.start(opts)`. */
export class Agent extends EventEmitter<AgentEvents> {
  readonly server: PublishServer;
  readonly models: ModelSet;
  readonly pipeline: Pipeline;
  readonly retrainJob: RetrainJob;
  /** /view and /frame.jpg; `view.encoded()` counts the frames encoded for viewers. */
  readonly view: ReturnType<typeof viewRoutes>;
  /** The game's companion API (polling only while on: --companion, or the /view switch). */
  readonly companion: CompanionClient;
  private source!: CaptureSource;
  private demo: DemoSource | undefined;
  private hotkeys: Hotkeys | undefined;
  private stopped = false;
  private paused = false;
  private loopDone: Promise<void> = Promise.resolve();
  private state: AgentState = 'running';
  private message = 'starting';
  private lastFrame: ProcessedFrame | undefined;
  private lastFrameId = 0;
  /** Captures being written: stop() lets them finish, so no screenshot is left half-written. */
  private readonly saving = new Set<Promise<SavedCapture>>();
  private lastError = '';
  private collector: FrameCollector | undefined;
  /** Pipeline runs outside the loop (captures while paused) that still use the current models. */
  private outsideRuns = 0;
  frameId = 0;
  hotkeysInfo: { ok: boolean; detail: string } = { ok: false, detail: 'not started' };
  readonly log: (message: string) => void;

  private constructor(readonly opts: AgentOptions) {
    super();
    this.log = opts.log ?? ((m) => process.stderr.write(`toonvision agent: ${m}\n`));
    this.models = new ModelSet({
      dir: opts.modelsDir ?? 'models',
      watch: opts.watchModels !== false,
      packageDemo: opts.packageDemoModels !== false,
      onMessage: (m, kind) => {
        this.setStatus(this.state, m, true);
        if (kind === 'refused') this.lastError = m;
      },
    });
    this.pipeline = new Pipeline(this.models, { detector: opts.detector, standInTruth: opts.standInTruth, track: opts.labelReuse === undefined ? {} : { refreshFrames: opts.labelReuse }, detectEvery: opts.detectEvery });
    const root = opts.root ?? DEFAULT_ROOT;
    this.retrainJob = new RetrainJob({ ...opts.retrain, root, models: this.models.dir });
    this.view = viewRoutes(() => {
      const p = this.lastFrame;
      return p && { frameId: this.lastFrameId, image: p.frame.image, window: p.frame.window, detections: p.detections };
    });
    this.companion = new CompanionClient(typeof opts.companion === 'object' ? opts.companion : {});
    this.companion.on('status', () => this.server.broadcast({ type: 'status', state: this.state, message: this.message, companion: this.companionInfo() }));
    const companionSwitch = { enabled: () => this.companion.started, status: () => this.companion.status(), setEnabled: (on: boolean) => (on ? this.companion.start() : this.companion.stop()) };
    this.server = new PublishServer({
      // The companion's route first: the labelling routes answer every other /api/ path.
      routes: [companionRoutes(companionSwitch), labelRoutes({ root, predict: (image) => this.predictStill(image), retrain: this.retrainJob }), this.view],
      port: opts.port ?? DEFAULT_PORT,
      host: opts.host ?? DEFAULT_HOST,
      hello: () => ({ agent: AGENT_VERSION, models: this.models.info(), source: this.source?.describe() ?? {}, state: this.state, hotkeys: this.hotkeyNames(), collect: this.collector?.status() ?? null, companion: this.companionInfo() }),
      status: () => ({ state: this.state, message: this.message, companion: this.companionInfo() }),
      onCommand: (cmd) => this.onCommand(cmd),
      onFrameSent: (frameId, at) => this.emit('sent', frameId, at),
      log: this.log,
    });
  }

  static async start(opts: AgentOptions = {}): Promise<Agent> {
    const agent = new Agent(opts);
    await agent.init();
    return agent;
  }

  /** The `companion` object of hello and status messages: the client's status and whether it is on. */
  companionInfo(): CompanionStatus & { enabled: boolean } {
    return { enabled: this.companion.started, ...this.companion.status() };
  }

  private hotkeyNames(): Record<string, string> | null {
    if (this.opts.hotkeys === false) return null;
    return { capture: this.opts.hotkeys?.capture ?? DEFAULT_HOTKEYS.capture, pause: this.opts.hotkeys?.pause ?? DEFAULT_HOTKEYS.pause };
  }

  private async init(): Promise<void> {
    const engine = await initEngine();
    const inference = await initInference();
    this.source = await createSource(this.opts.source ?? 'window', {
      title: this.opts.title ?? DEFAULT_WINDOW_TITLE,
      seed: this.opts.seed,
      width: this.opts.demoSize?.width,
      height: this.opts.demoSize?.height,
      stepSeconds: this.opts.demoStepSeconds,
    });
    await this.models.loadAll();
    const { port, host } = await this.server.start();
    this.log(`TensorFlow.js backend: ${engine.backend}; inference: ${inference.runtime}${inference.providers.length ? ` (${inference.providers.join(', ')}, ${inference.threads} thread${inference.threads === 1 ? '' : 's'})` : ''}`);
    this.log(`listening on ws://${host}:${port}/ (overlay page: http://${host}:${port}/overlay, what it sees: http://${host}:${port}/view, labelling: http://${host}:${port}/label)`);
    const loaded = Object.entries(this.models.info()).filter(([, v]) => v);
    if (loaded.length === 0) {
      this.setStatus('running', `no models in ${this.models.dir} or models/demo: publishing frames with no detections (train models, or run npm run train:demo)`);
    } else {
      this.log(`models: ${loaded.map(([t, v]) => `${t} (${v!.origin}: ${v!.dir})`).join(', ')}`);
      if (!this.models.detector()) {
        this.setStatus('running', `no detector model in ${this.models.dir} or models/demo: boxes only where the source knows them (demo scenes, replayed screenshots with VOC files)`);
      }
    }
    if (this.opts.collect) {
      this.collector = await FrameCollector.open({ root: this.opts.root ?? DEFAULT_ROOT, ...this.opts.collect });
      this.log(this.collector.describe());
    }
    if (this.opts.hotkeys !== false) await this.installHotkeys();
    if (this.opts.companion) this.companion.start();
    this.loopDone = this.loop();
  }

  private async installHotkeys(): Promise<void> {
    const keys = this.hotkeyNames()!;
    const res = await startHotkeys([
      { key: keys.capture!, action: () => void this.captureNow().catch((err) => this.log(`capture failed: ${(err as Error).message}`)) },
      { key: keys.pause!, action: () => this.togglePause() },
    ], {
      onLost: (reason) => {
        this.hotkeysInfo = { ok: false, detail: reason };
        this.log(`hotkeys stopped working (${reason}); running on without them`);
      },
    });
    if (res.ok) {
      this.hotkeys = res.hotkeys;
      this.hotkeysInfo = { ok: true, detail: `${keys.capture} capture, ${keys.pause} pause/resume` };
      this.log(`hotkeys: ${this.hotkeysInfo.detail}`);
    } else {
      this.hotkeysInfo = { ok: false, detail: res.reason };
      // Said once; the agent runs on without hotkeys (captures still work from the shell and the page).
      this.log(`no global hotkeys (${res.reason}); running on without them`);
    }
  }

  get port(): number {
    return this.server.port;
  }
  get currentState(): { state: AgentState; message: string } {
    return { state: this.state, message: this.message };
  }
  get latest(): ProcessedFrame | undefined {
    return this.lastFrame;
  }

  private setStatus(state: AgentState, message: string, force = false): void {
    if (!force && state === this.state && message === this.message) return;
    this.state = state;
    this.message = message;
    this.log(state === 'running' ? message : `${state}: ${message}`);
    this.server.broadcast({ type: 'status', state, message, companion: this.companionInfo() });
    this.emit('status', { state, message });
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.setStatus('paused', 'paused (press the pause hotkey again to resume)');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.setStatus('running', 'resumed');
  }

  togglePause(): void {
    if (this.paused) this.resume();
    else this.pause();
  }

  private onCommand(cmd: Command): void {
    switch (cmd.type) {
      case 'pause':
        this.pause();
        break;
      case 'resume':
        this.resume();
        break;
      case 'toggle-pause':
        this.togglePause();
        break;
      case 'capture':
        void this.captureNow().catch((err) => this.log(`capture failed: ${(err as Error).message}`));
        break;
      default:
        break;
    }
  }

  /** Grabs one frame: from the source, or from the demo while a window source has not found its window yet. */
  private async grab(): Promise<{ frame?: CapturedFrame; waiting?: string; demo?: boolean }> {
    const res = await this.source.grab();
    if (res.frame) return { frame: res.frame };
    const src = this.source;
    if (src instanceof WindowSource && !src.everFound && this.opts.demoFallback !== false) {
      this.demo ??= await new DemoSource({ seed: this.opts.seed, width: this.opts.demoSize?.width, height: this.opts.demoSize?.height, stepSeconds: this.opts.demoStepSeconds }).init();
      const d = await this.demo.grab();
      if (d.frame) return { frame: d.frame, waiting: `${res.waiting}; showing the demo scenes until one appears`, demo: true };
    }
    return { waiting: res.waiting };
  }

  private async loop(): Promise<void> {
    const interval = this.opts.intervalMs ?? 33;
    while (!this.stopped) {
      const started = performance.now();
      try {
        if (this.paused) {
          await sleep(100);
          continue;
        }
        if (this.outsideRuns === 0 && this.models.applyPending().length > 0) this.pipeline.resetLabels();
        const g = await this.grab();
        if (this.stopped) break;
        if (!g.frame) {
          this.setStatus('waiting-for-window', g.waiting!);
          await sleep(500);
          continue;
        }
        if (g.waiting) this.setStatus('waiting-for-window', g.waiting);
        else if (this.state !== 'running' || this.message.startsWith('starting')) this.setStatus('running', `capturing ${describeFrame(g.frame)}`);
        const p = this.markTasks(await this.pipeline.process(g.frame));
        if (this.stopped) break;
        const frameId = ++this.frameId;
        this.lastFrame = p;
        this.lastFrameId = frameId;
        const f = p.frame;
        this.server.publishFrame({
          frameId,
          capturedAt: f.capturedAt,
          window: { x: f.window.x, y: f.window.y, width: f.window.width, height: f.window.height, scaleFactor: f.window.scaleFactor },
          detections: p.detections,
          stagesMs: p.stagesMs,
          source: f.source,
          detector: p.detector,
        });
        this.emit('frame', { ...p, frameId });
        this.lastError = '';
        // Real frames only (never the demo scenes); saved off the frame's critical path.
        if (this.collector && f.source !== 'demo' && !g.demo) {
          const c = this.collector;
          void c.offer(f.image).then(
            (file) => file && this.setStatus(this.state, `capturing ${describeFrame(f)}; ${c.describe()}`),
            (err) => this.log(`collecting a frame failed: ${(err as Error).message}`),
          );
        }
      } catch (err) {
        const m = `frame failed: ${(err as Error).message.split('\n')[0]}`;
        if (m !== this.lastError) {
          this.lastError = m;
          this.setStatus(this.state === 'paused' ? 'paused' : 'running', m);
        }
        await sleep(250);
      }
      const wait = interval - (performance.now() - started);
      if (wait > 0) await sleep(wait);
      else await new Promise((r) => setImmediate(r)); // let sockets, timers and hotkeys run
    }
  }

  /**
   * Saves the current frame (full resolution) with a VOC file of its detections under
   * <root>/raw/screenshots/, then sends a `capture` message. While paused or before the first frame,
   * grabs and processes a fresh frame first.
   */
  async captureNow(): Promise<SavedCapture> {
    let p = this.lastFrame;
    // A fresh frame when paused, stale, or when the last frame's boxes were carried by the tracker (a
    // capture's labels come from a detector run).
    if (!p || this.paused || Date.now() - p.frame.capturedAt > 2000 || p.detector === 'tracked') {
      this.outsideRuns++;
      try {
        const g = await this.grab();
        if (!g.frame) throw new Error(`nothing to capture: ${g.waiting}`);
        p = await this.pipeline.process(g.frame, { fresh: true });
      } finally {
        this.outsideRuns--;
      }
    }
    const saving = saveCapture(this.opts.root ?? DEFAULT_ROOT, p.frame.image, this.ownToonLabelled(p));
    this.saving.add(saving);
    const saved = await saving.finally(() => this.saving.delete(saving));
    this.log(`saved ${saved.file} with ${saved.objects.length} object${saved.objects.length === 1 ? '' : 's'} (${saved.xml})`);
    this.server.broadcast({ type: 'capture', file: saved.file, xml: saved.xml, objects: saved.objects });
    this.emit('capture', saved);
    return saved;
  }

  /** The frame with the companion's marks on its Cogs (tasks, tasksUnsure, invasion), while it is on. */
  private markTasks(p: ProcessedFrame): ProcessedFrame {
    return this.companion.started ? { ...p, detections: markDetections(p.detections, this.companion.status()) } : p;
  }

  /** A capture's detections with the player's own Toon labelled by its species, when the companion knows it and the Toon can be told apart. */
  private ownToonLabelled(p: ProcessedFrame): ProcessedFrame['detections'] {
    const species = this.companion.started ? this.companion.status().toon?.species : undefined;
    if (!species) return p.detections;
    const own = labelOwnToon(p.detections, p.frame.image.width, p.frame.image.height, species);
    this.log(own.picked >= 0 ? `capture: the player's own Toon labelled toon_${species.toLowerCase()} (${own.reason})` : `capture: own Toon not labelled (${own.reason})`);
    return own.detections;
  }

  /** The current models' predictions on a still image (the labelling page), never during a model swap. */
  async predictStill(image: RgbImage): Promise<LabelObject[]> {
    this.outsideRuns++;
    try {
      return await predictObjects(image, this.models);
    } finally {
      this.outsideRuns--;
    }
  }

  /** tf.memory() and RSS, for the soak run. */
  memory(): { numTensors: number; numBytes: number; rssMB: number } {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes, rssMB: Math.round(process.memoryUsage().rss / 1048576) };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.hotkeys?.stop();
    this.companion.stop();
    // The frame in flight is finished (or dropped: a capture that never returns, a hung capture tool,
    // must not keep the agent from stopping), and a capture being saved is finished, within a second.
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((r) => (timer = setTimeout(r, STOP_WAIT_MS)));
    await Promise.race([Promise.all([this.loopDone, ...this.saving, this.retrainJob.stop(STOP_WAIT_MS - 100)]), cap]);
    clearTimeout(timer);
    await this.server.close();
    await this.models.close();
    this.source.close();
    this.demo?.close();
  }
}

function describeFrame(f: CapturedFrame): string {
  if (f.source === 'window') return `the window '${f.title ?? ''}' (${f.window.width}x${f.window.height} at ${f.window.x},${f.window.y})`;
  if (f.source === 'folder') return `screenshots from a folder`;
  return `the ${f.source} (${f.window.width}x${f.window.height})`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
