// The WebSocket protocol v1 (../shared/CLI.md, "WebSocket protocol" and the additions of "The game's
// own words" and "The player's ToonTasks"): one typed definition of the agent's messages (hello,
// frame, capture, status) and the rules that check one, which the server applies to what it sends and
// the pages to what they receive. Self-contained (no imports): overlay/protocol.js is this module
// with its types erased (src/publish/protocol-page.ts writes it; a test keeps the two in step).
// Fields not named here are allowed (the protocol grows by adding fields); named ones must have their type.

export const PROTOCOL_VERSION = 1;

export type Bbox = [number, number, number, number];
export type AgentState = 'running' | 'paused' | 'waiting-for-window';

/** A Cog's nametag as read: name, suit and level as far as the tag tells them. */
export interface NametagInfo {
  text: string;
  name?: string;
  suit?: string;
  level?: number;
  score: number;
  bbox: Bbox;
}

/** The body classifiers' own answer, when a nametag's read overrides it. */
export interface VisualLabels {
  suit?: string;
  name?: string;
  animal?: string;
  fineScore?: number;
}

/** One character of a frame (bbox [x, y, w, h] in window pixels). */
export interface FrameDetection {
  bbox: Bbox;
  label: 'cog' | 'toon';
  score: number;
  suit?: string;
  name?: string;
  animal?: string;
  fineScore?: number;
  /** the character's track id: the same while it stays in view */
  track?: number;
  level?: number;
  nametag?: NametagInfo;
  visual?: VisualLabels;
  /** indexes into the companion's task list of the tasks this Cog counts towards */
  tasks?: number[];
  /** the invading Cog type */
  invasion?: boolean;
}

/** The game's companion API as the agent last read it (`agent --companion`). */
export interface CompanionInfo {
  connected: boolean;
  toon?: { name: string; species: string };
  location?: unknown;
  tasks: { text: string; where: string; progress: { current: number; target: number } }[];
  invasion?: unknown;
}

export interface WindowRect {
  x: number;
  y: number;
  width: number;
  height: number;
  scaleFactor?: number;
}

export interface HelloMessage {
  type: 'hello';
  v: 1;
  agent: string;
  models: Record<string, unknown>;
  source: Record<string, unknown>;
  state?: AgentState;
  companion?: CompanionInfo;
}

export interface FrameMessage {
  type: 'frame';
  v: 1;
  frameId: number;
  /** ms since the epoch (or an ISO date) when the frame was captured */
  capturedAt: number | string;
  /** ms since the epoch when the message left the agent */
  sentAt: number;
  window: WindowRect;
  detections: FrameDetection[];
  /** milliseconds per stage of this frame (capture, detect, classify, total...) */
  stagesMs: Partial<Record<'capture' | 'detect' | 'classify' | 'publish' | 'total', number>>;
}

export interface CaptureMessage {
  type: 'capture';
  v: 1;
  file: string;
  /** the objects saved (or their count) */
  objects: unknown[] | number;
}

export interface StatusMessage {
  type: 'status';
  v: 1;
  state: AgentState;
  message: string;
  companion?: CompanionInfo;
}

export type AgentMessage = HelloMessage | FrameMessage | CaptureMessage | StatusMessage;

/** GET /frame.jpg's X-Toonvision-Frame header: the frame's id, the window's size and that frame's detections. */
export interface FrameView {
  frameId: number;
  window: { width: number; height: number };
  detections: FrameDetection[];
}
export type MessageType = AgentMessage['type'];

/**
 * A rule for one value: a primitive ('number' a finite one, 'integer', 'string', 'boolean', 'object',
 * 'any', 'bbox' four finite numbers, the size not negative), a list of allowed strings, an array of
 * values of one rule, an object with required and optional fields, or any one of several rules.
 */
export type Rule =
  | 'number'
  | 'integer'
  | 'string'
  | 'boolean'
  | 'object'
  | 'any'
  | 'bbox'
  | { enum: readonly string[] }
  | { array: Rule }
  | { fields: Record<string, Rule>; optional?: Record<string, Rule> }
  | { anyOf: readonly Rule[] };

const STATES = { enum: ['running', 'paused', 'waiting-for-window'] } as const;

export const NAMETAG_RULE: Rule = { fields: { text: 'string', score: 'number', bbox: 'bbox' }, optional: { name: 'string', suit: 'string', level: 'number' } };

export const DETECTION_RULE: Rule = {
  fields: { bbox: 'bbox', label: { enum: ['cog', 'toon'] }, score: 'number' },
  optional: {
    suit: 'string',
    name: 'string',
    animal: 'string',
    fineScore: 'number',
    track: 'integer',
    level: 'number',
    nametag: NAMETAG_RULE,
    visual: { fields: {}, optional: { suit: 'string', name: 'string', animal: 'string', fineScore: 'number' } },
    tasks: { array: 'integer' },
    invasion: 'boolean',
  },
};

export const COMPANION_RULE: Rule = {
  fields: {
    connected: 'boolean',
    tasks: { array: { fields: { text: 'string' }, optional: { where: 'string', progress: { fields: { current: 'number', target: 'number' } } } } },
  },
  optional: { toon: { fields: { name: 'string', species: 'string' } }, location: 'any', invasion: 'any' },
};

export const WINDOW_RULE: Rule = { fields: { x: 'number', y: 'number', width: 'number', height: 'number' }, optional: { scaleFactor: 'number' } };

/** The rules of each message type (besides `type` and `v`). */
export const MESSAGE_RULES: Record<MessageType, Rule> = {
  hello: { fields: { agent: 'string', models: 'object', source: 'object' }, optional: { state: STATES, companion: COMPANION_RULE } },
  frame: {
    fields: { frameId: 'integer', capturedAt: { anyOf: ['number', 'string'] }, sentAt: 'number', window: WINDOW_RULE, detections: { array: DETECTION_RULE }, stagesMs: 'object' },
  },
  capture: { fields: { file: 'string', objects: { anyOf: [{ array: 'any' }, 'integer'] } } },
  status: { fields: { state: STATES, message: 'string' }, optional: { companion: COMPANION_RULE } },
};

export const MESSAGE_TYPES = Object.keys(MESSAGE_RULES) as MessageType[];

export const FRAME_VIEW_RULE: Rule = { fields: { frameId: 'integer', window: { fields: { width: 'number', height: 'number' } }, detections: { array: DETECTION_RULE } } };

function describeRule(rule: Rule): string {
  if (typeof rule === 'string') return rule === 'bbox' ? '[x, y, w, h] (4 finite numbers, w and h not negative)' : rule === 'integer' ? 'a whole number' : `a${/^[aeiou]/.test(rule) ? 'n' : ''} ${rule}`;
  if ('enum' in rule) return `one of ${rule.enum.join(', ')}`;
  if ('array' in rule) return 'an array';
  if ('anyOf' in rule) return rule.anyOf.map(describeRule).join(' or ');
  return 'an object';
}

/** Why `value` (at `where`) breaks `rule`, or null when it keeps it. */
export function checkValue(value: unknown, rule: Rule, where: string): string | null {
  const wrong = () => `${where}: expected ${describeRule(rule)}, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value}`;
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (typeof rule === 'string') {
    switch (rule) {
      case 'any':
        return null;
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) ? null : wrong();
      case 'integer':
        return Number.isInteger(value) ? null : wrong();
      case 'string':
        return typeof value === 'string' ? null : wrong();
      case 'boolean':
        return typeof value === 'boolean' ? null : wrong();
      case 'object':
        return isObject ? null : wrong();
      case 'bbox': {
        const ok = Array.isArray(value) && value.length === 4 && value.every((x) => typeof x === 'number' && Number.isFinite(x)) && value[2] >= 0 && value[3] >= 0;
        return ok ? null : wrong();
      }
      default:
        return `${where}: unknown rule ${String(rule)}`;
    }
  }
  if ('enum' in rule) return typeof value === 'string' && rule.enum.includes(value) ? null : wrong();
  if ('anyOf' in rule) return rule.anyOf.some((r) => checkValue(value, r, where) === null) ? null : wrong();
  if ('array' in rule) {
    if (!Array.isArray(value)) return wrong();
    for (let i = 0; i < value.length; i++) {
      const e = checkValue(value[i], rule.array, `${where}[${i}]`);
      if (e) return e;
    }
    return null;
  }
  if (!isObject) return wrong();
  const obj = value as Record<string, unknown>;
  for (const [k, r] of Object.entries(rule.fields)) {
    if (!(k in obj) || obj[k] === undefined) return `${where}.${k}: missing`;
    const e = checkValue(obj[k], r, `${where}.${k}`);
    if (e) return e;
  }
  for (const [k, r] of Object.entries(rule.optional ?? {})) {
    if (obj[k] === undefined) continue;
    const e = checkValue(obj[k], r, `${where}.${k}`);
    if (e) return e;
  }
  return null;
}

/**
 * Why a message (parsed JSON) is not a well-formed protocol v1 message of a known type, or null when
 * it is one. A page ignores a message this refuses; `isKnownMessage` tells a newer type (ignored
 * silently) from a broken message.
 */
export function checkMessage(msg: unknown): string | null {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return 'message: expected a JSON object';
  const m = msg as Record<string, unknown>;
  if (m.v !== PROTOCOL_VERSION) return `message: protocol version ${JSON.stringify(m.v)}, expected ${PROTOCOL_VERSION}`;
  if (typeof m.type !== 'string') return 'message.type: missing';
  const rule = (MESSAGE_RULES as Record<string, Rule>)[m.type];
  if (!rule) return `message.type: unknown type ${JSON.stringify(m.type.slice(0, 40))}`;
  return checkValue(msg, rule, m.type);
}

/** True for a message of protocol v1 with a type this version knows (well formed or not). */
export function isKnownMessage(msg: unknown): boolean {
  const m = msg as Record<string, unknown> | null;
  return typeof m === 'object' && m !== null && m.v === PROTOCOL_VERSION && typeof m.type === 'string' && m.type in MESSAGE_RULES;
}

/** Why one detection (of a frame, or of /frame.jpg's X-Toonvision-Frame header) is malformed, or null. */
export function checkDetection(det: unknown, where = 'detection'): string | null {
  return checkValue(det, DETECTION_RULE, where);
}

/** Why the X-Toonvision-Frame header of GET /frame.jpg (parsed JSON) is malformed, or null. */
export function checkFrameView(meta: unknown): string | null {
  return checkValue(meta, FRAME_VIEW_RULE, 'frame');
}
