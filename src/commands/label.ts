// `toonvision label [--root R] [--port P] [--models DIR]`: the labelling page on its own, without the
// live agent (the agent serves the same page at /label). Contract: ../shared/CLI.md, "Labelling in the
// browser".
import type { Command } from 'commander';
import { initEngine } from '../engine/index.ts';
import { ModelSet } from '../predict/models.ts';
import { DEFAULT_ROOT } from '../dataset/layout.ts';
import { predictObjects } from '../label/predict.ts';
import { RetrainJob, type RetrainJobOptions } from '../label/retrain-job.ts';
import { labelRoutes, screenshotsDir } from '../label/routes.ts';
import { agentUrls } from '../publish/pages.ts';
import { DEFAULT_HOST, DEFAULT_PORT, PublishServer } from '../publish/server.ts';
import { log, parsePortOption } from './common.ts';

export interface LabelServer {
  server: PublishServer;
  models: ModelSet;
  retrain: RetrainJob;
  url: string;
  close(): Promise<void>;
}

/** Starts the labelling server (port 0: a free one). */
export async function startLabelServer(opts: { root: string; port: number; host?: string; models: string; retrain?: Partial<RetrainJobOptions>; log?: (m: string) => void }): Promise<LabelServer> {
  await initEngine();
  const say = opts.log ?? log;
  const models = new ModelSet({ dir: opts.models, watch: true, onMessage: (m) => say(m) });
  await models.loadAll();
  const retrain = new RetrainJob({ ...opts.retrain, root: opts.root, models: opts.models });
  const server = new PublishServer({
    port: opts.port,
    host: opts.host ?? DEFAULT_HOST,
    hello: () => ({ agent: 'label', models: models.info(), source: { kind: 'none' } }),
    routes: [
      labelRoutes({
        root: opts.root,
        retrain,
        // Nothing else runs on these models here: a retrained model is swapped in before predicting.
        predict: (image) => {
          models.applyPending();
          return predictObjects(image, models);
        },
      }),
    ],
  });
  const { port, host } = await server.start();
  const url = `${agentUrls(port, host).origin}/label`;
  return {
    server,
    models,
    retrain,
    url,
    async close() {
      await retrain.stop();
      await server.close();
      await models.close();
    },
  };
}

export function register(program: Command): void {
  program
    .command('label')
    .description('the labelling page in the browser: correct the boxes and labels of your screenshots, retrain from there')
    .option('--root <R>', 'captures root (screenshots in <root>/raw/screenshots)', DEFAULT_ROOT)
    .option('--port <P>', 'port of the page (0: any free one)', parsePortOption(0), DEFAULT_PORT)
    .option('--models <DIR>', 'models folder, for the predictions of unlabelled screenshots and the retrain button', 'models')
    .action(async (opts: { root: string; port: number; models: string }) => {
      const s = await startLabelServer({ root: opts.root, port: opts.port, models: opts.models });
      log(`labelling ${screenshotsDir(opts.root)}`);
      process.stdout.write(`${s.url}\n`);
      log('open that address in your browser; Ctrl+C stops');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void s.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
