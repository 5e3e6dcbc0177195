import { MAX_TOP_K } from '@facegate/database';
import { DROP_REASONS, KEY_PROTOCOL_PREFIX, STREAM_OPS, STREAM_PATH, STREAM_PROTOCOL } from './stream-protocol';

/** Where the stream's AsyncAPI document is served, beside the OpenAPI one. */
export const ASYNCAPI_JSON_PATH = '/docs/asyncapi.json';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['type', 'code', 'detail'],
  properties: {
    type: { const: 'error' },
    seq: { type: 'integer', description: 'The frame the error is about; absent for connection errors.' },
    code: { type: 'string', description: 'The stable error code, as on HTTP (NO_FACE, LIVENESS_REQUIRED, UNAUTHORIZED...).' },
    detail: { type: 'string' },
  },
};

const SETTINGS = {
  op: { type: 'string', enum: [...STREAM_OPS], description: 'detect: faces with boxes and enrolment hints; recognize: the main face, as POST /recognize.' },
  collection: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
  threshold: { type: 'number', minimum: 0, maximum: 1 },
  topK: { type: 'integer', minimum: 1, maximum: MAX_TOP_K },
  smallFaces: { type: 'boolean', description: 'detect only: also search tiles for small faces (default false on a stream).' },
};

/** The message schemas of protocol facegate.v1 (README "Live streams"), by name. */
const MESSAGES: Record<string, { summary: string; contentType?: string; payload: object }> = {
  auth: {
    summary: 'The API key, as the first message, when it was not offered as a subprotocol.',
    payload: { type: 'object', required: ['type', 'key'], properties: { type: { const: 'auth' }, key: { type: 'string', maxLength: 200 } } },
  },
  config: {
    summary: 'What the following frames are answered with.',
    payload: { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { const: 'config' }, ...SETTINGS } },
  },
  frame: {
    summary: "A frame as JSON; its own settings apply to it alone. Frames are answered latest first: see 'dropped'.",
    payload: {
      type: 'object',
      required: ['type', 'seq', 'image'],
      additionalProperties: false,
      properties: {
        type: { const: 'frame' },
        seq: { type: 'integer', minimum: 0, maximum: 4294967295 },
        image: { type: 'string', description: 'base64 or data URL' },
        ...SETTINGS,
      },
    },
  },
  binaryFrame: {
    summary: 'A frame as a binary message: a 4-byte big-endian sequence number, then the JPEG, PNG or WebP bytes.',
    contentType: 'application/octet-stream',
    payload: { type: 'string', format: 'binary' },
  },
  openChallenge: {
    summary:
      'Opens an active liveness challenge (as POST /liveness/sessions). Until it passes or fails, every frame answers it: ' +
      "each is judged as an upload of one frame to POST /liveness/sessions/{id}/frames, the step's nonce taken from when it arrived.",
    payload: {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: { type: { const: 'challenge' }, collection: SETTINGS.collection },
    },
  },
  ping: { summary: 'Keeps an idle connection open.', payload: { type: 'object', required: ['type'], properties: { type: { const: 'ping' } } } },
  ready: {
    summary: 'Sent after authentication and after each config: the settings in force and the limits.',
    payload: {
      type: 'object',
      required: ['type', 'protocol', 'settings', 'limits'],
      properties: {
        type: { const: 'ready' },
        protocol: { const: STREAM_PROTOCOL },
        settings: { type: 'object', properties: SETTINGS },
        limits: { type: 'object' },
      },
    },
  },
  result: {
    summary:
      "A frame's answer: body is what POST /detect or POST /recognize returns for the same image, or for a challenge frame what POST /liveness/sessions/{id}/frames returns (see the OpenAPI document).",
    payload: {
      type: 'object',
      required: ['type', 'seq', 'op', 'ms', 'body'],
      properties: {
        type: { const: 'result' },
        seq: { type: 'integer' },
        op: { type: 'string', enum: [...STREAM_OPS, 'liveness'] },
        ms: { type: 'integer' },
        body: { type: 'object' },
      },
    },
  },
  challenge: {
    summary:
      "A liveness challenge's prompt: sent when it opens, when a step is done (the next step, its instruction and deadline), and when it passes (with the single-use livenessToken). " +
      'session is what the HTTP session routes answer (SessionDto / FramesResultDto in the OpenAPI document).',
    payload: { type: 'object', required: ['type', 'session'], properties: { type: { const: 'challenge' }, session: { type: 'object' } } },
  },
  dropped: {
    summary:
      'A frame that will not be answered: superseded (a newer one replaced it while it waited), rate (over the frame rate), ' +
      "early (a challenge frame sent before its step's prompt or within the reaction time after it), stale (it answered a challenge step that was over).",
    payload: {
      type: 'object',
      required: ['type', 'seq', 'reason'],
      properties: { type: { const: 'dropped' }, seq: { type: 'integer' }, reason: { enum: [...DROP_REASONS] } },
    },
  },
  error: { summary: 'A coded error, for one frame or for the connection (then followed by a close).', payload: ERROR_SCHEMA },
  pong: { summary: 'The answer to ping.', payload: { type: 'object', required: ['type'], properties: { type: { const: 'pong' } } } },
};

const SENT = ['auth', 'config', 'frame', 'binaryFrame', 'openChallenge', 'ping'];
const RECEIVED = ['ready', 'result', 'challenge', 'dropped', 'error', 'pong'];

/** An AsyncAPI 3.0 document of the stream, built from the same constants the gateway uses. */
export function buildAsyncApiDocument(version: string): Record<string, unknown> {
  const refs = (names: string[]) => names.map((name) => ({ $ref: `#/channels/stream/messages/${name}` }));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'facegate stream',
      version,
      description:
        `Detection and recognition over a WebSocket. Offer the subprotocols ${STREAM_PROTOCOL} and ${KEY_PROTOCOL_PREFIX}<API key> ` +
        '(or send an auth message first). Close codes: 1001 shutdown, 1008 no facegate.v1, 4401 unauthorized, 4403 forbidden, 4408 idle, 4409 session over, 4429 too many connections for the key.',
    },
    servers: { facegate: { host: 'localhost:8000', protocol: 'ws', pathname: STREAM_PATH } },
    channels: {
      stream: {
        address: STREAM_PATH,
        messages: Object.fromEntries(Object.keys(MESSAGES).map((name) => [name, { $ref: `#/components/messages/${name}` }])),
      },
    },
    operations: {
      sendToServer: { action: 'receive', channel: { $ref: '#/channels/stream' }, summary: 'What a client sends.', messages: refs(SENT) },
      sendToClient: { action: 'send', channel: { $ref: '#/channels/stream' }, summary: 'What the server sends.', messages: refs(RECEIVED) },
    },
    components: {
      messages: Object.fromEntries(
        Object.entries(MESSAGES).map(([name, m]) => [name, { name, summary: m.summary, contentType: m.contentType ?? 'application/json', payload: m.payload }]),
      ),
    },
  };
}
