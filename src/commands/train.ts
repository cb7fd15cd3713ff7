// `toonvision train | evaluate | retrain | demo-models`: the training module (src/train/).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_ROOT, SPLITS } from '../dataset/layout.ts';
import type { Split } from '../dataset/layout.ts';
import { PRESETS } from '../model/architectures.ts';
import type { Preset } from '../model/architectures.ts';
import { TASKS } from '../taxonomy.ts';
import type { Task } from '../taxonomy.ts';
import { runTraining } from '../train/experiment.ts';
import { trainDetectorTask } from '../train/detector-task.ts';
import { demoModels } from '../train/demo.ts';
import { MIN_JUDGED_BOXES, MIN_JUDGED_SCREENSHOTS, MIN_RESCORE_SCREENSHOTS, retrain, RETRAIN_SYNTHETIC_DEFAULT, RETRAIN_TASKS } from '../train/retrain.ts';
import type { TaskOutcome } from '../train/retrain.ts';

/**
 * demo-models defaults. 400 scenes give the detector ~2,000 steps in 45 epochs (mAP@0.5 about 0.95 on
 * an unseen seed) and are plenty for binary and suit; `npm run train:demo` trains name and animal on
 * 1,600 scenes (what they need for 97%, see `bench accuracy`).
 */
export const DEMO_DEFAULTS = { scenes: 400, seed: 2024, detectorEpochs: 45 };
import { evaluateModelFolder } from '../train/evaluate-model.ts';
import { makeProgress } from '../train/progress.ts';
import type { Ratio } from '../train/split.ts';
import { log, parseIntOption, parseListOption, parseNumberOption, parsePositiveInt, printJson, RunError, UsageError } from './common.ts';
import { COMPARE_DEFAULTS, compareOptimizers } from '../train/compare-optimizers.ts';
import type { CompareOptimizersResult } from '../train/compare-optimizers.ts';
import { MISSING_OPTIMIZERS, MOMENTUM, OPTIMIZERS } from '../train/optimizers.ts';
import type { OptimizerName } from '../train/optimizers.ts';

function parseRatio(value: string): Ratio {
  const parts = value.split(',').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n) || n < 0) || parts[0]! <= 0 || parts.reduce((a, b) => a + b, 0) <= 0) {
    throw new InvalidArgumentError(`--ratio must be three non-negative numbers train,validate,test with train > 0, got '${value}'`);
  }
  return parts as Ratio;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

const TRAIN_HELP = `
Optimized (default) vs --baseline, as in the article: the optimized model augments the training
batches (seed: horizontal flip, rotation ±0.075 turn, zoom ±20%; fast: flip and zoom ±10%), has
dropout before the output layer (0.9 for seed, 0.25 for fast) and decays Adam's learning rate 1e-3
(seed: Keras' lr/(1+1e-5*iterations); fast: warm-up, then cosine to 5% at the last step); --baseline
turns all three off. Both use balanced class weights. The fast preset's default epochs follow the
training set: 1,200 optimizer steps for binary and suit, 2,900 for name and animal, kept within 4-60
epochs.

--runs N re-splits all crops of <root>/data (stratified by label, --ratio, seed S+run), trains and
evaluates on the run's test split N times, and keeps the run whose test accuracy is higher AND test
loss lower than the best so far. With --runs 1 (default) the split folders are used as they are.
--compare trains N baseline runs and N optimized runs with the same splits and saves the best
optimized one: history.json then holds both groups and comparison.png shows their box plots.

DIR receives model.json, weights.bin, metadata.json, history.json (every run's per-epoch history and
test evaluation), curves.png (loss/accuracy, train vs validation, mean over runs), comparison.png (box
plots of test accuracy and loss over runs; with --runs > 1 or --compare), confusion.png and wrong.png
(the best run's wrong test predictions, highest error E first, with the output A). DIR is replaced
atomically when everything is written.

--compare-optimizers [LIST] is the article's choice of an optimizer: the task's baseline network
(no augmentation, dropout or decay) is trained once per optimizer of LIST (default: all of
${OPTIMIZERS.join(',')}) on the split folders as they are, from the same
initial weights and in the same batch order (--seed), for --epochs (default ${COMPARE_DEFAULTS.epochs}) at the static
learning rate --lr (default ${COMPARE_DEFAULTS.learningRate}). momentum is SGD with momentum ${MOMENTUM}; adadelta is
Zeiler's and Keras' (TensorFlow.js' own steps exactly as SGD). ${MISSING_OPTIMIZERS.map((n) => n[0]!.toUpperCase() + n.slice(1)).join(' and ')}, which the article
also tried, are not in TensorFlow.js. DIR (never a model folder) receives history.json (every run's
per-epoch loss and accuracy, training and validation) and optimizers.png (one line per optimizer, a
panel per metric and data set); nothing is saved as a model. A loss is 'flattened' when it fell by
less than 10% of its first epoch's value over the second half of the epochs while staying above 20%
of it. JSON: {"optimizers": [{"name", "finalLoss", "finalValLoss", "finalAccuracy",
"finalValAccuracy", "flattened"}], "task", "epochs", "learningRate", "dataset", "files", ...}.`;

function pad(v: number | null, digits = 4): string {
  return (v === null ? '-' : v.toFixed(digits)).padStart(9);
}

function printOptimizers(res: CompareOptimizersResult): void {
  process.stdout.write(`${res.task}: ${res.dataset.train} train, ${res.dataset.validate} validate crops, ${res.epochs} epochs at ${res.learningRate} -> ${res.out}\n`);
  process.stdout.write(`${'optimizer'.padEnd(10)}      loss  val_loss       acc   val_acc\n`);
  for (const o of res.optimizers) {
    process.stdout.write(`${o.name.padEnd(10)}${pad(o.finalLoss)}${pad(o.finalValLoss)}${pad(o.finalAccuracy)}${pad(o.finalValAccuracy)}${o.flattened ? '  flattened' : ''}\n`);
  }
}

const parseOptimizers = parseListOption('--compare-optimizers', OPTIMIZERS);

function parseRate(value: string): number {
  const n = parseNumberOption('--lr')(value);
  if (n <= 0) throw new InvalidArgumentError(`--lr must be above 0, got '${value}'`);
  return n;
}

export function register(program: Command): void {
  registerTrain(program);
  registerRetrain(program);
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a classifier (binary, suit, name, animal) or the detector from the split crops')
    .addOption(new Option('--task <task>', 'what to learn').choices([...TASKS]).makeOptionMandatory())
    .option('--root <dir>', 'data root', DEFAULT_ROOT)
    .addOption(new Option('--preset <preset>', 'architecture').choices([...PRESETS]).default('fast'))
    .option('--baseline', 'no augmentation, no dropout, no learning-rate decay')
    .option('--compare', 'train baseline and optimized runs (the article comparison); save the optimized best')
    .option('--epochs <n>', 'epochs per run (default 25 for seed; fast: 1,200 steps for binary/suit, 2,900 for name/animal, as 4-60 epochs; 20 with --compare-optimizers)', parsePositiveInt('--epochs'))
    .option('--runs <n>', 're-split and retrain N times, keep the best run', parsePositiveInt('--runs'), 1)
    .option('--seed <s>', 'seed of weights, shuffling, augmentation and re-splits', parseIntOption('--seed'), 1)
    .option('--ratio <r>', 'train,validate,test ratio of the re-splits of --runs', parseRatio)
    .option('--compare-optimizers [list]', `train once per optimizer (default all: ${OPTIMIZERS.join(',')}) and plot them together; Nadam and Ftrl are not in TensorFlow.js`, parseOptimizers)
    .option('--lr <rate>', `static learning rate of --compare-optimizers (default ${COMPARE_DEFAULTS.learningRate})`, parseRate)
    .requiredOption('--out <dir>', 'model folder to write (with --compare-optimizers: the folder of the plot and histories)')
    .option('--json', 'print one JSON summary on stdout')
    .addHelpText('after', TRAIN_HELP)
    .action(async (opts: { task: Task; root: string; preset: Preset; baseline?: boolean; compare?: boolean; epochs?: number; runs: number; seed: number; ratio?: Ratio; compareOptimizers?: OptimizerName[] | true; lr?: number; out: string; json?: boolean }) => {
      if (opts.baseline && opts.compare) throw new UsageError('--baseline and --compare do not go together (--compare trains both)');
      if (opts.lr !== undefined && !opts.compareOptimizers) throw new UsageError('--lr goes with --compare-optimizers');
      if (opts.compareOptimizers) {
        if (opts.task === 'detector') throw new UsageError('--compare-optimizers trains classifiers; the detector has its own optimizer');
        const clash = [opts.baseline && '--baseline', opts.compare && '--compare', opts.runs > 1 && '--runs', opts.ratio && '--ratio'].filter(Boolean);
        if (clash.length) throw new UsageError(`--compare-optimizers does not go with ${clash.join(', ')} (it trains the baseline once per optimizer on the split folders)`);
        const res = await compareOptimizers({
          root: opts.root,
          task: opts.task,
          preset: opts.preset,
          optimizers: opts.compareOptimizers === true ? undefined : opts.compareOptimizers,
          epochs: opts.epochs,
          learningRate: opts.lr,
          seed: opts.seed,
          out: opts.out,
          progress: makeProgress(),
        });
        if (opts.json) printJson(res);
        else printOptimizers(res);
        return;
      }
      if (opts.task === 'detector') {
        const summary = await trainDetectorTask({ root: opts.root, out: opts.out, epochs: opts.epochs, seed: opts.seed, log: opts.json ? undefined : log });
        if (opts.json) printJson(summary);
        return;
      }
      const summary = await runTraining({
        root: opts.root,
        task: opts.task,
        preset: opts.preset,
        baseline: opts.baseline,
        compare: opts.compare,
        epochs: opts.epochs,
        runs: opts.runs,
        seed: opts.seed,
        ratio: opts.ratio,
        out: opts.out,
        progress: makeProgress(),
      });
      if (opts.json) printJson(summary);
      else {
        log(`saved ${summary.out}: run ${summary.best.run} (${summary.best.group}) test accuracy ${pct(summary.testAccuracy)} loss ${summary.testLoss.toFixed(4)} (${summary.seconds.toFixed(0)} s)`);
        for (const [g, s] of Object.entries(summary.groups)) {
          if (s.runs > 1) log(`  ${g}: median test accuracy ${pct(s.medianAccuracy)}, median loss ${s.medianLoss.toFixed(4)} over ${s.runs} runs`);
        }
      }
    });

  program
    .command('evaluate')
    .description('evaluate a classifier model folder on a split: accuracy, loss, per-class figures, confusion, wrong predictions')
    .requiredOption('--model <dir>', 'model folder')
    .option('--root <dir>', 'data root', DEFAULT_ROOT)
    .addOption(new Option('--split <split>', 'which split').choices([...SPLITS]).default('test'))
    .option('--json', 'print one JSON document')
    .addHelpText('after', `
JSON: {"accuracy", "loss", "classes", "perClass": {class: {"precision", "recall", "f1", "support"}},
"confusion": [[true x predicted]], "wrong": [{"file", "label", "predicted", "error", "A", "output"}],
"count", "task", "model", "split"}; wrong is ranked by the error E (|y - A| for binary, 1 - P(true
class) otherwise); A is P(toon) for binary, the predicted class's probability otherwise.`)
    .action(async (opts: { model: string; root: string; split: Split; json?: boolean }) => {
      const ev = await evaluateModelFolder(opts.model, opts.root, opts.split);
      if (opts.json) {
        printJson(ev);
        return;
      }
      process.stdout.write(`${ev.task} model ${ev.model} on ${opts.root} ${ev.split}: accuracy ${pct(ev.accuracy)} loss ${ev.loss.toFixed(4)} (${ev.count} crops)\n`);
      process.stdout.write(`${'class'.padEnd(18)} precision recall  f1     support\n`);
      for (const c of ev.classes) {
        const m = ev.perClass[c]!;
        process.stdout.write(`${c.padEnd(18)} ${m.precision.toFixed(3).padStart(9)} ${m.recall.toFixed(3).padStart(6)} ${m.f1.toFixed(3).padStart(6)} ${String(m.support).padStart(7)}\n`);
      }
      for (const w of ev.wrong.slice(0, 20)) process.stdout.write(`wrong: ${w.file} ${w.label} -> ${w.predicted} E ${w.error.toFixed(3)} A ${w.A.toFixed(3)}\n`);
    });
}


const parseTasks = parseListOption('--tasks', TASKS);

export function registerRetrain(program: Command): void {
  program
    .command('retrain')
    .description('after a play session: extract new screenshots, learn from them in addition to what the models know, install what wins by more than the cross-validation spread')
    .option('--root <dir>', 'data root', DEFAULT_ROOT)
    .option('--tasks <list>', 'tasks to retrain', parseTasks, [...RETRAIN_TASKS])
    .option('--models <dir>', "the agent's models folder (one folder per task)", 'models')
    .option('--epochs <n>', 'passes over the training crops of each fine-tuning (default: 300 steps of 64 crops) or training from scratch (default: the fast preset\'s)', parsePositiveInt('--epochs'))
    .option('--seed <s>', 'seed of the split and the training', parseIntOption('--seed'))
    .option('--detector-seconds <s>', 'time budget for the detector', parsePositiveInt('--detector-seconds'), 300)
    .option('--synthetic <n>', 'synthetic street scenes learnt together with your captures (made once into <root>/synthetic/; 0: none)', parseIntOption('--synthetic'), RETRAIN_SYNTHETIC_DEFAULT)
    .option('--cog-heads <dir>', 'real Cog head renders (cog_<suit>_<name>.png) that the synthetic Cogs wear')
    .option('--renders <dirs>', 'comma-separated folders of scenes rendered from the game\'s own models (toonvision render --assets on your installation): their crops are learnt from beside the synthetic ones', (v: string) => v.split(',').filter(Boolean))
    .option('--json', 'print one JSON document')
    .option('--progress-json', 'progress on stderr as JSON lines: {"phase","task"?,"epoch"?,"epochs"?,"step"?,"total"?,"secondsLeft"?,"installed"?,"message"} (see docs/training.md)')
    .addHelpText('after', `
Learns in addition to what the models the agent runs know, never instead: the pretrained detector's
rescorer is fitted on the union of the cells its shipped fit learnt from (rescore-base.json) and your
screenshots; each classifier is fine-tuned from the model the agent runs (its output layer) on your
crops together with crops of synthetic street scenes (training data only). Each is judged by
cross-validation over your labelled screenshots (5 folds, the boxes of one screenshot never on both
sides; only screenshots the current model has not learnt from are scored) against the model the agent
runs (<models>/<task>, else the shipped models/demo/<task>), and swapped in by rename only when it
wins by more than the folds' spread (the standard error of the per-fold differences). With too little
to tell (under ${MIN_RESCORE_SCREENSHOTS} new screenshots for the detector, under ${MIN_JUDGED_BOXES} boxes in ${MIN_JUDGED_SCREENSHOTS} screenshots for a
classifier) the current model is kept and the reason given. Each task says what it learnt from your
screenshots and why it was installed or kept ("message"); JSON adds "judgement": {"figure",
"screenshots", "boxes", "known", "perFold", "margin", "spread", "perClass"}. A task that fails is
reported and leaves its installed model alone; the exit code is then 1. A task with no model at all
is trained from scratch on your split (the fast preset).`)
    .action(async (opts: { root: string; tasks: Task[]; models: string; epochs?: number; seed?: number; detectorSeconds: number; synthetic: number; cogHeads?: string; renders?: string[]; json?: boolean; progressJson?: boolean }) => {
      for (const d of opts.renders ?? []) if (!existsSync(d)) throw new RunError(`${d}: no such renders folder`);
      const res = await retrain({ root: opts.root, tasks: opts.tasks, models: opts.models, epochs: opts.epochs, seed: opts.seed, detectorSeconds: opts.detectorSeconds, synthetic: opts.synthetic, cogHeads: opts.cogHeads, renders: opts.renders, progress: makeProgress({ json: opts.progressJson }) });
      if (opts.json) printJson(res);
      else {
        for (const t of res.tasks) {
          const f = (x: TaskOutcome['new']) => (x === null ? 'none' : 'anyAP50' in x ? `AP@0.5 ${x.anyAP50.toFixed(3)} (any character${x.crossValidated ? ', cross-validated' : ''})` : `${pct(x.accuracy)} (loss ${x.loss.toFixed(4)})`);
          process.stdout.write(`${t.task.padEnd(9)} new ${f(t.new)}  current ${f(t.old)}  ${t.installed ? 'INSTALLED' : 'kept'}\n          ${t.message ?? t.reason}\n`);
          if (t.judgement) process.stdout.write(`          (${t.reason})\n`);
        }
      }
      const failed = res.tasks.filter((t) => t.error);
      if (failed.length) throw new RunError(`retrain: ${failed.map((t) => `${t.task}: ${t.error}`).join('; ')}`);
    });

  program
    .command('demo-models')
    .description('train small fast demo models from freshly generated synthetic scenes (npm run train:demo)')
    .option('--out <dir>', 'folder of the demo models (one folder per task)', 'models/demo')
    .option('--tasks <list>', 'tasks', parseTasks, [...RETRAIN_TASKS])
    .option('--scenes <n>', 'synthetic scenes to generate', parsePositiveInt('--scenes'), DEMO_DEFAULTS.scenes)
    .option('--seed <s>', 'seed of the scenes, split and training', parseIntOption('--seed'), DEMO_DEFAULTS.seed)
    .option('--epochs <n>', 'epochs of every classifier (default: the fast preset\'s, from the training crops)', parsePositiveInt('--epochs'))
    .option('--detector-epochs <n>', 'epochs of the detector', parsePositiveInt('--detector-epochs'), DEMO_DEFAULTS.detectorEpochs)
    .option('--detector-seconds <s>', 'optional time budget for the detector (the result then depends on the machine)', parsePositiveInt('--detector-seconds'))
    .option('--cog-heads <dir>', 'real Cog head renders (cog_<suit>_<name>.png) that the synthetic Cogs wear')
    .option('--real <dirs>', 'comma-separated folders of labelled real screenshots whose crops join the classifiers\' training (with the detector task, the pretrained detector\'s rescorer is fitted on them too)', (v: string) => v.split(',').filter(Boolean))
    .option('--real-repeat <n>', 'how many times each real crop counts', parsePositiveInt('--real-repeat'), 8)
    .option('--renders <dirs>', 'comma-separated folders of scenes rendered from the game\'s own models (toonvision render) whose crops join the classifiers\' training beside the synthetic scenes', (v: string) => v.split(',').filter(Boolean))
    .option('--renders-repeat <n>', 'how many times each rendered crop counts', parsePositiveInt('--renders-repeat'), 1)
    .option('--json', 'print one JSON document')
    .action(async (opts: { out: string; tasks: Task[]; scenes: number; seed: number; epochs?: number; detectorEpochs: number; detectorSeconds?: number; cogHeads?: string; real?: string[]; realRepeat: number; renders?: string[]; rendersRepeat: number; json?: boolean }) => {
      for (const d of opts.renders ?? []) if (!existsSync(d)) throw new RunError(`${d}: no such renders folder`);
      const res = await demoModels({ out: opts.out, tasks: opts.tasks, scenes: opts.scenes, seed: opts.seed, epochs: opts.epochs, detectorEpochs: opts.detectorEpochs, detectorSeconds: opts.detectorSeconds, cogHeads: opts.cogHeads, realDirs: opts.real, realRepeat: opts.realRepeat, rendersDirs: opts.renders, rendersRepeat: opts.rendersRepeat, progress: makeProgress() });
      if (opts.json) printJson(res);
      else log(`demo models in ${res.out} (${res.seconds.toFixed(0)} s)`);
    });
}

