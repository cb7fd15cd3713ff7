// Seeing what the agent sees: GET /frame.jpg (the last processed frame as JPEG, at the captured size,
// with its frame id and detections in the X-Toonvision-Frame header, so that a page draws the boxes of
// exactly that frame) and GET /view (the page that shows them). A frame is encoded only when someone
// asks for it, and once however many viewers ask.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../image.ts';
import { OVERLAY_DIR } from '../publish/pages.ts';
import { checkRequest, COMMON_HEADERS, HttpError, sendError, sendPage, type HttpRoute } from './guard.ts';
import type { FrameDetection, FrameView } from './protocol.ts';

export interface ViewFrame {
  frameId: number;
  image: RgbImage;
  window: { width: number; height: number };
  detections: readonly FrameDetection[];
}

export const JPEG_QUALITY = 80;

export function viewRoutes(latest: () => ViewFrame | undefined, pagesDir = OVERLAY_DIR): HttpRoute & { encoded: () => number } {
  let cached: { frameId: number; jpeg: Promise<Buffer> } | undefined;
  let encoded = 0;
  const route = async (...[req, res, url, served]: Parameters<HttpRoute>): Promise<boolean> => {
    if (url.pathname !== '/frame.jpg' && url.pathname !== '/view') return false;
    try {
      checkRequest(req, served, { write: false });
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed (allowed: GET, HEAD)');
      if (url.pathname === '/view') {
        sendPage(res, await readFile(path.join(pagesDir, 'view.html')), undefined, req.method === 'HEAD');
        return true;
      }
      const f = latest();
      if (!f) throw new HttpError(503, 'no frame yet: the agent has not processed its first frame');
      if (cached?.frameId !== f.frameId) {
        encoded++;
        const { data, width, height } = f.image;
        cached = { frameId: f.frameId, jpeg: sharp(data, { raw: { width, height, channels: 3 } }).jpeg({ quality: JPEG_QUALITY }).toBuffer() };
      }
      const jpeg = await cached.jpeg;
      const view: FrameView = { frameId: f.frameId, window: { width: f.window.width, height: f.window.height }, detections: [...f.detections] };
      const meta = JSON.stringify(view);
      res.writeHead(200, {
        ...COMMON_HEADERS,
        'content-type': 'image/jpeg',
        'content-length': jpeg.length,
        // JSON is ASCII here except for what a label could carry: escape anything else.
        'x-toonvision-frame': meta.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
      });
      res.end(req.method === 'HEAD' ? undefined : jpeg);
    } catch (err) {
      sendError(res, err);
    }
    return true;
  };
  return Object.assign(route, { encoded: () => encoded });
}
