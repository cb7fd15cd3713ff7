// Generated from src/publish/protocol.ts by src/publish/protocol-page.ts: do not edit by hand.
// Regenerate with: node --import tsx src/publish/protocol-page.ts --write
// The WebSocket protocol v1 (../shared/CLI.md, "WebSocket protocol" and the additions of "The game's
// own words" and "The player's ToonTasks"): one typed definition of the agent's messages (hello,
// frame, capture, status) and the rules that check one, which the server applies to what it sends and
// the pages to what they receive. Self-contained (no imports): overlay/protocol.js is this module
// with its types erased (src/publish/protocol-page.ts writes it; a test keeps the two in step).
// Fields not named here are allowed (the protocol grows by adding fields); named ones must have their type.
export const PROTOCOL_VERSION = 1;
const STATES = { enum: ['running', 'paused', 'waiting-for-window'] };
export const NAMETAG_RULE = { fields: { text: 'string', score: 'number', bbox: 'bbox' }, optional: { name: 'string', suit: 'string', level: 'number' } };
export const DETECTION_RULE = {
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
export const COMPANION_RULE = {
    fields: {
        connected: 'boolean',
        tasks: { array: { fields: { text: 'string' }, optional: { where: 'string', progress: { fields: { current: 'number', target: 'number' } } } } },
    },
    optional: { toon: { fields: { name: 'string', species: 'string' } }, location: 'any', invasion: 'any' },
};
export const WINDOW_RULE = { fields: { x: 'number', y: 'number', width: 'number', height: 'number' }, optional: { scaleFactor: 'number' } };
/** The rules of each message type (besides `type` and `v`). */
export const MESSAGE_RULES = {
    hello: { fields: { agent: 'string', models: 'object', source: 'object' }, optional: { state: STATES, companion: COMPANION_RULE } },
    frame: {
        fields: { frameId: 'integer', capturedAt: { anyOf: ['number', 'string'] }, sentAt: 'number', window: WINDOW_RULE, detections: { array: DETECTION_RULE }, stagesMs: 'object' },
    },
    capture: { fields: { file: 'string', objects: { anyOf: [{ array: 'any' }, 'integer'] } } },
    status: { fields: { state: STATES, message: 'string' }, optional: { companion: COMPANION_RULE } },
};
export const MESSAGE_TYPES = Object.keys(MESSAGE_RULES);
export const FRAME_VIEW_RULE = { fields: { frameId: 'integer', window: { fields: { width: 'number', height: 'number' } }, detections: { array: DETECTION_RULE } } };
function describeRule(rule) {
    if (typeof rule === 'string')
        return rule === 'bbox' ? '[x, y, w, h] (4 finite numbers, w and h not negative)' : rule === 'integer' ? 'a whole number' : `a${/^[aeiou]/.test(rule) ? 'n' : ''} ${rule}`;
    if ('enum' in rule)
        return `one of ${rule.enum.join(', ')}`;
    if ('array' in rule)
        return 'an array';
    if ('anyOf' in rule)
        return rule.anyOf.map(describeRule).join(' or ');
    return 'an object';
}
/** Why `value` (at `where`) breaks `rule`, or null when it keeps it. */
export function checkValue(value, rule, where) {
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
    if ('enum' in rule)
        return typeof value === 'string' && rule.enum.includes(value) ? null : wrong();
    if ('anyOf' in rule)
        return rule.anyOf.some((r) => checkValue(value, r, where) === null) ? null : wrong();
    if ('array' in rule) {
        if (!Array.isArray(value))
            return wrong();
        for (let i = 0; i < value.length; i++) {
            const e = checkValue(value[i], rule.array, `${where}[${i}]`);
            if (e)
                return e;
        }
        return null;
    }
    if (!isObject)
        return wrong();
    const obj = value;
    for (const [k, r] of Object.entries(rule.fields)) {
        if (!(k in obj) || obj[k] === undefined)
            return `${where}.${k}: missing`;
        const e = checkValue(obj[k], r, `${where}.${k}`);
        if (e)
            return e;
    }
    for (const [k, r] of Object.entries(rule.optional ?? {})) {
        if (obj[k] === undefined)
            continue;
        const e = checkValue(obj[k], r, `${where}.${k}`);
        if (e)
            return e;
    }
    return null;
}
/**
 * Why a message (parsed JSON) is not a well-formed protocol v1 message of a known type, or null when
 * it is one. A page ignores a message this refuses; `isKnownMessage` tells a newer type (ignored
 * silently) from a broken message.
 */
export function checkMessage(msg) {
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg))
        return 'message: expected a JSON object';
    const m = msg;
    if (m.v !== PROTOCOL_VERSION)
        return `message: protocol version ${JSON.stringify(m.v)}, expected ${PROTOCOL_VERSION}`;
    if (typeof m.type !== 'string')
        return 'message.type: missing';
    const rule = MESSAGE_RULES[m.type];
    if (!rule)
        return `message.type: unknown type ${JSON.stringify(m.type.slice(0, 40))}`;
    return checkValue(msg, rule, m.type);
}
/** True for a message of protocol v1 with a type this version knows (well formed or not). */
export function isKnownMessage(msg) {
    const m = msg;
    return typeof m === 'object' && m !== null && m.v === PROTOCOL_VERSION && typeof m.type === 'string' && m.type in MESSAGE_RULES;
}
/** Why one detection (of a frame, or of /frame.jpg's X-Toonvision-Frame header) is malformed, or null. */
export function checkDetection(det, where = 'detection') {
    return checkValue(det, DETECTION_RULE, where);
}
/** Why the X-Toonvision-Frame header of GET /frame.jpg (parsed JSON) is malformed, or null. */
export function checkFrameView(meta) {
    return checkValue(meta, FRAME_VIEW_RULE, 'frame');
}
