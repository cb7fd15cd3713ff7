// Training progress on stderr: a cli-progress bar on a terminal (epoch, batch, loss, accuracy, ETA),
// plain lines (one per epoch) otherwise, or (`retrain --progress-json`) one JSON object per line, the
// ProgressEvent below, for programs such as the labelling page's retrain job.
import cliProgress from 'cli-progress';
import type { BatchInfo, EpochRecord, TrainReporter } from './trainer.ts';

/** What a run is doing: the steps of `retrain` (a task's training is `train`, its verdict `outcome`). */
export type ProgressPhase = 'extract' | 'split' | 'synthetic' | 'train' | 'outcome' | 'done';

/**
 * One line of machine-readable progress. Every event has `phase` and `message` (the line a person
 * would read); a log line carries the phase and task it was written in. Epoch events add `epoch`
 * (1-based) of `epochs`, `seconds` (that epoch's, classifiers; since training began, detector),
 * `secondsLeft` (estimate for this task's training) and the losses; batch events add `step` (batches
 * done in the epoch) of `total`; an outcome adds `installed`.
 */
export interface ProgressEvent {
  phase: ProgressPhase;
  task?: string;
  epoch?: number;
  epochs?: number;
  step?: number;
  total?: number;
  seconds?: number;
  secondsLeft?: number;
  loss?: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  installed?: boolean;
  message: string;
}

export interface Progress extends TrainReporter {
  /** a heading line, e.g. "run 2/5 (optimized)" */
  begin(title: string): void;
  end(): void;
  line(text: string): void;
  /** a step of the run: its message for people, the whole event for programs */
  event(e: ProgressEvent): void;
}

/** The epoch event of a classifier's epoch (time left: the epochs to go at this epoch's pace). */
export function epochEvent(r: EpochRecord, epochs: number, task?: string): ProgressEvent {
  return {
    phase: 'train',
    ...(task === undefined ? {} : { task }),
    epoch: r.epoch,
    epochs,
    seconds: r.seconds,
    secondsLeft: Math.round((epochs - r.epoch) * r.seconds),
    loss: r.loss,
    accuracy: r.accuracy,
    ...(r.valLoss === undefined ? {} : { valLoss: r.valLoss, valAccuracy: r.valAccuracy }),
    message: epochLine(r, epochs).trim(),
  };
}

/**
 * The epoch event of the detector, whose `seconds` count from the start of its training and which
 * stops at its last epoch or at its time budget (`maxSeconds`), whichever comes first.
 */
export function detectorEpochEvent(e: { epoch: number; epochs: number; loss: number; seconds: number; maxSeconds?: number }, task = 'detector'): ProgressEvent {
  const byEpochs = (e.epochs - e.epoch) * (e.seconds / e.epoch);
  const left = e.maxSeconds === undefined ? byEpochs : Math.min(byEpochs, e.maxSeconds - e.seconds);
  return {
    phase: 'train',
    task,
    epoch: e.epoch,
    epochs: e.epochs,
    seconds: e.seconds,
    secondsLeft: Math.max(0, Math.round(left)),
    loss: e.loss,
    message: `epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(3)} (${e.seconds.toFixed(0)} s)`,
  };
}

/** Batch events at most this often (a batch takes milliseconds; the page polls twice a second). */
const BATCH_EVENT_MS = 1000;

/** JSON lines on `stream`: every line, heading and epoch as a ProgressEvent. */
export function jsonProgress(stream: { write(s: string): unknown } = process.stderr): Progress {
  let phase: ProgressPhase = 'extract';
  let task: string | undefined;
  let lastBatch = 0;
  const emit = (e: ProgressEvent) => stream.write(`${JSON.stringify(e)}\n`);
  const here = () => ({ phase, ...(task === undefined ? {} : { task }) });
  const line = (text: string) => {
    if (text.trim()) emit({ ...here(), message: text.trim() });
  };
  return {
    begin: line,
    end() {},
    line,
    event(e) {
      phase = e.phase;
      // A task's lines keep its name until the next task (the synthetic scenes are made inside one).
      task = e.task ?? (e.phase === 'extract' || e.phase === 'split' || e.phase === 'done' ? undefined : task);
      emit({ ...e, ...here() });
    },
    onEpoch(r, epochs) {
      phase = 'train';
      emit(epochEvent(r, epochs, task));
    },
    onBatch(info: BatchInfo) {
      const now = Date.now();
      if (now - lastBatch < BATCH_EVENT_MS) return;
      lastBatch = now;
      emit({ ...here(), phase: 'train', epoch: info.epoch + 1, epochs: info.epochs, step: info.batch + 1, total: info.batches, loss: info.loss, message: `epoch ${info.epoch + 1}/${info.epochs} batch ${info.batch + 1}/${info.batches}` });
    },
  };
}

function fmt(n: number | undefined, digits = 4): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
}

export function epochLine(r: EpochRecord, epochs: number): string {
  const val = r.valLoss !== undefined ? ` val_loss ${fmt(r.valLoss)} val_acc ${fmt(r.valAccuracy)}` : '';
  return `  epoch ${r.epoch}/${epochs} loss ${fmt(r.loss)} acc ${fmt(r.accuracy)}${val} lr ${r.lr.toExponential(2)} (${r.seconds.toFixed(1)} s)`;
}

/** A reporter writing to stderr; `quiet` prints nothing at all, `json` JSON lines (jsonProgress). */
export function makeProgress(opts: { quiet?: boolean; tty?: boolean; json?: boolean } = {}): Progress {
  const stream = process.stderr;
  if (opts.quiet) return { begin() {}, end() {}, line() {}, event() {}, onBatch() {}, onEpoch() {} };
  if (opts.json) return jsonProgress(stream);
  const tty = opts.tty ?? Boolean(stream.isTTY);
  if (!tty) {
    return {
      begin: (title) => stream.write(`${title}\n`),
      end() {},
      line: (text) => stream.write(`${text}\n`),
      event: (e) => stream.write(`${e.phase === 'train' && e.epoch !== undefined ? '  ' : ''}${e.message}\n`),
      onEpoch: (r, epochs) => stream.write(`${epochLine(r, epochs)}\n`),
    };
  }
  let bar: cliProgress.SingleBar | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    begin(t) {
      stop();
      stream.write(`${t}\n`);
    },
    end: stop,
    line(text) {
      stop();
      stream.write(`${text}\n`);
    },
    event(e) {
      stop();
      stream.write(`${e.phase === 'train' && e.epoch !== undefined ? '  ' : ''}${e.message}\n`);
    },
    onBatch(info: BatchInfo) {
      const total = info.epochs * info.batches;
      const value = info.epoch * info.batches + info.batch + 1;
      const payload = {
        epoch: `${info.epoch + 1}/${info.epochs}`,
        batch: `${info.batch + 1}/${info.batches}`,
        loss: fmt(info.loss),
        acc: fmt(info.accuracy),
      };
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `  [{bar}] {percentage}% | epoch {epoch} batch {batch} | loss {loss} acc {acc} | ETA {eta_formatted}`,
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, value, payload);
      } else bar.update(value, payload);
    },
    onEpoch(r, epochs) {
      // one line per finished epoch (with its validation figures); the next batch starts a new bar
      stop();
      stream.write(`${epochLine(r, epochs)}\n`);
    },
  };
}
