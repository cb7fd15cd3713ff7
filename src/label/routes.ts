// The labelling page's HTTP routes (contract: ../shared/CLI.md, "Labelling in the browser"), served by
// the agent and by `toonvision label`: the page at /label, the screenshots and their labels under
// /api/screenshots, the label list at /api/labels, and the retrain button's /api/retrain.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readImage, type RgbImage } from '../image.ts';
import { layout } from '../dataset/layout.ts';
import { ALL_LABELS, describeLabel, parseAnyLabel } from '../taxonomy.ts';
import { OVERLAY_DIR } from '../publish/pages.ts';
import { checkRequest, COMMON_HEADERS, HttpError, readJson, sendError, sendJson, sendPage, type HttpRoute } from '../publish/guard.ts';
import { listScreenshots, readLabels, saveLabels, screenshotPath, type LabelObject } from './screenshots.ts';
import type { RetrainJob } from './retrain-job.ts';

export interface LabelRoutesOptions {
  root: string;
  /** The current models' predictions on one image (see predict.ts). */
  predict?: (image: RgbImage) => Promise<LabelObject[]>;
  retrain?: RetrainJob;
  /** Where label.html and its scripts are (the overlay's folder, served under /overlay/). */
  pagesDir?: string;
}

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

/** The type-ahead's list: the 43 labels, then the coarse ones, each with a description for people. */
export function labelList(): { label: string; description: string }[] {
  return ALL_LABELS.map((label) => ({ label, description: describeLabel(parseAnyLabel(label)) }));
}

function methodNotAllowed(allow: string): never {
  throw new HttpError(405, `method not allowed (allowed: ${allow})`);
}

export function labelRoutes(opts: LabelRoutesOptions): HttpRoute {
  const pages = opts.pagesDir ?? OVERLAY_DIR;
  // Predictions run one at a time: they share the models with each other (and, in the agent, with the frames).
  let predicting: Promise<unknown> = Promise.resolve();
  const predictOne = (image: RgbImage): Promise<LabelObject[]> => {
    const run = () => (opts.predict ? opts.predict(image) : Promise.resolve([]));
    const next = predicting.then(run, run);
    predicting = next.catch(() => undefined);
    return next;
  };

  return async (req, res, url, served) => {
    const p = url.pathname;
    if (p !== '/label' && p !== '/label/' && !p.startsWith('/api/')) return false;
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';
    try {
      checkRequest(req, served, { write: !read });
      if (p === '/label' || p === '/label/') {
        if (!read) methodNotAllowed('GET, HEAD');
        sendPage(res, await readFile(path.join(pages, 'label.html')), undefined, method === 'HEAD');
        return true;
      }
      if (p === '/api/labels') {
        if (!read) methodNotAllowed('GET');
        sendJson(res, 200, { labels: labelList() });
        return true;
      }
      if (p === '/api/retrain') {
        if (!opts.retrain) throw new HttpError(404, 'retrain is not available here');
        if (read) sendJson(res, 200, opts.retrain.current());
        else if (method === 'POST') sendJson(res, 202, opts.retrain.start());
        else methodNotAllowed('GET, POST');
        return true;
      }
      if (p === '/api/screenshots' || p === '/api/screenshots/') {
        if (!read) methodNotAllowed('GET');
        sendJson(res, 200, { root: opts.root, screenshots: await listScreenshots(opts.root) });
        return true;
      }
      const m = /^\/api\/screenshots\/([^/]+)(\/labels)?$/.exec(url.pathname);
      if (!m) throw new HttpError(404, `not found: ${p}`);
      let file: string;
      try {
        file = decodeURIComponent(m[1]!);
      } catch {
        throw new HttpError(404, `not found: ${p}`);
      }
      if (!m[2]) {
        if (!read) methodNotAllowed('GET');
        const { image } = await screenshotPath(opts.root, file);
        const bytes = await readFile(image).catch(() => {
          throw new HttpError(404, `${image}: no such screenshot`);
        });
        res.writeHead(200, { ...COMMON_HEADERS, 'content-type': IMAGE_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', 'content-length': bytes.length });
        res.end(method === 'HEAD' ? undefined : bytes);
        return true;
      }
      if (read) {
        const doc = await readLabels(opts.root, file);
        const { hasVoc, ...out } = doc;
        if (!hasVoc) {
          const { image } = await screenshotPath(opts.root, file);
          const img = await readImage(image).catch((err: Error) => {
            throw new HttpError(422, err.message);
          });
          out.objects = await predictOne(img);
        }
        sendJson(res, 200, out);
        return true;
      }
      if (method !== 'PUT') methodNotAllowed('GET, PUT');
      const body = await readJson(req);
      sendJson(res, 200, await saveLabels(opts.root, file, body));
      return true;
    } catch (err) {
      sendError(res, err);
      return true;
    }
  };
}

/** Where the page's screenshots are, for logs. */
export function screenshotsDir(root: string): string {
  return path.resolve(layout(root).screenshots);
}
