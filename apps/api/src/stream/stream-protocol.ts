import { DomainError, type ErrorCode } from '@facegate/common';
import { COLLECTION_NAME } from '@facegate/core';
import { MAX_TOP_K } from '@facegate/database';

/**
 * Messages of the WebSocket stream (README "Live streams"), protocol `facegate.v1`. Every client message is checked
 * here; anything else is refused with a coded error message, the same codes as HTTP.
 */
export const STREAM_PATH = '/v1/stream';
export const STREAM_PROTOCOL = 'facegate.v1';
/** A subprotocol carrying the API key: browsers cannot set headers on a WebSocket, and query strings end up in logs. */
export const KEY_PROTOCOL_PREFIX = 'facegate.key.';

export const STREAM_OPS = ['detect', 'recognize'] as const;
export type StreamOp = (typeof STREAM_OPS)[number];

/** What each frame is answered with; set by a `config` message, overridable per frame. */
export interface StreamSettings {
  op: StreamOp;
  collection?: string;
  threshold?: number;
  topK?: number;
  smallFaces?: boolean;
}

export interface StreamFrame {
  seq: number;
  image: string | Buffer;
  /** Settings of this frame only (a JSON frame's own op, collection...). */
  settings: StreamSettings;
  /** Set on arrival while a liveness challenge runs: the frame answers that session's step revealed then. */
  challenge?: { sessionId: string; stepNonce: string | null };
}

export type ClientMessage =
  | { type: 'auth'; key: string }
  | { type: 'config'; settings: StreamSettings }
  | { type: 'frame'; frame: StreamFrame }
  | { type: 'challenge'; collection?: string }
  | { type: 'ping' };

/**
 * Why a frame is never answered: `superseded` (a newer frame replaced it while it waited), `rate` (over the frame
 * rate), `early` (a challenge frame that arrived before the step was revealed or within the time a person needs to
 * react to it), `stale` (it arrived for a challenge step that was over by the time the engine was free).
 */
export const DROP_REASONS = ['superseded', 'rate', 'early', 'stale'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Server → client. */
export type ServerMessage =
  | { type: 'ready'; protocol: string; settings: StreamSettings; limits: Record<string, number> }
  | { type: 'result'; seq: number; op: StreamOp | 'liveness'; ms: number; body: unknown }
  | { type: 'challenge'; session: unknown }
  | { type: 'dropped'; seq: number; reason: DropReason }
  | { type: 'error'; seq?: number; code: ErrorCode; detail: string }
  | { type: 'pong' };

/** Binary frames: a 4-byte big-endian sequence number, then the image bytes (JPEG, PNG or WebP). */
export const BINARY_HEADER_BYTES = 4;

const invalid = (detail: string) => new DomainError('VALIDATION_FAILED', detail);

/** One client message, from a text (JSON) or binary WebSocket message; throws a coded error. */
export function parseClientMessage(data: Buffer, isBinary: boolean, current: StreamSettings): ClientMessage {
  if (isBinary) return { type: 'frame', frame: binaryFrame(data, current) };
  let message: unknown;
  try {
    message = JSON.parse(data.toString('utf8'));
  } catch {
    throw invalid('A text message must be JSON.');
  }
  if (!isObject(message) || typeof message.type !== 'string') throw invalid('A message needs a "type".');
  switch (message.type) {
    case 'auth':
      if (typeof message.key !== 'string' || message.key.length === 0 || message.key.length > 200) throw invalid('"auth" needs the API key in "key".');
      return { type: 'auth', key: message.key };
    case 'config':
      return { type: 'config', settings: settingsFrom(message, { op: current.op }) };
    case 'frame':
      return { type: 'frame', frame: jsonFrame(message, current) };
    case 'challenge':
      return { type: 'challenge', collection: challengeCollection(message) };
    case 'ping':
      return { type: 'ping' };
    default:
      throw invalid(`Unknown message type "${message.type.slice(0, 20)}".`);
  }
}

function binaryFrame(data: Buffer, current: StreamSettings): StreamFrame {
  if (data.length <= BINARY_HEADER_BYTES) throw invalid('A binary frame is a 4-byte sequence number followed by the image.');
  return { seq: data.readUInt32BE(0), image: data.subarray(BINARY_HEADER_BYTES), settings: current };
}

function jsonFrame(message: Record<string, unknown>, current: StreamSettings): StreamFrame {
  const seq = message.seq;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq > 0xffffffff) throw invalid('"seq" must be an integer 0..4294967295.');
  if (typeof message.image !== 'string' || message.image.length === 0) throw invalid('"image" must be a base64 string or data URL.');
  const own = Object.keys(message).some((k) => k !== 'type' && k !== 'seq' && k !== 'image');
  return { seq, image: message.image, settings: own ? settingsFrom(message, current) : current };
}

function challengeCollection(message: Record<string, unknown>): string | undefined {
  refuseUnknown(message, CHALLENGE_KEYS);
  if (message.collection === undefined) return undefined;
  if (typeof message.collection !== 'string' || !COLLECTION_NAME.test(message.collection)) throw invalidCollection();
  return message.collection;
}

const invalidCollection = () => invalid('"collection" must be 1-64 lowercase letters, digits, "-" or "_".');

const SETTING_KEYS = new Set(['type', 'seq', 'image', 'op', 'collection', 'threshold', 'topK', 'smallFaces']);
const CHALLENGE_KEYS = new Set(['type', 'collection']);

/** Unknown fields are refused, as on HTTP. */
function refuseUnknown(message: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  const unknown = Object.keys(message).filter((k) => !allowed.has(k));
  if (unknown.length > 0) throw invalid(`Unknown field ${unknown.map((k) => `"${k.slice(0, 30)}"`).join(', ')}.`);
}

/** Settings from a message; absent fields keep `base`'s. Unknown fields are refused, as on HTTP. */
export function settingsFrom(message: Record<string, unknown>, base: StreamSettings): StreamSettings {
  refuseUnknown(message, SETTING_KEYS);
  const settings: StreamSettings = { ...base };
  if (message.op !== undefined) {
    if (!STREAM_OPS.includes(message.op as StreamOp)) throw invalid(`"op" must be one of ${STREAM_OPS.join(', ')}.`);
    settings.op = message.op as StreamOp;
  }
  if (message.collection !== undefined) {
    if (typeof message.collection !== 'string' || !COLLECTION_NAME.test(message.collection)) throw invalidCollection();
    settings.collection = message.collection;
  }
  if (message.threshold !== undefined) {
    if (typeof message.threshold !== 'number' || !(message.threshold >= 0 && message.threshold <= 1)) throw invalid('"threshold" must be a number in [0, 1].');
    settings.threshold = message.threshold;
  }
  if (message.topK !== undefined) {
    if (typeof message.topK !== 'number' || !Number.isInteger(message.topK) || message.topK < 1 || message.topK > MAX_TOP_K) {
      throw invalid(`"topK" must be an integer in [1, ${MAX_TOP_K}].`);
    }
    settings.topK = message.topK;
  }
  if (message.smallFaces !== undefined) {
    if (typeof message.smallFaces !== 'boolean') throw invalid('"smallFaces" must be true or false.');
    settings.smallFaces = message.smallFaces;
  }
  return settings;
}

/** The API key a client offered as a subprotocol, if any. */
export function keyFromProtocols(protocols: readonly string[]): string | undefined {
  return protocols.find((p) => p.startsWith(KEY_PROTOCOL_PREFIX))?.slice(KEY_PROTOCOL_PREFIX.length) || undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
