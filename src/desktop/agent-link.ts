// The overlay main process's own connection to the agent's WebSocket (to learn where the game window
// is), reconnecting with backoff when the agent restarts.
import { WebSocket } from 'ws';
import { backoffMs } from './window.ts';

export interface AgentLinkHandlers {
  onMessage(msg: unknown): void;
  onOpen?(): void;
  onClose?(retryInMs: number): void;
}

export interface AgentLink {
  close(): void;
  readonly connected: boolean;
}

/** Connects to `url` (ws://127.0.0.1:<port>/) and keeps reconnecting until close(). */
export function connectAgent(url: string, handlers: AgentLinkHandlers, opts: { backoff?: (attempt: number) => number } = {}): AgentLink {
  const backoff = opts.backoff ?? ((n: number) => backoffMs(n));
  let attempt = 0;
  let ws: WebSocket | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let connected = false;

  const open = () => {
    timer = null;
    if (closed) return;
    const sock = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 5000 });
    ws = sock;
    sock.on('open', () => {
      attempt = 0;
      connected = true;
      handlers.onOpen?.();
    });
    sock.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return;
      }
      handlers.onMessage(msg);
    });
    sock.on('error', () => {
      // 'close' follows and schedules the retry
    });
    sock.on('close', () => {
      connected = false;
      if (ws === sock) ws = null;
      if (closed) return;
      const delay = backoff(attempt++);
      handlers.onClose?.(delay);
      timer = setTimeout(open, delay);
    });
  };
  open();
  return {
    get connected() {
      return connected;
    },
    close() {
      closed = true;
      connected = false;
      if (timer) clearTimeout(timer);
      ws?.terminate();
      ws = null;
    },
  };
}
