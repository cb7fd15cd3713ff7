// The agent's companion switch over HTTP, for /view: GET /api/companion (whether it is on, and its
// status: Toon, ToonTasks, invasion, what the game answered) and POST /api/companion {"on": bool}
// (turn it on or off). Guarded as every write of the agent: loopback Host, no foreign Origin, a JSON body.
import { checkRequest, HttpError, readJson, sendError, sendJson, type HttpRoute } from '../publish/guard.ts';
import type { CompanionStatus } from './client.ts';

export interface CompanionSwitch {
  /** whether the client is polling */
  enabled(): boolean;
  status(): CompanionStatus;
  setEnabled(on: boolean): void;
}

export const COMPANION_API = '/api/companion';

export function companionRoutes(sw: CompanionSwitch): HttpRoute {
  return async (req, res, url, served) => {
    if (url.pathname !== COMPANION_API) return false;
    try {
      if (req.method === 'GET' || req.method === 'HEAD') {
        checkRequest(req, served, { write: false });
      } else if (req.method === 'POST') {
        checkRequest(req, served, { write: true });
        const body = await readJson(req, 1024);
        const on = (body as { on?: unknown } | null)?.on;
        if (typeof on !== 'boolean') throw new HttpError(400, 'expected {"on": true} or {"on": false}');
        sw.setEnabled(on);
      } else {
        res.setHeader('allow', 'GET, HEAD, POST');
        throw new HttpError(405, 'method not allowed (allowed: GET, HEAD, POST)');
      }
      sendJson(res, 200, { enabled: sw.enabled(), ...sw.status() });
    } catch (err) {
      sendError(res, err);
    }
    return true;
  };
}
