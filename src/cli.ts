// The `toonvision` command line (contract: ../shared/CLI.md). Each command lives in src/commands/.
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { exitCodeOf, RunError, UsageError } from './errors.ts';
import * as agent from './commands/agent.ts';
import * as bench from './commands/bench.ts';
import * as capture from './commands/capture.ts';
import * as characters from './commands/characters.ts';
import * as classify from './commands/classify.ts';
import * as dataset from './commands/dataset.ts';
import * as detect from './commands/detect.ts';
import * as doctor from './commands/doctor.ts';
import * as explain from './commands/explain.ts';
import * as exportOnnx from './commands/export-onnx.ts';
import * as importKeras from './commands/import-keras.ts';
import * as label from './commands/label.ts';
import * as nametags from './commands/nametags.ts';
import * as overlay from './commands/overlay.ts';
import * as predict from './commands/predict.ts';
import * as render from './commands/render.ts';
import * as synth from './commands/synth.ts';
import * as train from './commands/train.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('toonvision')
    .description('Sees ToonTown: finds and classifies Toons and Cogs, trains its models from your screenshots.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)');
  for (const mod of [doctor, synth, render, dataset, train, classify, importKeras, exportOnnx, explain, detect, predict, nametags, agent, capture, label, overlay, bench, characters]) {
    mod.register(program);
  }
  return program;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 failed run, 2 bad usage: an error's own exitCode). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Subcommands copy these settings only when created, so apply them to every command (else a bad
  // option value of a subcommand exits the process with code 1 instead of the usage code 2).
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) {
    c.exitOverride();
    c.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    // Every error made for people (src/errors.ts) carries its exit code; anything else is a failed run.
    const code = exitCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`toonvision: ${code === 2 ? message : message.split('\n')[0]}\n`);
    if (process.env.TOONVISION_DEBUG && err instanceof Error && !(err instanceof RunError) && !(err instanceof UsageError)) {
      process.stderr.write(`${err.stack}\n`);
    }
    return code;
  }
}
