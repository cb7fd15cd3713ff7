// `toonvision overlay [--port P]`: the Electron overlay over the game window, or, where Electron is
// not installed, the page's URL (for a browser or an OBS browser source) and how to install it.
import type { Command } from 'commander';
import { overlayPageUrl } from '../publish/pages.ts';
import { DEFAULT_PORT } from '../publish/server.ts';
import { findElectron, runElectron } from '../desktop/launch.ts';
import { RunError, log, parsePortOption } from './common.ts';


export function register(program: Command): void {
  program
    .command('overlay')
    .description('open the click-through overlay over the game window (Electron), or print the page URL for a browser/OBS')
    .option('--port <P>', 'port of the running agent', parsePortOption(1), DEFAULT_PORT)
    .action(async (opts: { port: number }) => {
      const url = overlayPageUrl(opts.port);
      const electron = findElectron();
      if (!electron.found) {
        process.stdout.write(`${url}\n`);
        log(`Electron is not available (${electron.reason}).`);
        log(`Open ${url} in a browser, or add it to OBS as a Browser source (transparent background).`);
        log('For the click-through overlay over the game window: npm install electron   then run: toonvision overlay');
        throw new RunError(`Electron is not installed (npm install electron); the overlay page is ${url}`);
      }
      log(`overlay: starting Electron (${electron.path}); page ${url}`);
      const code = await runElectron(electron.path, opts.port);
      if (code !== 0) throw new RunError(`Electron exited with code ${code}`);
    });
}
