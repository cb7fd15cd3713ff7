// Soak run of the live agent (not part of `npm test`): runs `bench live` for a long time and samples
// tf.memory().numTensors and RSS, to show that nothing grows (tensors disposed, no queue builds up).
//
//   node --import tsx test/soak/live-soak.ts [--seconds 600] [--source demo] [--models DIR] [--every 30]
//
// Prints one line per sample on stderr and one JSON document on stdout: the bench figures, the
// samples, and `tensorGrowth` / `rssGrowthMB` between the first and the last sample.
import { parseArgs } from 'node:util';
import { Agent } from '../../src/agent/index.ts';
import { runLiveBench } from '../../src/bench/live.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    source: { type: 'string', default: 'demo' },
    models: { type: 'string', default: 'models' },
    every: { type: 'string', default: '30' },
  },
});
const seconds = Number(values.seconds);
const every = Number(values.every);
if (!(seconds > 0) || !(every > 0)) {
  process.stderr.write('live-soak: --seconds and --every must be positive numbers\n');
  process.exit(2);
}
process.stderr.write(`live-soak: ${seconds} s of '${values.source}' with models from ${values.models}, a sample every ${every} s\n`);
const result = await runLiveBench({
  source: values.source!,
  seconds,
  models: values.models,
  warmupSeconds: 5,
  soak: true,
  soakEverySeconds: every,
  onSample: (s) => process.stderr.write(`t=${s.t}s frames=${s.frames} tensors=${s.numTensors} tensorBytes=${s.numBytes} rss=${s.rssMB}MB\n`),
}, (o) => Agent.start(o));
const mem = result.memory ?? [];
const first = mem[0];
const last = mem[mem.length - 1];
const report = {
  ...result,
  tensorGrowth: first && last ? last.numTensors - first.numTensors : null,
  rssGrowthMB: first && last ? last.rssMB - first.rssMB : null,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
