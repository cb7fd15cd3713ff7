// `toonvision bench train|infer|live|accuracy|real` (contract: ../shared/CLI.md, "Benchmarks").
import { Option, type Command } from 'commander';
import { ACCURACY_DEFAULTS, runAccuracyBench } from '../bench/accuracy.ts';
import { runCaptureBench } from '../bench/capture.ts';
import { writeMovingFrames } from '../bench/frames.ts';
import { runInferBench } from '../bench/infer.ts';
import { Agent } from '../agent/index.ts';
import { runLiveBench } from '../bench/live.ts';
import { runTrackBench } from '../bench/track.ts';
import { defaultRealDir, runRealBench } from '../bench/real.ts';
import { runNametagBench } from '../bench/nametags.ts';
import { ModelSet } from '../predict/models.ts';
import { openTagReader, READERS, type ReaderKind } from '../nametag/read.ts';
import path from 'node:path';
import { REALISM_TARGET, runRealismBench } from '../bench/realism.ts';
import { existsSync } from 'node:fs';
import { initEngine } from '../engine/index.ts';
import { RETRAIN_SYNTHETIC_DEFAULT, RETRAIN_TASKS } from '../train/retrain.ts';
import { runTrainBench } from '../bench/train.ts';
import { RUNTIMES, type RuntimeName } from '../engine/index.ts';
import { PRESETS, type Preset } from '../model/architectures.ts';
import { CLASSIFIER_TASKS, type ClassifierTask, type Task } from '../taxonomy.ts';
import { makeProgress } from '../train/progress.ts';
import { log, parseIntOption, parseListOption, parseNumberOption, parsePositiveInt, printJson, RunError, UsageError } from './common.ts';

function runtimeOption(): Option {
  return new Option('--runtime <R>', 'inference runtime: onnxruntime or tfjs (default: ONNX Runtime where it loads)').choices([...RUNTIMES]);
}

function archOption(): Option {
  return new Option('--arch <ARCH>', 'network: seed (the article\'s CNN, 600x200x3) or fast').choices([...PRESETS]).default('seed');
}

export function register(program: Command): void {
  const bench = program.command('bench').description('measure training, inference and live-agent speed, and classifier accuracy');

  bench
    .command('train')
    .description('training throughput (forward, backward, Adam) of a binary classifier on random data')
    .addOption(archOption())
    .option('--batch <N>', 'batch size', parsePositiveInt('--batch'), 32)
    .option('--steps <N>', 'timed training steps after one warm-up step', parsePositiveInt('--steps'), 5)
    .option('--no-profile', 'skip the per-kernel profile of one extra step (topKernelsMs)')
    .option('--json', 'print one JSON document')
    .action(async (opts: { arch: Preset; batch: number; steps: number; profile: boolean; json?: boolean }) => {
      if (!opts.json) log(`bench train: ${opts.arch}, batch ${opts.batch}, ${opts.steps} steps after a warm-up step...`);
      const r = await runTrainBench({ arch: opts.arch, batch: opts.batch, steps: opts.steps, profile: opts.profile });
      if (opts.json) return printJson(r);
      process.stdout.write(
        `${r.arch} ${r.inputShape.join('x')} batch ${r.batch} on ${r.backend} (${r.threads} thread${r.threads > 1 ? 's' : ''}): ` +
          `${r.imagesPerSecond} images/s (${r.msPerStep} ms per step; ${r.cpuImagesPerSecond} images/s on CPU time)\n`,
      );
      if (r.topKernelsMs) {
        process.stdout.write('slowest kernels in one step (ms):\n');
        for (const [name, ms] of Object.entries(r.topKernelsMs)) process.stdout.write(`  ${name.padEnd(28)} ${ms}\n`);
      }
    });

  bench
    .command('infer')
    .description('inference time of a binary classifier: one crop and a batch of 32')
    .addOption(archOption())
    .option('--runs <N>', 'timed runs per figure (median reported)', parsePositiveInt('--runs'), 30)
    .addOption(runtimeOption())
    .option('--threads <N>', 'ONNX Runtime intra-op threads (default: one core in four, at least 1)', parsePositiveInt('--threads'))
    .option('--json', 'print one JSON document')
    .action(async (opts: { arch: Preset; runs: number; runtime?: RuntimeName; threads?: number; json?: boolean }) => {
      const r = await runInferBench({ arch: opts.arch, runs: opts.runs, ...(opts.runtime ? { runtime: opts.runtime } : {}), ...(opts.threads ? { threads: opts.threads } : {}) });
      if (opts.json) return printJson(r);
      const on = r.runtime === 'onnxruntime' ? `ONNX Runtime (${r.threads} thread${r.threads === 1 ? '' : 's'})` : `TensorFlow.js ${r.backend}`;
      process.stdout.write(`${r.arch} ${r.inputShape.join('x')} on ${on}: ${r.msPerCrop} ms per crop (${r.cpuMsPerCrop} ms CPU), ${r.msPerBatch32} ms per batch of 32\n`);
    });

  bench
    .command('live')
    .description('end-to-end agent latency: capture, detect, classify, publish')
    .option('--source <SOURCE>', 'frame source: demo, screen, window or folder:DIR', 'demo')
    .option('--seconds <S>', 'how long to measure', parseNumberOption('--seconds'), 10)
    .option('--models <DIR>', 'models folder')
    .option('--window <TITLE>', 'game window title for --source window')
    .option('--warmup <S>', 'seconds of warm-up excluded from the figures', parseNumberOption('--warmup'))
    .option('--interval <MS>', 'minimum ms between frames (default 0: as fast as the pipeline keeps up; 100 runs both runtimes at 10 fps)', parseNumberOption('--interval'))
    .addOption(runtimeOption())
    .option('--detect-every <N>', 'run the detector on every Nth frame, the tracker moving the characters in between (default: 2 for the real-game detector, 1 for the synthetic one)', parsePositiveInt('--detect-every'))
    .option('--json', 'print one JSON document')
    .option('--no-nametags', 'do not read the Cogs\' nametags (to measure what reading them costs)')
    .action(async (opts: { source: string; seconds: number; models?: string; window?: string; warmup?: number; interval?: number; runtime?: RuntimeName; detectEvery?: number; nametags: boolean; json?: boolean }) => {
      if (!(opts.seconds > 0)) throw new UsageError(`--seconds must be more than 0, got ${opts.seconds}`);
      const r = await runLiveBench({
        source: opts.source,
        seconds: opts.seconds,
        ...(opts.models ? { models: opts.models } : {}),
        ...(opts.window ? { title: opts.window } : {}),
        ...(opts.warmup !== undefined ? { warmupSeconds: opts.warmup } : {}),
        ...(opts.runtime ? { runtime: opts.runtime } : {}),
        ...(opts.interval !== undefined ? { intervalMs: opts.interval } : {}),
        ...(opts.nametags === false ? { nametags: false } : {}),
        ...(opts.detectEvery !== undefined ? { detectEvery: opts.detectEvery } : {}),
        log: (m: string) => log(m),
      }, (o) => Agent.start(o));
      if (opts.json) return printJson(r);
      process.stdout.write(
        `${r.runtime}: ${r.frames} frames, ${r.fps} fps, ${r.cpuMsPerFrame} ms CPU per frame, latency p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms ` +
          `(capture ${r.stagesMs.capture}, detect ${r.stagesMs.detect}, classify ${r.stagesMs.classify}, publish ${r.stagesMs.publish} ms)\n`,
      );
    });

  bench
    .command('frames')
    .description('write a folder of moving frames (a camera panning and zooming across one real screenshot) for bench live --source folder:DIR')
    .requiredOption('--from <IMAGE>', 'the real screenshot to pan across (upscaled as needed)')
    .requiredOption('--out <DIR>', 'folder for frame-0001.png and on (created)')
    .option('--size <WxH>', 'frame size, as a player\'s window', '1920x1080')
    .option('--frames <N>', 'how many frames (bench live replays them in a loop; the folder source keeps up to 256 MB of them decoded)', parsePositiveInt('--frames'), 40)
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
The camera moves every frame: across the screenshot and back, down once, zooming 1x to 1.15x and back.
JSON: {"out", "frames", "width", "height", "source": {"file", "width", "height"}, "panPerFrame"}. Then:
toonvision bench live --source folder:DIR --warmup S --seconds S --json (give a warm-up long enough for
one pass through the folder: the first pass decodes the PNGs).`)
    .action(async (opts: { from: string; out: string; size: string; frames: number; json?: boolean }) => {
      const m = /^(\d+)x(\d+)$/.exec(opts.size);
      if (!m || Number(m[1]) < 16 || Number(m[2]) < 16) throw new UsageError(`--size must be WIDTHxHEIGHT (at least 16x16), got '${opts.size}'`);
      if (!existsSync(opts.from)) throw new RunError(`${opts.from}: no such image`);
      const r = await writeMovingFrames({ from: opts.from, out: opts.out, width: Number(m[1]), height: Number(m[2]), frames: opts.frames });
      if (opts.json) return printJson(r);
      process.stdout.write(`${r.frames} frames of ${r.width}x${r.height} in ${r.out} (camera moves ${r.panPerFrame} source pixels per frame across ${r.source.width}x${r.source.height})\n`);
    });

  bench
    .command('track')
    .description('what detecting every Nth frame costs in boxes and what tracking saves in classifications, on a folder of moving frames')
    .requiredOption('--source <folder:DIR>', 'folder of moving frames (made by bench frames), replayed in name order')
    .option('--detect-every <N>', 'the compared pipeline runs the detector on every Nth frame', parsePositiveInt('--detect-every'), 2)
    .option('--passes <N>', 'passes through the folder', parsePositiveInt('--passes'), 1)
    .option('--models <DIR>', 'models folder')
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Two pipelines with the same models see the same frames: one detects on every frame, the other on every
Nth, the tracker moving the characters on in between. On the frames it coasted, its boxes are matched to
the detector's (same kind, IoU >= 0.5). JSON: {"frames", "detectEvery", "coastedFrames", "detectorBoxes",
"matched", "recall", "extra", "meanIou", "staleRecall", "staleMeanIou" (the frame before's boxes left
where they were), "sameFineLabel", "detectionsPerFrame", "classifiedPerFrame"}.`)
    .action(async (opts: { source: string; detectEvery: number; passes: number; models?: string; json?: boolean }) => {
      if (!opts.source.startsWith('folder:') || opts.source.length <= 'folder:'.length) throw new UsageError(`--source must be folder:DIR, got '${opts.source}'`);
      const r = await runTrackBench({ dir: opts.source.slice('folder:'.length), detectEvery: opts.detectEvery, passes: opts.passes, ...(opts.models ? { models: opts.models } : {}) });
      if (opts.json) return printJson(r);
      process.stdout.write(
        `detector on every ${r.detectEvery} frames: on ${r.coastedFrames} coasted frames the moved boxes found ${r.matched} of the detector's ${r.detectorBoxes} (recall ${r.recall}, mean IoU ${r.meanIou}, ` +
          `same fine label ${r.sameFineLabel}, ${r.extra} of the moved boxes extra; the frame before's boxes unmoved: recall ${r.staleRecall}, mean IoU ${r.staleMeanIou}); ${r.classifiedPerFrame} of ${r.detectionsPerFrame} characters per frame classified afresh\n`,
      );
    });

  bench
    .command('capture')
    .description("the capture stage at the window's real size: grab (with the RGBA to RGB conversion), the conversion alone, the detector's letterbox")
    .option('--source <SOURCE>', 'frame source: window, screen, demo or folder:DIR', 'window')
    .option('--window <TITLE>', 'game window title for --source window')
    .option('--frames <N>', 'frames measured (after one warm-up frame)', parsePositiveInt('--frames'), 30)
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
JSON: {"source", "frames", "width", "height", "ms": {"grab", "rgbaToRgb", "letterbox"} (medians),
"cpuMs": {"grab", "rgbaToRgb", "letterbox"} (means), "inputSize"}.`)
    .action(async (opts: { source: string; window?: string; frames: number; json?: boolean }) => {
      const r = await runCaptureBench({ source: opts.source, frames: opts.frames, ...(opts.window ? { title: opts.window } : {}) });
      if (opts.json) return printJson(r);
      process.stdout.write(
        `${r.source} ${r.width}x${r.height}: grab ${r.ms.grab} ms (${r.cpuMs.grab} ms CPU), RGBA to RGB ${r.ms.rgbaToRgb} ms, letterbox to ${r.inputSize} ${r.ms.letterbox} ms (${r.cpuMs.letterbox} ms CPU)\n`,
      );
    });

  const d = ACCURACY_DEFAULTS;
  bench
    .command('accuracy')
    .description('classifier accuracy of the fast preset on an unseen synthetic seed, and its training time')
    .option('--tasks <list>', 'classifier tasks', parseListOption('--tasks', CLASSIFIER_TASKS), [...CLASSIFIER_TASKS])
    .option('--train-scenes <N>', 'synthetic scenes to train on', parsePositiveInt('--train-scenes'), d.trainScenes)
    .option('--train-seed <S>', 'seed of the training scenes', parseIntOption('--train-seed'), d.trainSeed)
    .option('--test-scenes <N>', 'synthetic scenes to test on', parsePositiveInt('--test-scenes'), d.testScenes)
    .option('--test-seed <S>', 'seed of the test scenes (must differ from --train-seed)', parseIntOption('--test-seed'), d.testSeed)
    .option('--seed <S>', 'seed of weights, shuffling and augmentation', parseIntOption('--seed'), d.seed)
    .option('--epochs <N>', 'epochs of every task (default: the fast preset\'s per task)', parsePositiveInt('--epochs'))
    .option('--work <DIR>', 'keep data roots and models here; later runs reuse the data roots')
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Generates the training scenes and the test scenes (about 0.1 s each), extracts and splits their crops,
trains each task with the fast preset (the time reported is the training command's, loading included)
and evaluates it on every crop of the test scenes. Targets: binary 99.5%, suit 99%, name and animal
97%, each trained within 15 minutes. JSON: {"preset", "backend", "train": {"scenes", "seed", "crops"},
"test": {...}, "budgetSeconds", "tasks": [{"task", "epochs", "trainCrops", "validateCrops", "testCrops",
"trainSeconds", "accuracy", "loss", "target", "met", "withinBudget"}], "work"}.`)
    .action(async (opts: { tasks: ClassifierTask[]; trainScenes: number; trainSeed: number; testScenes: number; testSeed: number; seed: number; epochs?: number; work?: string; json?: boolean }) => {
      if (opts.trainSeed === opts.testSeed) throw new UsageError(`--test-seed must differ from --train-seed (both ${opts.testSeed}): the test scenes must be unseen`);
      const r = await runAccuracyBench({ ...opts, progress: makeProgress() });
      if (opts.json) return printJson(r);
      for (const t of r.tasks) {
        process.stdout.write(
          `${t.task.padEnd(7)} ${(t.accuracy * 100).toFixed(2)}% on ${t.testCrops} crops of seed ${r.test.seed} (target ${(t.target * 100).toFixed(1)}%: ${t.met ? 'met' : 'NOT met'}), ` +
            `trained in ${t.trainSeconds.toFixed(0)} s (${t.withinBudget ? 'within' : 'OVER'} ${r.budgetSeconds / 60} min)\n`,
        );
      }
    });

  bench
    .command('realism')
    .description("how real scenes look: a Toon/Cog judge trained only on real screenshots (the article's binary model) scores their crops")
    .requiredOption('--dir <DIR[,DIR...]>', 'labelled scenes (image + VOC .xml), e.g. the output of toonvision render')
    .requiredOption('--judge <FILE|DIR>', "the judge: a Keras .keras/.h5 binary model (imported into a temporary folder) or a binary model folder")
    .option('--limit <N>', 'score only the first N scenes', parsePositiveInt('--limit'))
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Crops are cut as 'extract' cuts them (each box as labelled; difficult objects left out) and classified
Toon or Cog by the judge, which is only run, never trained. Target on rendered scenes: ${REALISM_TARGET * 100}% (the
article's model gets 93% on real crops). JSON: {"dirs", "judge", "screenshots", "crops", "accuracy",
"target", "met", "cog": {"crops", "correct", "accuracy"}, "toon": {...}, "bySize": {"small" (< 60 px
high), "medium", "large" (>= 150 px)}, "byLabel": {label: {...}}, "difficult", "unlabelled", "errors",
"msPerCrop"}.`)
    .action(async (opts: { dir: string; judge: string; limit?: number; json?: boolean }) => {
      const dirs = opts.dir.split(',').map((d) => d.trim()).filter(Boolean);
      for (const d of dirs) if (!existsSync(d)) throw new RunError(`${d}: no such folder`);
      if (!existsSync(opts.judge)) throw new RunError(`${opts.judge}: no such judge model`);
      const quiet = opts.json === true && !process.stderr.isTTY;
      const r = await runRealismBench({ dirs, judge: opts.judge, ...(opts.limit ? { limit: opts.limit } : {}), onScreenshot: (done, total) => {
        if (!quiet && (done % 50 === 0 || done === total)) log(`bench realism: ${done}/${total} scenes`);
      } });
      if (opts.json) return printJson(r);
      const pct = (t: { accuracy: number | null; crops: number }) => (t.accuracy === null ? '-' : `${(t.accuracy * 100).toFixed(1)}% of ${t.crops}`);
      process.stdout.write(
        `judge ${opts.judge} on ${r.crops} crops of ${r.screenshots} scenes: ${pct(r)} (target ${r.target * 100}%: ${r.met ? 'met' : 'NOT met'})\n` +
          `cog ${pct(r.cog)}, toon ${pct(r.toon)}; small ${pct(r.bySize.small)}, medium ${pct(r.bySize.medium)}, large ${pct(r.bySize.large)}\n`,
      );
      for (const e of r.errors) log(`bench realism: ${e.file}: ${e.reason}`);
    });

  bench
    .command('real')
    .description('the models on labelled real ToonTown screenshots: detection AP@0.5 (cog, toon, any character) and each task\'s accuracy on the real boxes')
    .option('--dir <DIR>', 'labelled real screenshots (image + VOC .xml); default ../shared/fixtures/real-eval/screenshots when present')
    .option('--models <DIR>', "the player's models folder; tasks missing there come from the shipped models/demo/", 'models')
    .option('--folds <K>', 'cross-validate retrain: K times, retrain on K-1 parts of the screenshots (fresh models folder), score the held-out part', parsePositiveInt('--folds'))
    .option('--tasks <list>', 'with --folds: the tasks retrain trains', parseListOption('--tasks', RETRAIN_TASKS))
    .option('--epochs <N>', 'with --folds: epochs of every task', parsePositiveInt('--epochs'))
    .option('--seed <S>', 'with --folds: seed of the folds and of training', parseIntOption('--seed'), 1)
    .option('--synthetic <N>', 'with --folds: synthetic scenes retrain learns from beside the screenshots', parseIntOption('--synthetic'), RETRAIN_SYNTHETIC_DEFAULT)
    .option('--cog-heads <DIR>', 'with --folds: real Cog head renders for the synthetic Cogs (default ../shared/fixtures/real-eval/cog-heads when present)')
    .option('--base <DIR>', 'with --folds: keep the base (the stand-in for the shipped models that never saw these screenshots) and the synthetic scenes here, and reuse them in later runs')
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
With --folds K: the screenshots are dealt into K parts; K times, a player's models folder holding the
base is retrained (every task of --tasks) on the other parts, and the held-out part is scored by the
retrained models and by the base, so that the gain is one number per figure. The base is the shipped
models with every model that saw these screenshots replaced by one made as the shipped one was, without
them (the pretrained detector's rescorer refitted on the shipped one's other real folders; a classifier
retrained by demo-models with its scenes and seed): "shipped" never means "has seen the test part".
JSON adds "folds": {"k", "seed", "base": {task: where it comes from}, "retrain": [{"fold", "train",
"test", "installed", "seconds", "messages": {task: what retrain told the player}}], "shipped": {"detection",
"tasks"} (the base on the same parts), "gain": {"mAP50", "any", task...} (retrained minus base), "perFold":
[{"fold", "retrained", "shipped", "gain"}]}.

Detection goes through the agent's cascade (detector boxes, relabelled Cog or Toon by the binary model)
and is scored as Pascal VOC AP@0.5; objects marked difficult are never scored. Each classifier is scored
on the hand-drawn boxes whose labels inform it (binary: all; suit: cog_<suit> and finer; name, animal:
fine labels). Targets on screenshots never trained on: mAP@0.5 0.6, any-character AP@0.5 0.7; binary and
suit 95%, name and animal 60%. JSON: {"dir", "screenshots", "objects", "difficult", "detection": {"mAP50",
"cog", "toon", "any", "anyRecall", "anyPrecision"}, "tasks": {task: {"accuracy", "correct", "boxes",
"target"}}, "msPerScreenshot", "backend", "models", "folds"?}.`)
    .action(async (opts: { dir?: string; models: string; folds?: number; tasks?: Task[]; epochs?: number; seed: number; synthetic: number; cogHeads?: string; base?: string; json?: boolean }) => {
      const dir = opts.dir ?? defaultRealDir();
      if (!dir) throw new UsageError('no --dir given and ../shared/fixtures/real-eval/screenshots is not there');
      if (!existsSync(dir)) throw new RunError(`${dir}: no such folder`);
      await initEngine();
      const r = await runRealBench({ dir, models: opts.models, folds: opts.folds, tasks: opts.tasks, epochs: opts.epochs, seed: opts.seed, synthetic: opts.synthetic, cogHeads: opts.cogHeads ?? defaultRealDir('cog-heads'), base: opts.base, progress: makeProgress({ quiet: opts.json === true && !process.stderr.isTTY }) });
      if (opts.json) return printJson(r);
      const f = (x: number | null) => (x === null ? '-' : x.toFixed(3));
      process.stdout.write(
        `${r.screenshots} screenshots, ${r.objects} scored objects (${r.difficult} difficult)${r.folds ? `, ${r.folds.k}-fold cross-validation of retrain` : ''}\n` +
          `detection: mAP@0.5 ${f(r.detection.mAP50)} (cog ${f(r.detection.cog)}, toon ${f(r.detection.toon)}; target ${r.targets.mAP50}), any character AP@0.5 ${f(r.detection.any)} (target ${r.targets.anyAP50})\n`,
      );
      for (const [t, a] of Object.entries(r.tasks)) {
        process.stdout.write(`${t.padEnd(7)} ${a.accuracy === null ? '-' : `${(a.accuracy * 100).toFixed(1)}%`} on ${a.boxes} real boxes (target ${(a.target * 100).toFixed(0)}%)\n`);
      }
      if (r.folds?.shipped && r.folds.gain) {
        const g = (x: number | null | undefined, p = false) => (x === null || x === undefined ? '-' : `${x >= 0 ? '+' : ''}${p ? `${(x * 100).toFixed(1)} pts` : x.toFixed(3)}`);
        const s = r.folds.shipped;
        process.stdout.write(`base (shipped stand-in) on the same screenshots: mAP@0.5 ${f(s.detection.mAP50)}, any ${f(s.detection.any)}; retrain gains mAP ${g(r.folds.gain.mAP50)}, any ${g(r.folds.gain.any)}\n`);
        for (const t of Object.keys(r.tasks) as (keyof typeof r.tasks)[]) {
          const a = s.tasks[t];
          process.stdout.write(`  ${t.padEnd(7)} base ${a.accuracy === null ? '-' : `${(a.accuracy * 100).toFixed(1)}%`} -> retrained ${r.tasks[t].accuracy === null ? '-' : `${(r.tasks[t].accuracy! * 100).toFixed(1)}%`} (${g(r.folds.gain[t], true)})\n`);
        }
        for (const p of r.folds.perFold ?? []) process.stdout.write(`fold ${p.fold + 1}: mAP@0.5 ${f(p.shipped.detection.mAP50)} -> ${f(p.retrained.detection.mAP50)} (${g(p.gain.mAP50)})\n`);
      }
      process.stdout.write(`${r.msPerScreenshot.toFixed(0)} ms per screenshot on ${r.backend}\n`);
    });

  bench
    .command('nametags')
    .description('the Cog nametag finder and reader on labelled frames: tags read, name, suit and level right, ms per tag')
    .option('--dir <DIR>', 'labelled frames (image + VOC .xml, optional nametags.tsv); default ../shared/fixtures/real')
    .addOption(new Option('--reader <R>', 'tag reader: model or tesseract').choices([...READERS]).default('model'))
    .option('--models <DIR>', "models folder: its nametag/ reader, else the shipped one", 'models')
    .option('--labels', "also the Cogs' suit and name from the body classifiers alone (the models folder's, else the shipped ones) and with the tags fused in")
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
Each Cog's tag is looked for above its VOC box and read, then again from the whole frame (tags found
anywhere, given to the boxes under them). A Cog's fine label gives its name and suit; nametags.tsv (the
shared fixtures' format) lists the legible tags and their levels (without it every finely labelled Cog
counts). A read counts when its score is at least 0.6. JSON: {"dir", "reader", "frames", "tags",
"levels", "cogs", "read", "correct": {"name", "suit", "level"}, "wrong", "toonsReadAsCogs", "msPerTag",
"fromFrame": {"read", "correct", "wrong", "toonsReadAsCogs", "msPerFrame"}, "failed"}. "wrong" counts
sure reads that contradict a label, over every Cog in the VOC files (legible or not). "tracked": {"frames",
"cogsPerFrame", "msPerFrame", "readsPerFrame"}: each frame played 30 times with its Cogs tracked, as the
live agent reads tags (once per track, again when unsure). With --labels: "labels": {"suitBoxes",
"nameBoxes", "body": {"suit", "name"}, "withTags": {"suit", "name"}} (boxes right, difficult ones left out).`)
    .action(async (opts: { dir?: string; reader: ReaderKind; models: string; labels?: boolean; json?: boolean }) => {
      const dir = opts.dir ?? path.join('..', 'shared', 'fixtures', 'real');
      if (!existsSync(dir)) throw new RunError(`${dir}: no such folder`);
      const reader = await openTagReader({ reader: opts.reader, models: opts.models });
      const body = opts.labels ? new ModelSet({ dir: opts.models, watch: false, nametags: false }) : undefined;
      try {
        if (body) await body.loadAll();
        const r = await runNametagBench(dir, reader, body && { suit: body.classifier('suit'), name: body.classifier('name') });
        if (opts.json) return printJson(r);
        const f = (c: { read: number; correct: { name: number; suit: number; level: number }; wrong: number }) =>
          `${c.read} read surely; right: name ${c.correct.name}, suit ${c.correct.suit}, level ${c.correct.level}/${r.levels}; ${c.wrong} wrong`;
        process.stdout.write(
          `${r.frames} frames, ${r.tags} legible tags (${r.cogs} Cogs), reader ${r.reader}\n` +
            `from each box: ${f(r)}; ${r.msPerTag} ms per tag\n` +
            `from the whole frame: ${f(r.fromFrame)}; ${r.fromFrame.msPerFrame} ms per frame\n` +
            `live, tracked: ${r.tracked.msPerFrame} ms per frame added with ${r.tracked.cogsPerFrame} Cogs in view (${r.tracked.readsPerFrame} tags read per frame)\n` +
            (r.toonsReadAsCogs || r.fromFrame.toonsReadAsCogs ? `Toons read as Cogs: ${r.toonsReadAsCogs} (box), ${r.fromFrame.toonsReadAsCogs} (frame)\n` : '') +
            (r.labels ? `Cogs' suit right: ${r.labels.body.suit}/${r.labels.suitBoxes} body alone, ${r.labels.withTags.suit}/${r.labels.suitBoxes} with tags; name: ${r.labels.body.name}/${r.labels.nameBoxes}, ${r.labels.withTags.name}/${r.labels.nameBoxes}\n` : ''),
        );
        for (const b of r.failed) log(`skipped ${b.file}: ${b.reason}`);
      } finally {
        await reader.dispose();
        await body?.close();
      }
    });
}
