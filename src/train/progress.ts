// Training progress on stderr: a cli-progress bar on a terminal (epoch, batch, loss, accuracy, ETA),
// plain lines (one per epoch) otherwise.
import cliProgress from 'cli-progress';
import type { BatchInfo, EpochRecord, TrainReporter } from './trainer.ts';

export interface Progress extends TrainReporter {
  /** a heading line, e.g. "run 2/5 (optimized)" */
  begin(title: string): void;
  end(): void;
  line(text: string): void;
}

function fmt(n: number | undefined, digits = 4): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);
}

export function epochLine(r: EpochRecord, epochs: number): string {
  const val = r.valLoss !== undefined ? ` val_loss ${fmt(r.valLoss)} val_acc ${fmt(r.valAccuracy)}` : '';
  return `  epoch ${r.epoch}/${epochs} loss ${fmt(r.loss)} acc ${fmt(r.accuracy)}${val} lr ${r.lr.toExponential(2)} (${r.seconds.toFixed(1)} s)`;
}

/** A reporter writing to stderr; `quiet` prints nothing at all. */
export function makeProgress(opts: { quiet?: boolean; tty?: boolean } = {}): Progress {
  const stream = process.stderr;
  if (opts.quiet) return { begin() {}, end() {}, line() {}, onBatch() {}, onEpoch() {} };
  const tty = opts.tty ?? Boolean(stream.isTTY);
  if (!tty) {
    return {
      begin: (title) => stream.write(`${title}\n`),
      end() {},
      line: (text) => stream.write(`${text}\n`),
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
