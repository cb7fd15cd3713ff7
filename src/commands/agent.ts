// `toonvision agent`: the live agent (what `npm start` runs). Contract: ../shared/CLI.md, section Live.
import { type Command, InvalidArgumentError } from 'commander';
import { Agent } from '../agent/index.ts';
import { parseSourceSpec } from '../capture/index.ts';
import { checkKeyName, DEFAULT_HOTKEYS } from '../hotkeys.ts';
import { DEFAULT_HOST, DEFAULT_PORT } from '../publish/server.ts';
import { log, parseIntOption, parsePortOption, parsePositiveInt, UsageError } from './common.ts';

export function parseSource(value: string): string {
  try {
    parseSourceSpec(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

function parseKey(name: string): (value: string) => string {
  return (value: string) => {
    try {
      return checkKeyName(value);
    } catch (err) {
      throw new InvalidArgumentError(`${name}: ${(err as Error).message}`);
    }
  };
}

interface AgentCliOptions {
  source: string;
  window?: string;
  interval: number;
  port: number;
  host: string;
  models: string;
  root: string;
  captureKey: string;
  pauseKey: string;
  hotkeys: boolean;
  watch: boolean;
  seed: number;
  labelReuse: number;
  detectEvery?: number;
  collect?: boolean;
  collectMaxMb: number;
  companion?: boolean;
}

export function register(program: Command): void {
  program
    .command('agent')
    .description('the live agent: capture the game window, detect and classify Toons and Cogs, publish over WebSocket')
    .option('--source <S>', 'window | screen | demo | folder:DIR', parseSource, 'window')
    .option('--window <TITLE>', 'window title to look for (any title containing it, case-insensitive)', 'Toontown')
    .option('--interval <MS>', 'minimum time between frames in ms (0: as fast as the pipeline keeps up)', parseIntOption('--interval'), 33)
    .option('--port <P>', 'WebSocket and overlay page port', parsePortOption(0), DEFAULT_PORT)
    .option('--host <H>', 'address to listen on (loopback by default; anything else exposes the agent to the network)', DEFAULT_HOST)
    .option('--models <DIR>', 'models folder (tasks not found there come from models/demo/)', 'models')
    .option('--root <R>', 'captures root for hotkey screenshots', 'captures')
    .option('--capture-key <KEY>', 'hotkey that saves a screenshot + VOC labels', parseKey('--capture-key'), DEFAULT_HOTKEYS.capture)
    .option('--pause-key <KEY>', 'hotkey that pauses and resumes', parseKey('--pause-key'), DEFAULT_HOTKEYS.pause)
    .option('--no-hotkeys', 'do not install global hotkeys')
    .option('--no-watch', 'do not reload models when their folders are replaced')
    .option('--seed <S>', 'seed of the demo scenes', parseIntOption('--seed'), 1)
    .option('--collect', 'opt-in: keep deduplicated unlabelled game frames in <root>/raw/unlabelled/ (one every 3 s at most, capped on disk) for retrain to learn from')
    .option('--collect-max-mb <MB>', 'disk cap of the collected frames', parsePositiveInt('--collect-max-mb'), 500)
    .option('--companion', "opt-in: read your Toon, ToonTasks and the invasion from ToonTown Rewritten's companion API (localhost:1547-1552; the game asks you to allow it) and mark the Cogs your tasks need")
    .option('--label-reuse <N>', 'frames a tracked character keeps its fine labels before they are computed again (also sooner when unsure or when its box changes size; 0: every frame)', parseIntOption('--label-reuse'), 15)
    .option('--detect-every <N>', 'run the detector on every Nth frame; in between, tracked characters move on by their motion (default: 2 for the real-game detector, 1 for the demo scenes\' one)', parsePositiveInt('--detect-every'))
    .action(async (opts: AgentCliOptions) => {
      if (opts.labelReuse < 0) throw new UsageError(`--label-reuse must be 0 or more, got ${opts.labelReuse}`);
      if (opts.interval < 0) throw new UsageError(`--interval must be 0 or more, got ${opts.interval}`);
      if (opts.hotkeys && opts.captureKey === opts.pauseKey) throw new UsageError(`--capture-key and --pause-key are both ${opts.captureKey}`);
      const agent = await Agent.start({
        source: opts.source,
        title: opts.window,
        intervalMs: opts.interval,
        port: opts.port,
        host: opts.host,
        modelsDir: opts.models,
        root: opts.root,
        hotkeys: opts.hotkeys ? { capture: opts.captureKey, pause: opts.pauseKey } : false,
        watchModels: opts.watch,
        seed: opts.seed,
        labelReuse: opts.labelReuse,
        ...(opts.detectEvery !== undefined ? { detectEvery: opts.detectEvery } : {}),
        collect: opts.collect ? { maxBytes: opts.collectMaxMb * 1024 * 1024 } : undefined,
        companion: opts.companion === true,
      });
      if (opts.host !== DEFAULT_HOST) log(`warning: listening on ${opts.host}, not only loopback: anyone who can reach this address sees the frames`);
      log('running; Ctrl+C stops');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          log('stopping');
          // stop() finishes or drops the frame in flight and lets a capture being saved finish (at most
          // 0.8 s); should a native handle (capture library, key server) still hold the process after
          // that, it exits anyway within the second (the timer itself keeps nothing alive).
          setTimeout(() => process.exit(), 950).unref();
          void agent.stop().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
