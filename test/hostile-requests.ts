import { deflateSync, gzipSync, crc32 } from 'node:zlib';
import { seededRandom } from '@facegate/face-engine';
import { PNG_SIGNATURE, pngChunk, pngDeclaring, pseudoRandomBytes } from './crafted-images';
import { photoBytes } from './photos';

/**
 * A deterministic generator of hostile HTTP requests for every route of the API (the hostile e2e suite).
 *
 * Every request it returns must be answered with a coded 4xx problem, whatever the server does with it, so each case
 * carries at least one element that no correct server can accept (a wrong type, an out-of-range number, an image
 * without a face, a missing key...). Images that might still decode to a face (bit flips, late truncations, real
 * photos with a payload appended) only go to routes where a second, clean face-less photo makes the request fail
 * anyway. Nothing here uses Math.random: the same seed gives byte-for-byte the same requests, so a failure names a
 * case that reproduces.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const ROUTES = [
  'POST /users',
  'GET /users',
  'GET /users/:id',
  'PATCH /users/:id',
  'DELETE /users/:id',
  'POST /users/:id/faces',
  'DELETE /users/:id/faces/:faceId',
  'POST /verify',
  'POST /recognize',
  'POST /detect',
  'POST /compare',
  'POST /collections',
  'GET /collections',
  'GET /collections/:name',
  'PATCH /collections/:name',
  'DELETE /collections/:name',
  'POST /api-keys',
  'GET /api-keys',
  'DELETE /api-keys/:id',
  'GET /audit',
  'POST /liveness/sessions',
  'GET /liveness/sessions/:id',
  'POST /liveness/sessions/:id/frames',
] as const;
export type Route = (typeof ROUTES)[number] | 'other';

export const CATEGORIES = [
  'auth',
  'scope-escalation',
  'random-bytes',
  'invalid-base64',
  'truncated-photo',
  'bit-flipped-photo',
  'polyglot',
  'huge-dimensions',
  'tiny-image',
  'wrong-type',
  'long-string',
  'unicode',
  'sql-looking',
  'path-traversal',
  'oversized-array',
  'out-of-range',
  'missing-field',
  'content-type',
  'multipart',
  'malformed-json',
  'depth-bomb',
  'query-params',
  'prototype-pollution',
  'method-confusion',
  'headers',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type HostileBody =
  /** Serialised with JSON.stringify (lone surrogates and NUL become \ud800 and \u0000 escapes). */
  | { kind: 'json'; value: unknown }
  /** Sent byte for byte; contentType undefined = no Content-Type header at all. */
  | { kind: 'raw'; contentType?: string; data: string | Buffer }
  | { kind: 'multipart'; fields: Array<[string, string]>; files: Array<[string, Buffer, string]> };

export interface HostileRequest {
  /** Position in the generated list, stable for a given seed. */
  index: number;
  category: Category;
  route: Route;
  /** Human-readable case name, unique. */
  name: string;
  method: HttpMethod;
  /** Path with query string, exactly as sent (percent-encoding left alone). */
  path: string;
  /** X-API-Key value(s); undefined = no header. */
  apiKey?: string | string[];
  headers?: Record<string, string>;
  body?: HostileBody;
  /** When set, the answer's code must be one of these (on top of being a coded 4xx problem). */
  expectCodes?: string[];
}

export interface HostileContext {
  adminKey: string;
  /** The known, enrolled person that must survive the storm unchanged. */
  knownUserId: string;
  knownFaceId: string;
  knownExternalId: string;
  /** Keys with less power than admin, for escalation attempts (optional: without them those cases are skipped). */
  scopedKeys?: {
    /** scopes ['read'] */
    read: string;
    readKeyId: string;
    /** scopes ['recognize'] */
    recognize: string;
    /** scopes ['enrol', 'read', 'recognize'], confined to `otherCollection` */
    confined: string;
    otherCollection: string;
  };
  /** An open liveness session of the admin key: undecodable frames sent to it must be refused and leave it open. */
  livenessSessionId?: string;
  /** Its current step nonce, so that frames reach the image checks (without it they stop at validation). */
  livenessStepNonce?: string;
}

export const DEFAULT_SEED = 0x5eed_f00d;

const b64 = (b: Buffer) => b.toString('base64');
const dataUrl = (b: Buffer, mime = 'image/jpeg') => `data:${mime};base64,${b64(b)}`;

/** Face photos that enrol cleanly (one face, not in MULTI_FACE_PHOTOS). */
const FACE_JPEGS = [
  'George_W_Bush/003.jpg',
  'George_W_Bush/005.jpg',
  'Tony_Blair/002.jpg',
  'Colin_Powell/001.jpg',
  'Donald_Rumsfeld/002.jpg',
  'Hugo_Chavez/002.jpg',
];
const FACE_PNGS = ['bbt_penny/001.png', 'bbt_penny/002.png'];
/** No human face (005.png, the cat, is a deliberate hard negative and left out; 006.jpg is large). */
const NOFACE_PNGS = ['noface/001.png', 'noface/002.png', 'noface/004.png', 'noface/009.png'];
const NOFACE_JPEGS = ['noface/007.jpg'];

export const SQL_STRINGS = [
  "'; DROP TABLE users; --",
  '1 OR 1=1',
  "' OR '1'='1",
  "admin'--",
  "x'); DELETE FROM faces; --",
  '"; TRUNCATE collections CASCADE; --',
  '1; SELECT pg_sleep(5); --',
  "' UNION SELECT id, embedding FROM faces --",
  '$$; DROP TABLE api_keys; $$',
  "\\'; DROP TABLE audit_events; --",
  "' AND 1=(SELECT COUNT(*) FROM pg_catalog.pg_tables) --",
  '%27%20OR%201%3D1',
];

export const UNICODE_STRINGS = [
  '\u202eevil\u202c',
  'a\u200db\u200dc',
  '\u200b\u200b\u200b',
  '\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66',
  '\ud83d\ude00\ud83d\udd25\ud83d\udca9',
  '\ud800',
  '\udfff',
  '\udc00\ud800',
  'x\ud800y\udbffz',
  '\u0000',
  'a\u0000b',
  '\ufeffBOM',
  'Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359\u035a\u035b\u035c\u035d',
  '\u2028\u2029',
  '\uffff\ufffe',
  '\u0130\u0131\u01c5',
  '\uff11\uff12\uff13',
  'e\u0301',
  '\u0007\u0008\u001b[31m',
  '\u00a0\u3000',
];

/** Path segments (already in their on-the-wire form) that are not ids. */
export const BAD_PATH_IDS = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%5c..%5cwindows%5cwin.ini',
  '....%2F%2F....%2F%2Fetc',
  'not-a-uuid',
  '00000000-0000-4000-8000-00000000000',
  '00000000-0000-4000-8000-0000000000000',
  '00000000-0000-4000-8000-00000000000g',
  '%7B00000000-0000-4000-8000-000000000000%7D',
  'urn:uuid:00000000-0000-4000-8000-000000000000',
  '00000000000040008000000000000000',
  '00000000-0000-4000-8000-000000000000%00',
  '%00',
  '%20',
  'null',
  'undefined',
  '0',
  '-1',
  '1e308',
  '%5Bobject%20Object%5D',
  '*',
  '%25',
  '%',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AF',
  '%FF%FE',
  "'%20OR%201%3D1%20--",
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  '__proto__',
  'constructor',
];

/** Collection names (on-the-wire) that break the naming rule or point at something else. */
export const BAD_COLLECTION_SEGMENTS = [
  'DEFAULT',
  'default%20',
  '%20default',
  'default%00',
  'default%2F..',
  '.%2Fdefault',
  '..',
  '%2e%2e',
  '-default',
  '_x',
  'a'.repeat(65),
  'caf%C3%A9',
  'x%20y',
  '%27%3B%20DROP%20TABLE%20collections%3B%20--',
  '%ED%A0%80',
  '%E2%80%AEtluafed',
  '%',
];

// ---------------------------------------------------------------------------------------------------------------
// Crafted images

/** A real, decodable greyscale PNG of zeros (or a given byte) with `width` x `height` pixels. */
export function solidPng(width: number, height: number, value = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0; // greyscale
  const row = Buffer.alloc(width + 1, value);
  row[0] = 0; // filter: none
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A PNG bomb whose IDAT really inflates to width x height zero pixels (never decoded: over the pixel limit). */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  const raw = Buffer.alloc((width + 1) * height);
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A copy of a baseline/progressive JPEG whose SOF header declares other dimensions. */
export function jpegDeclaring(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  let offset = 2;
  while (offset + 9 < out.length) {
    if (out[offset] !== 0xff) throw new Error(`not a JPEG marker at ${offset}`);
    const marker = out[offset + 1];
    const length = out.readUInt16BE(offset + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      out.writeUInt16BE(height, offset + 5);
      out.writeUInt16BE(width, offset + 7);
      return out;
    }
    offset += 2 + length;
  }
  throw new Error('no SOF marker found');
}

/** Inserts a raw segment (e.g. a COM or APP1 segment) right after the SOI marker of a JPEG. */
function jpegWithSegment(jpeg: Buffer, marker: number, payload: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(Math.min(payload.length + 2, 0xffff));
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, marker]), length, payload.subarray(0, 0xfffd), jpeg.subarray(2)]);
}

/** A minimal ZIP archive (one stored file), the classic polyglot payload. */
function zipArchive(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const fileName = Buffer.from(name);
  const crc = crc32(data) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const localPart = Buffer.concat([local, fileName, data]);
  const centralPart = Buffer.concat([central, fileName]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

const JFIF_HEADER = Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex');
const HTML_PAYLOAD = '<html><body><script>fetch("/api-keys",{method:"POST"}).then(r=>r.text()).then(alert)</script></body></html>';
const JS_PAYLOAD = ';/*</script><script>*/alert(document.cookie)//';
const PHP_PAYLOAD = '<?php system($_GET["cmd"]); __halt_compiler(); ?>';

/** Buffers that cost a second to build (bombs) do not depend on the seed: built once per process. */
const built = new Map<string, Buffer>();
function once(key: string, build: () => Buffer): Buffer {
  let value = built.get(key);
  if (!value) built.set(key, (value = build()));
  return value;
}

// ---------------------------------------------------------------------------------------------------------------

type ImageSafety =
  /** Cannot decode: any image route must refuse it. */
  | 'undecodable'
  /** May decode, but has no human face: refused by every route except /detect (which lists zero faces). */
  | 'noface'
  /** May decode to a photo with a face: only sent together with a clean face-less photo that fails the request. */
  | 'maybe-face';

interface ImageSample {
  label: string;
  expectCodes?: string[];
  /** As sent in JSON: base64 or a data URL. */
  text: string;
  bytes: Buffer;
  safety: ImageSafety;
}

class Builder {
  readonly requests: HostileRequest[] = [];
  private readonly names = new Set<string>();

  add(request: Omit<HostileRequest, 'index'>): void {
    let name = request.name;
    for (let n = 2; this.names.has(name); n++) name = `${request.name} #${n}`;
    this.names.add(name);
    this.requests.push({ ...request, name, index: this.requests.length });
  }
}

/**
 * Generates the hostile requests. `ctx` names the known person (never deleted, modified or given faces: every
 * destructive request aimed at it is one that must fail). Deterministic for a given seed.
 */
export function generateHostileRequests(ctx: HostileContext, seed = DEFAULT_SEED): HostileRequest[] {
  const random = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const bytes = (n: number) => pseudoRandomBytes(n, int(1, 0x7fffffff));
  const uuid = () => {
    const h = bytes(16).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };

  const b = new Builder();
  const admin = ctx.adminKey;
  const known = ctx.knownUserId;
  const missingUser = uuid();
  const missingFace = uuid();
  const missingKeyId = uuid();
  const missingCollection = `hostile-missing-${int(1000, 9999)}`;

  const clean = dataUrl(photoBytes('George_W_Bush/003.jpg'));
  const cleanBytes = photoBytes('George_W_Bush/003.jpg');
  const noFaceBytes = photoBytes('noface/001.png');
  const noFace = dataUrl(noFaceBytes, 'image/png');
  const junk = b64(pseudoRandomBytes(64, 7));

  // --- the image routes, each with a body builder for one image under test -------------------------------------
  type ImageRoute = { route: Route; method: HttpMethod; path: string; body: (img: string) => Record<string, unknown>; allows: ImageSafety[] };
  const imageRoutes: ImageRoute[] = [
    { route: 'POST /users', method: 'POST', path: '/users', body: (img) => ({ name: 'hostile image', images: [img] }), allows: ['undecodable', 'noface'] },
    {
      route: 'POST /users',
      method: 'POST',
      path: '/users',
      body: (img) => ({ name: 'hostile pair', images: [img, noFace] }),
      allows: ['noface', 'maybe-face'],
    },
    { route: 'POST /users/:id/faces', method: 'POST', path: `/users/${known}/faces`, body: (img) => ({ images: [img] }), allows: ['undecodable', 'noface'] },
    {
      route: 'POST /users/:id/faces',
      method: 'POST',
      path: `/users/${known}/faces`,
      body: (img) => ({ images: [noFace, img] }),
      allows: ['noface', 'maybe-face'],
    },
    { route: 'POST /verify', method: 'POST', path: '/verify', body: (img) => ({ userId: known, image: img }), allows: ['undecodable', 'noface'] },
    { route: 'POST /recognize', method: 'POST', path: '/recognize', body: (img) => ({ image: img }), allows: ['undecodable', 'noface'] },
    { route: 'POST /detect', method: 'POST', path: '/detect', body: (img) => ({ image: img }), allows: ['undecodable'] },
    { route: 'POST /compare', method: 'POST', path: '/compare', body: (img) => ({ imageA: img, imageB: noFace }), allows: ['noface', 'maybe-face'] },
    { route: 'POST /compare', method: 'POST', path: '/compare', body: (img) => ({ imageA: img, imageB: img }), allows: ['undecodable'] },
    { route: 'POST /compare', method: 'POST', path: '/compare', body: (img) => ({ imageA: noFace, imageB: img }), allows: ['noface', 'maybe-face'] },
    ...(ctx.livenessSessionId
      ? [
          {
            route: 'POST /liveness/sessions/:id/frames' as const,
            method: 'POST' as const,
            path: `/liveness/sessions/${ctx.livenessSessionId}/frames`,
            body: (img: string) => ({ frames: [img], stepNonce: ctx.livenessStepNonce }),
            allows: ['undecodable' as const],
          },
        ]
      : []),
  ];
  let rotation = 0;
  /** Sends one image to `count` image routes that accept its safety class, rotating over the routes. */
  const sendImage = (category: Category, sample: ImageSample, count = 1) => {
    const eligible = imageRoutes.filter((r) => r.allows.includes(sample.safety));
    for (let i = 0; i < count; i++) {
      const r = eligible[rotation++ % eligible.length];
      b.add({
        category,
        route: r.route,
        name: `${r.route} ${sample.label}`,
        method: r.method,
        path: r.path,
        apiKey: admin,
        body: { kind: 'json', value: r.body(sample.text) },
        expectCodes: sample.expectCodes,
      });
    }
  };
  const sample = (label: string, data: Buffer, safety: ImageSafety, mime?: string, expectCodes?: string[]): ImageSample => ({
    label,
    bytes: data,
    safety,
    text: mime ? dataUrl(data, mime) : b64(data),
    expectCodes,
  });

  // A helper for plain JSON cases.
  const json = (category: Category, route: Route, name: string, method: HttpMethod, path: string, value: unknown, extra: Partial<HostileRequest> = {}) =>
    b.add({ category, route, name, method, path, apiKey: admin, body: { kind: 'json', value }, ...extra });
  const raw = (
    category: Category,
    route: Route,
    name: string,
    method: HttpMethod,
    path: string,
    contentType: string | undefined,
    data: string | Buffer,
    extra: Partial<HostileRequest> = {},
  ) => b.add({ category, route, name, method, path, apiKey: admin, body: { kind: 'raw', contentType, data }, ...extra });

  /** Routes that take a JSON body, with a path that can never touch the known person's data on success. */
  const bodyRoutes: Array<{ route: Route; method: HttpMethod; path: string }> = [
    { route: 'POST /users', method: 'POST', path: '/users' },
    { route: 'PATCH /users/:id', method: 'PATCH', path: `/users/${missingUser}` },
    { route: 'POST /users/:id/faces', method: 'POST', path: `/users/${known}/faces` },
    { route: 'POST /verify', method: 'POST', path: '/verify' },
    { route: 'POST /recognize', method: 'POST', path: '/recognize' },
    { route: 'POST /detect', method: 'POST', path: '/detect' },
    { route: 'POST /compare', method: 'POST', path: '/compare' },
    { route: 'POST /collections', method: 'POST', path: '/collections' },
    { route: 'PATCH /collections/:name', method: 'PATCH', path: `/collections/${missingCollection}` },
    { route: 'POST /api-keys', method: 'POST', path: '/api-keys' },
  ];

  // =============================================================================================================
  // auth: every route without a key and with wrong keys; destructive requests on the known person with bad keys.
  const allRoutes: Array<{ route: Route; method: HttpMethod; path: string; body?: unknown }> = [
    { route: 'POST /users', method: 'POST', path: '/users', body: { name: 'intruder', externalId: 'intruder', images: [clean] } },
    { route: 'GET /users', method: 'GET', path: '/users' },
    { route: 'GET /users/:id', method: 'GET', path: `/users/${known}` },
    { route: 'PATCH /users/:id', method: 'PATCH', path: `/users/${known}`, body: { name: 'pwned', metadata: { owned: true } } },
    { route: 'DELETE /users/:id', method: 'DELETE', path: `/users/${known}` },
    { route: 'POST /users/:id/faces', method: 'POST', path: `/users/${known}/faces`, body: { images: [photoBytes('Tony_Blair/002.jpg').toString('base64')] } },
    { route: 'DELETE /users/:id/faces/:faceId', method: 'DELETE', path: `/users/${known}/faces/${ctx.knownFaceId}` },
    { route: 'POST /verify', method: 'POST', path: '/verify', body: { userId: known, image: clean } },
    { route: 'POST /recognize', method: 'POST', path: '/recognize', body: { image: clean } },
    { route: 'POST /detect', method: 'POST', path: '/detect', body: { image: clean } },
    { route: 'POST /compare', method: 'POST', path: '/compare', body: { imageA: clean, imageB: clean } },
    { route: 'POST /collections', method: 'POST', path: '/collections', body: { name: 'intruders' } },
    { route: 'GET /collections', method: 'GET', path: '/collections' },
    { route: 'GET /collections/:name', method: 'GET', path: '/collections/default' },
    { route: 'PATCH /collections/:name', method: 'PATCH', path: '/collections/default', body: { description: 'pwned', settings: { matchThreshold: 0 } } },
    { route: 'DELETE /collections/:name', method: 'DELETE', path: '/collections/default' },
    { route: 'POST /api-keys', method: 'POST', path: '/api-keys', body: { name: 'backdoor', scopes: ['admin'] } },
    { route: 'GET /api-keys', method: 'GET', path: '/api-keys' },
    { route: 'DELETE /api-keys/:id', method: 'DELETE', path: `/api-keys/${missingKeyId}` },
    { route: 'GET /audit', method: 'GET', path: '/audit' },
    { route: 'POST /liveness/sessions', method: 'POST', path: '/liveness/sessions', body: {} },
    { route: 'GET /liveness/sessions/:id', method: 'GET', path: `/liveness/sessions/${missingUser}` },
    { route: 'POST /liveness/sessions/:id/frames', method: 'POST', path: `/liveness/sessions/${missingUser}/frames`, body: { frames: [clean] } },
  ];
  // A route that does not exist (yet) answers NOT_FOUND before any key check.
  const UNAUTHORIZED = ['UNAUTHORIZED', 'NOT_FOUND'];
  const wrongKeys: Array<[string, string | string[]]> = [
    ['wrong key', 'wrong-key-wrong-key-wrong'],
    ['upper-cased admin key', admin.toUpperCase()],
    ['admin key minus its last character', admin.slice(0, -1)],
    ['admin key plus a character', `${admin}x`],
    ['admin key twice', admin + admin],
    ['admin key as a Bearer value', `Bearer ${admin}`],
    ['base64 of the admin key', Buffer.from(admin).toString('base64')],
    ['SQL key', "' OR '1'='1' --"],
    ['257-character key', 'k'.repeat(257)],
    ['10000-character key', 'k'.repeat(10000)],
    ['key "null"', 'null'],
    ['key "*"', '*'],
    ['empty key', ''],
    ['two X-API-Key headers', [admin, 'wrong-key-wrong-key-wrong']],
    ['admin key sent twice in two headers', [admin, admin]],
    ['key with a tab inside', `${admin.slice(0, 8)}\t${admin.slice(8)}`],
  ];
  allRoutes.forEach((r, i) => {
    const body = r.body === undefined ? undefined : ({ kind: 'json', value: r.body } as const);
    const expectCodes = UNAUTHORIZED;
    b.add({ category: 'auth', route: r.route, name: `${r.route} without a key`, method: r.method, path: r.path, body, expectCodes });
    const [label, key] = wrongKeys[i % wrongKeys.length];
    b.add({ category: 'auth', route: r.route, name: `${r.route} with ${label}`, method: r.method, path: r.path, apiKey: key, body, expectCodes });
    const [label2, key2] = wrongKeys[(i + 7) % wrongKeys.length];
    b.add({ category: 'auth', route: r.route, name: `${r.route} with ${label2}`, method: r.method, path: r.path, apiKey: key2, body, expectCodes });
  });
  b.add({
    category: 'auth',
    route: 'GET /users',
    name: 'GET /users with the key in the query string',
    method: 'GET',
    path: `/users?api_key=${admin}&apiKey=${admin}`,
    expectCodes: UNAUTHORIZED,
  });
  b.add({
    category: 'auth',
    route: 'GET /users',
    name: 'GET /users with the key in Authorization only',
    method: 'GET',
    path: '/users',
    headers: { Authorization: `ApiKey ${admin}` },
    expectCodes: UNAUTHORIZED,
  });
  b.add({
    category: 'auth',
    route: 'GET /users',
    name: 'GET /users with the key in a cookie',
    method: 'GET',
    path: '/users',
    headers: { Cookie: `X-API-Key=${admin}; api_key=${admin}` },
    expectCodes: UNAUTHORIZED,
  });
  b.add({
    category: 'auth',
    route: 'DELETE /users/:id',
    name: 'DELETE /users/:id (known) with a look-alike header name',
    method: 'DELETE',
    path: `/users/${known}`,
    headers: { 'X-API-Keys': admin, 'X-Api_Key': admin },
    expectCodes: UNAUTHORIZED,
  });

  // =============================================================================================================
  // scoped keys reaching beyond their scopes or collections
  if (ctx.scopedKeys) {
    const k = ctx.scopedKeys;
    const FORBIDDEN = ['FORBIDDEN'];
    const HIDDEN = ['FORBIDDEN', 'USER_NOT_FOUND', 'COLLECTION_NOT_FOUND', 'FACE_NOT_FOUND'];
    const escalations: Array<[string, string, string[], Route, HttpMethod, string, unknown?]> = [
      ['read key', k.read, FORBIDDEN, 'POST /api-keys', 'POST', '/api-keys', { name: 'escalated', scopes: ['admin'] }],
      ['read key', k.read, FORBIDDEN, 'GET /api-keys', 'GET', '/api-keys'],
      ['read key', k.read, FORBIDDEN, 'DELETE /api-keys/:id', 'DELETE', `/api-keys/${k.readKeyId}`],
      ['read key', k.read, FORBIDDEN, 'GET /audit', 'GET', '/audit'],
      ['read key', k.read, FORBIDDEN, 'POST /collections', 'POST', '/collections', { name: 'escalated' }],
      ['read key', k.read, FORBIDDEN, 'GET /collections', 'GET', '/collections'],
      ['read key', k.read, FORBIDDEN, 'GET /collections/:name', 'GET', '/collections/default'],
      ['read key', k.read, FORBIDDEN, 'PATCH /collections/:name', 'PATCH', '/collections/default', { settings: { matchThreshold: 0 } }],
      ['read key', k.read, FORBIDDEN, 'DELETE /collections/:name', 'DELETE', `/collections/${k.otherCollection}`],
      ['read key', k.read, FORBIDDEN, 'POST /users', 'POST', '/users', { name: 'escalated', images: [clean] }],
      ['read key', k.read, FORBIDDEN, 'PATCH /users/:id', 'PATCH', `/users/${known}`, { name: 'pwned' }],
      ['read key', k.read, FORBIDDEN, 'DELETE /users/:id', 'DELETE', `/users/${known}`],
      ['read key', k.read, FORBIDDEN, 'POST /users/:id/faces', 'POST', `/users/${known}/faces`, { images: [clean] }],
      ['read key', k.read, FORBIDDEN, 'DELETE /users/:id/faces/:faceId', 'DELETE', `/users/${known}/faces/${ctx.knownFaceId}`],
      ['read key', k.read, FORBIDDEN, 'POST /verify', 'POST', '/verify', { userId: known, image: clean }],
      ['read key', k.read, FORBIDDEN, 'POST /recognize', 'POST', '/recognize', { image: clean }],
      ['recognize key', k.recognize, FORBIDDEN, 'GET /users', 'GET', '/users'],
      ['recognize key', k.recognize, FORBIDDEN, 'GET /users/:id', 'GET', `/users/${known}`],
      ['recognize key', k.recognize, FORBIDDEN, 'PATCH /users/:id', 'PATCH', `/users/${known}`, { name: 'pwned' }],
      ['recognize key', k.recognize, FORBIDDEN, 'DELETE /users/:id', 'DELETE', `/users/${known}`],
      ['recognize key', k.recognize, FORBIDDEN, 'POST /api-keys', 'POST', '/api-keys', { name: 'escalated', scopes: ['recognize', 'admin'] }],
      ['recognize key', k.recognize, FORBIDDEN, 'DELETE /collections/:name', 'DELETE', `/collections/${k.otherCollection}`],
      ['recognize key', k.recognize, FORBIDDEN, 'GET /audit', 'GET', '/audit?collection=default'],
      ['confined key', k.confined, HIDDEN, 'GET /users/:id', 'GET', `/users/${known}`],
      ['confined key', k.confined, HIDDEN, 'GET /users', 'GET', '/users?collection=default'],
      ['confined key', k.confined, HIDDEN, 'PATCH /users/:id', 'PATCH', `/users/${known}`, { name: 'pwned' }],
      ['confined key', k.confined, HIDDEN, 'DELETE /users/:id', 'DELETE', `/users/${known}`],
      ['confined key', k.confined, HIDDEN, 'POST /users/:id/faces', 'POST', `/users/${known}/faces`, { images: [clean] }],
      ['confined key', k.confined, HIDDEN, 'DELETE /users/:id/faces/:faceId', 'DELETE', `/users/${known}/faces/${ctx.knownFaceId}`],
      ['confined key', k.confined, HIDDEN, 'POST /verify', 'POST', '/verify', { userId: known, image: clean }],
      ['confined key', k.confined, HIDDEN, 'POST /verify', 'POST', '/verify', { externalId: ctx.knownExternalId, collection: 'default', image: clean }],
      ['confined key', k.confined, HIDDEN, 'POST /recognize', 'POST', '/recognize', { image: clean, collection: 'default' }],
      ['confined key', k.confined, HIDDEN, 'POST /users', 'POST', '/users', { name: 'escaped', collection: 'default', images: [clean] }],
      ['confined key', k.confined, FORBIDDEN, 'POST /api-keys', 'POST', '/api-keys', { name: 'escalated', scopes: ['read'], collections: ['default'] }],
      ['confined key', k.confined, FORBIDDEN, 'PATCH /collections/:name', 'PATCH', `/collections/${k.otherCollection}`, { description: 'mine now' }],
    ];
    escalations.forEach(([who, key, expectCodes, route, method, path, value]) =>
      b.add({
        category: 'scope-escalation',
        route,
        name: `${route} with a ${who}`,
        method,
        path,
        apiKey: key,
        body: value === undefined ? undefined : { kind: 'json', value },
        expectCodes,
      }),
    );
  }

  // =============================================================================================================
  // random bytes, with and without the magic numbers of image formats
  const magics: Array<[string, Buffer]> = [
    ['no magic', Buffer.alloc(0)],
    ['JPEG magic', Buffer.from('ffd8ffe0', 'hex')],
    ['JFIF header', JFIF_HEADER],
    ['PNG signature', PNG_SIGNATURE],
    ['WebP RIFF header', Buffer.concat([Buffer.from('RIFF'), Buffer.from([0xff, 0xff, 0, 0]), Buffer.from('WEBPVP8 ')])],
    ['GIF magic', Buffer.from('GIF89a')],
    ['BMP magic', Buffer.from('BM')],
    ['TIFF magic', Buffer.from('49492a00', 'hex')],
    ['AVIF ftyp', Buffer.from('0000001c6674797061766966', 'hex')],
    ['PDF magic', Buffer.from('%PDF-1.7\n')],
    ['ELF magic', Buffer.from('7f454c46', 'hex')],
  ];
  const lengths = [1, 2, 3, 7, 64, 1000, 4096, 30000, 250000];
  for (let i = 0; i < 36; i++) {
    const [label, magic] = magics[i % magics.length];
    const length = lengths[int(0, lengths.length - 1)];
    const data = Buffer.concat([magic, bytes(length)]);
    const encodings = ['base64', 'data URL', 'base64url', 'base64 with line breaks'] as const;
    const encoding = encodings[i % encodings.length];
    let text = b64(data);
    if (encoding === 'data URL') text = dataUrl(data, pick(['image/jpeg', 'image/png', 'application/octet-stream', 'text/html']));
    if (encoding === 'base64url') text = data.toString('base64url');
    if (encoding === 'base64 with line breaks') text = (text.match(/.{1,76}/g) ?? []).join('\r\n');
    sendImage('random-bytes', { label: `${length} random bytes after ${label} (${encoding})`, text, bytes: data, safety: 'undecodable' });
  }

  // =============================================================================================================
  // strings that are not base64 or data URLs
  const invalidBase64: Array<[string, string]> = [
    ['not base64 at all', 'not base64 at all!'],
    ['one character', 'A'],
    ['five characters (length % 4 == 1)', 'AAAAA'],
    ['only padding', '===='],
    ['too much padding', 'AAAA===='],
    ['padding in the middle', 'AA==AAAA'],
    ['mixed base64 and base64url alphabets', '+/-_AAAA'],
    ['base64 of zero bytes', 'AAAAAAAAAAAAAAAAAAAA'],
    ['whitespace only', ' \t\r\n '],
    ['a NUL character', '\u0000'],
    ['unicode digits', '\uff21\uff21\uff21\uff21'],
    ['empty data URL', 'data:image/jpeg;base64,'],
    ['data URL without base64', 'data:image/png,rawbytes'],
    ['data URL without comma', 'data:image/png;base64'],
    ['bare "data:"', 'data:'],
    ['data URL with percent signs', 'data:image/png;base64,%%%%'],
    ['data URL with a huge parameter', `data:image/png;${'x'.repeat(20000)}=1;base64,AAAA`],
    ['data URL with 5000 parameters', `data:image/png${';a=b'.repeat(5000)};base64,AAAA`],
    ['HTML data URL', `data:text/html;base64,${Buffer.from(HTML_PAYLOAD).toString('base64')}`],
    ['SVG data URL with script', `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>').toString('base64')}`],
    ['javascript: URL', 'javascript:alert(1)'],
    ['http URL', 'http://169.254.169.254/latest/meta-data/'],
    ['file URL', 'file:///etc/passwd'],
    ['path', '/etc/passwd'],
    ['data URL of a data URL', `data:image/png;base64,${Buffer.from('data:image/png;base64,AAAA').toString('base64')}`],
    ['2 MiB of spaces then AAAA', `${' '.repeat(2 * 1024 * 1024)}AAAA`],
  ];
  invalidBase64.forEach(([label, text]) => sendImage('invalid-base64', { label, text, bytes: Buffer.alloc(0), safety: 'undecodable' }));

  // =============================================================================================================
  // truncated real photos
  const truncationPhotos = [...FACE_JPEGS.slice(0, 4), FACE_PNGS[0], ...NOFACE_PNGS.slice(1, 3), NOFACE_JPEGS[0]];
  const cuts: Array<[string, (n: number) => number]> = [
    ['2 bytes', () => 2],
    ['3 bytes', () => 3],
    ['20 bytes', () => 20],
    ['600 bytes', () => 600],
    ['10%', (n) => Math.floor(n * 0.1)],
    ['30%', (n) => Math.floor(n * 0.3)],
    ['50%', (n) => Math.floor(n * 0.5)],
    ['70%', (n) => Math.floor(n * 0.7)],
    ['90%', (n) => Math.floor(n * 0.9)],
    ['all but 2 bytes', (n) => n - 2],
    ['a random length', (n) => int(4, n - 1)],
  ];
  truncationPhotos.forEach((file, fi) => {
    const photo = photoBytes(file);
    const face = !file.startsWith('noface/');
    for (let k = 0; k < 5; k++) {
      const [label, cut] = cuts[(fi * 5 + k) % cuts.length];
      const length = Math.max(1, Math.min(photo.length - 1, cut(photo.length)));
      // Late truncations of a face photo may still decode to a face: only sent with a face-less partner.
      const safety: ImageSafety = !face ? 'noface' : length <= photo.length * 0.5 ? 'undecodable' : 'maybe-face';
      const mime = file.endsWith('.png') ? 'image/png' : undefined;
      sendImage('truncated-photo', sample(`${file} truncated to ${label} (${length} bytes)`, photo.subarray(0, length), safety, mime));
    }
  });

  // =============================================================================================================
  // bit-flipped real photos
  const flipPhotos = [...FACE_JPEGS, ...FACE_PNGS, ...NOFACE_PNGS, ...NOFACE_JPEGS];
  for (let i = 0; i < 40; i++) {
    const file = flipPhotos[i % flipPhotos.length];
    const photo = Buffer.from(photoBytes(file));
    const flips = pick([1, 2, 8, 32, 256, 2048]);
    const headerOnly = i % 3 === 0;
    for (let f = 0; f < flips; f++) {
      const at = headerOnly ? int(0, Math.min(photo.length, 700) - 1) : int(0, photo.length - 1);
      photo[at] ^= 1 << int(0, 7);
    }
    const safety: ImageSafety = file.startsWith('noface/') ? 'noface' : 'maybe-face';
    sendImage(
      'bit-flipped-photo',
      sample(`${file} with ${flips} bit flips${headerOnly ? ' in the header' : ''}`, photo, safety, i % 2 ? 'image/png' : undefined),
    );
  }

  // =============================================================================================================
  // polyglots
  const noFaceJpeg = photoBytes(NOFACE_JPEGS[0]);
  const noFacePng = photoBytes('noface/004.png');
  const faceJpeg = photoBytes(FACE_JPEGS[2]);
  const zip = zipArchive('payload.html', HTML_PAYLOAD);
  const polyglots: ImageSample[] = [
    sample('JFIF header followed by a ZIP', Buffer.concat([JFIF_HEADER, zip]), 'undecodable'),
    sample('JFIF header followed by HTML/script', Buffer.concat([JFIF_HEADER, Buffer.from(HTML_PAYLOAD)]), 'undecodable'),
    sample('JPEG SOI followed by PHP', Buffer.concat([Buffer.from('ffd8ff', 'hex'), Buffer.from(PHP_PAYLOAD)]), 'undecodable'),
    sample('PNG signature followed by HTML', Buffer.concat([PNG_SIGNATURE, Buffer.from(HTML_PAYLOAD)]), 'undecodable'),
    sample('PNG signature followed by a ZIP', Buffer.concat([PNG_SIGNATURE, zip]), 'undecodable'),
    sample('GIF/JavaScript polyglot', Buffer.from(`GIF89a/*\x01\x00\x01\x00\x00\xff\x00,*/=1;${JS_PAYLOAD}`, 'latin1'), 'undecodable'),
    sample('GIF89a header only', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'undecodable'),
    sample('SVG with script', Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><script>${JS_PAYLOAD}</script></svg>`), 'undecodable'),
    sample(
      'XML with an external entity',
      Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><svg>&e;</svg>'),
      'undecodable',
    ),
    sample('PDF with JavaScript', Buffer.from(`%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(${JS_PAYLOAD})>>>>endobj`), 'undecodable'),
    sample('BMP header with HTML', Buffer.concat([Buffer.from('BM'), Buffer.from(HTML_PAYLOAD)]), 'undecodable'),
    sample('WebP header with a ZIP', Buffer.concat([Buffer.from('RIFF\x00\x01\x00\x00WEBPVP8 ', 'latin1'), zip]), 'undecodable'),
    sample('HTML page', Buffer.from(HTML_PAYLOAD), 'undecodable'),
    sample('ZIP archive', zip, 'undecodable'),
    sample('gzip of a JPEG', gzipSync(faceJpeg), 'undecodable'),
    sample('shell script', Buffer.from('#!/bin/sh\nrm -rf / --no-preserve-root\n'), 'undecodable'),
    sample('face-less JPEG followed by a ZIP', Buffer.concat([noFaceJpeg, zip]), 'noface'),
    sample('face-less JPEG followed by HTML', Buffer.concat([noFaceJpeg, Buffer.from(HTML_PAYLOAD)]), 'noface'),
    sample('face-less PNG followed by JavaScript', Buffer.concat([noFacePng, Buffer.from(JS_PAYLOAD)]), 'noface', 'image/png'),
    sample('face-less PNG followed by a ZIP', Buffer.concat([noFacePng, zip]), 'noface', 'image/png'),
    sample('face-less JPEG with PHP in a COM segment', jpegWithSegment(noFaceJpeg, 0xfe, Buffer.from(PHP_PAYLOAD)), 'noface'),
    sample(
      'face-less JPEG with a 64 KB garbage EXIF segment',
      jpegWithSegment(noFaceJpeg, 0xe1, Buffer.concat([Buffer.from('Exif\0\0MM\0*'), bytes(65000)])),
      'noface',
    ),
    sample('face-less JPEG with an HTML APP segment', jpegWithSegment(noFaceJpeg, 0xe5, Buffer.from(HTML_PAYLOAD)), 'noface'),
    sample('face JPEG followed by a ZIP', Buffer.concat([faceJpeg, zip]), 'maybe-face'),
    sample('face JPEG followed by JavaScript', Buffer.concat([faceJpeg, Buffer.from(JS_PAYLOAD)]), 'maybe-face'),
    sample('face JPEG with PHP in a COM segment', jpegWithSegment(faceJpeg, 0xfe, Buffer.from(PHP_PAYLOAD)), 'maybe-face'),
    sample('face JPEG inside a PNG-signature prefix', Buffer.concat([PNG_SIGNATURE, faceJpeg]), 'undecodable'),
  ];
  polyglots.forEach((p, i) => sendImage('polyglot', p, i < 16 ? 2 : 1));

  // =============================================================================================================
  // images declaring huge (or impossible) dimensions, and a real decompression bomb
  const jpegForSof = photoBytes(FACE_JPEGS[0]);
  const TOO_LARGE = ['IMAGE_TOO_LARGE'];
  const huge: ImageSample[] = [
    sample('PNG declaring 50000x50000', pngDeclaring(50000, 50000), 'undecodable', undefined, TOO_LARGE),
    sample('PNG declaring 65535x65535', pngDeclaring(65535, 65535), 'undecodable', undefined, TOO_LARGE),
    sample('PNG declaring 2147483647x1', pngDeclaring(2147483647, 1), 'undecodable'),
    sample('PNG declaring 1x2147483647', pngDeclaring(1, 2147483647), 'undecodable'),
    sample('PNG declaring 4294967295x4294967295', pngDeclaring(0xffffffff, 0xffffffff), 'undecodable'),
    sample('PNG declaring 0x0', pngDeclaring(0, 0), 'undecodable'),
    sample('PNG declaring 7000x7000 (49 MP)', pngDeclaring(7000, 7000), 'undecodable', undefined, TOO_LARGE),
    sample('PNG declaring 50000x50000 as a data URL', pngDeclaring(50000, 50000), 'undecodable', 'image/png', TOO_LARGE),
    sample('JPEG SOF declaring 65000x65000', jpegDeclaring(jpegForSof, 65000, 65000), 'undecodable', undefined, TOO_LARGE),
    sample('JPEG SOF declaring 65535x65535', jpegDeclaring(jpegForSof, 65535, 65535), 'undecodable'),
    sample('JPEG SOF declaring 0x0', jpegDeclaring(jpegForSof, 0, 0), 'undecodable'),
    sample('JPEG SOF declaring 65000x1', jpegDeclaring(jpegForSof, 65000, 1), 'noface'),
    sample('JPEG SOF declaring 1x65000', jpegDeclaring(jpegForSof, 1, 65000), 'noface'),
    sample('JPEG SOF declaring 8000x8000 (64 MP)', jpegDeclaring(jpegForSof, 8000, 8000), 'undecodable', undefined, TOO_LARGE),
    sample(
      'real PNG bomb 8000x8000 of zeros (64 MP)',
      once('png-bomb', () => pngBomb(8000, 8000)),
      'undecodable',
      undefined,
      TOO_LARGE,
    ),
  ];
  huge.forEach((h) => sendImage('huge-dimensions', h, 3));

  // tiny and degenerate (but valid) images: no face can be in them
  const tiny: ImageSample[] = [
    sample('1x1 PNG', solidPng(1, 1), 'noface', 'image/png'),
    sample('2x2 PNG', solidPng(2, 2, 200), 'noface'),
    sample('1x3000 PNG strip', solidPng(1, 3000, 128), 'noface'),
    sample('3000x1 PNG strip', solidPng(3000, 1, 128), 'noface'),
    sample('16x16 PNG', solidPng(16, 16, 255), 'noface'),
    sample('39x39 PNG', solidPng(39, 39, 90), 'noface'),
    sample('2000x2000 black PNG', solidPng(2000, 2000), 'noface'),
    sample('JPEG SOF declaring 1x1', jpegDeclaring(jpegForSof, 1, 1), 'noface'),
  ];
  tiny.forEach((t) => sendImage('tiny-image', t, 3));

  // =============================================================================================================
  // wrong JSON types for every field
  const wrongForString: unknown[] = [123, -1, 0, 1.5, true, false, [], ['a'], {}, { $gt: '' }, [[[]]], { toString: 'x' }];
  const wrongForImage: unknown[] = [123, true, [], [clean], {}, { type: 'Buffer', data: [0xff, 0xd8, 0xff] }, { data: clean }, '', '   '];
  const wrongForImages: unknown[] = ['string', clean, 123, true, {}, { 0: clean, length: 1 }, [null], [123], [[clean]], [{}], [true], [''], [clean, 42]];
  const wrongForObject: unknown[] = ['string', 1, true, [], [{}], ['a', 'b'], [[]]];
  const wrongForNumber: unknown[] = ['0.5', '3', true, false, [], [0.5], {}, { $lt: 1 }, '', 'NaN', 'Infinity'];
  const sampleOf = <T>(items: readonly T[], n: number): T[] => {
    const start = int(0, items.length - 1);
    return Array.from({ length: Math.min(n, items.length) }, (_, i) => items[(start + i * 5) % items.length]);
  };
  const describe = (v: unknown) => {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 40 ? `${s.slice(0, 37)}...` : s;
  };
  const typeCases: Array<{ route: Route; method: HttpMethod; path: string; base: Record<string, unknown>; field: string; values: unknown[] }> = [
    { route: 'POST /users', method: 'POST', path: '/users', base: { name: 'types', images: [noFace] }, field: 'name', values: sampleOf(wrongForString, 6) },
    { route: 'POST /users', method: 'POST', path: '/users', base: { name: 'types', images: [clean] }, field: 'name', values: [null] },
    {
      route: 'POST /users',
      method: 'POST',
      path: '/users',
      base: { name: 'types', images: [noFace] },
      field: 'externalId',
      values: sampleOf(wrongForString, 5),
    },
    {
      route: 'POST /users',
      method: 'POST',
      path: '/users',
      base: { name: 'types', images: [noFace] },
      field: 'collection',
      values: sampleOf(wrongForString, 5),
    },
    { route: 'POST /users', method: 'POST', path: '/users', base: { name: 'types' }, field: 'images', values: sampleOf(wrongForImages, 8) },
    { route: 'POST /users', method: 'POST', path: '/users', base: { name: 'types', images: [noFace] }, field: 'metadata', values: sampleOf(wrongForObject, 5) },
    { route: 'PATCH /users/:id', method: 'PATCH', path: `/users/${known}`, base: {}, field: 'name', values: sampleOf(wrongForString, 6) },
    { route: 'PATCH /users/:id', method: 'PATCH', path: `/users/${known}`, base: {}, field: 'metadata', values: sampleOf(wrongForObject, 5) },
    { route: 'PATCH /users/:id', method: 'PATCH', path: `/users/${known}`, base: { name: 'renamed' }, field: 'metadata', values: ['{}'] },
    { route: 'POST /users/:id/faces', method: 'POST', path: `/users/${known}/faces`, base: {}, field: 'images', values: sampleOf(wrongForImages, 8) },
    {
      route: 'POST /verify',
      method: 'POST',
      path: '/verify',
      base: { image: clean },
      field: 'userId',
      values: [...sampleOf(wrongForString, 5), [known], { id: known }],
    },
    {
      route: 'POST /verify',
      method: 'POST',
      path: '/verify',
      base: { image: clean },
      field: 'externalId',
      values: [...sampleOf(wrongForString, 5), [ctx.knownExternalId]],
    },
    { route: 'POST /verify', method: 'POST', path: '/verify', base: { userId: known, image: clean }, field: 'collection', values: sampleOf(wrongForString, 4) },
    { route: 'POST /verify', method: 'POST', path: '/verify', base: { userId: known }, field: 'image', values: sampleOf(wrongForImage, 6) },
    { route: 'POST /verify', method: 'POST', path: '/verify', base: { userId: known, image: clean }, field: 'threshold', values: sampleOf(wrongForNumber, 5) },
    { route: 'POST /recognize', method: 'POST', path: '/recognize', base: {}, field: 'image', values: sampleOf(wrongForImage, 6) },
    { route: 'POST /recognize', method: 'POST', path: '/recognize', base: { image: clean }, field: 'collection', values: sampleOf(wrongForString, 4) },
    { route: 'POST /recognize', method: 'POST', path: '/recognize', base: { image: clean }, field: 'threshold', values: sampleOf(wrongForNumber, 5) },
    { route: 'POST /recognize', method: 'POST', path: '/recognize', base: { image: clean }, field: 'topK', values: sampleOf(wrongForNumber, 6) },
    { route: 'POST /detect', method: 'POST', path: '/detect', base: {}, field: 'image', values: sampleOf(wrongForImage, 8) },
    { route: 'POST /liveness/sessions', method: 'POST', path: '/liveness/sessions', base: {}, field: 'collection', values: sampleOf(wrongForString, 4) },
    {
      route: 'POST /liveness/sessions/:id/frames',
      method: 'POST',
      path: `/liveness/sessions/${missingUser}/frames`,
      base: {},
      field: 'frames',
      values: sampleOf(wrongForImages, 8),
    },
    {
      route: 'POST /liveness/sessions/:id/frames',
      method: 'POST',
      path: `/liveness/sessions/${missingUser}/frames`,
      base: { frames: [clean] },
      field: 'final',
      values: ['true', 1, [], {}],
    },
    {
      route: 'POST /verify',
      method: 'POST',
      path: '/verify',
      base: { userId: known, image: clean },
      field: 'livenessToken',
      values: [...sampleOf(wrongForString, 4), 'lt_', 'lt_x y', 'x'.repeat(120)],
    },
    {
      route: 'POST /recognize',
      method: 'POST',
      path: '/recognize',
      base: { image: clean },
      field: 'livenessToken',
      values: [...sampleOf(wrongForString, 3), 'lt_made-up-token', 'LT_abc'],
    },
    { route: 'POST /compare', method: 'POST', path: '/compare', base: { imageB: clean }, field: 'imageA', values: sampleOf(wrongForImage, 5) },
    { route: 'POST /compare', method: 'POST', path: '/compare', base: { imageA: clean }, field: 'imageB', values: sampleOf(wrongForImage, 5) },
    { route: 'POST /collections', method: 'POST', path: '/collections', base: {}, field: 'name', values: sampleOf(wrongForString, 6) },
    {
      route: 'POST /collections',
      method: 'POST',
      path: '/collections',
      base: { name: 'hostile-types' },
      field: 'description',
      values: sampleOf(wrongForString, 4),
    },
    {
      route: 'POST /collections',
      method: 'POST',
      path: '/collections',
      base: { name: 'hostile-types' },
      field: 'settings',
      values: sampleOf(wrongForObject, 4),
    },
    {
      route: 'POST /collections',
      method: 'POST',
      path: '/collections',
      base: { name: 'hostile-types' },
      field: 'settings',
      values: [{ matchThreshold: '0.5' }, { matchThreshold: [0.5] }, { matchThreshold: true }],
    },
    { route: 'PATCH /collections/:name', method: 'PATCH', path: '/collections/default', base: {}, field: 'description', values: sampleOf(wrongForString, 4) },
    {
      route: 'PATCH /collections/:name',
      method: 'PATCH',
      path: '/collections/default',
      base: {},
      field: 'settings',
      values: [...sampleOf(wrongForObject, 3), { matchThreshold: '0' }, { matchThreshold: {} }],
    },
    { route: 'POST /api-keys', method: 'POST', path: '/api-keys', base: {}, field: 'name', values: sampleOf(wrongForString, 5) },
    {
      route: 'POST /api-keys',
      method: 'POST',
      path: '/api-keys',
      base: { name: 'hostile-types' },
      field: 'scopes',
      values: ['admin', 1, true, {}, { 0: 'admin' }, [1], [['admin']], [{}], ['root'], ['ADMIN'], ['admin', 'admin; DROP TABLE api_keys']],
    },
    {
      route: 'POST /api-keys',
      method: 'POST',
      path: '/api-keys',
      base: { name: 'hostile-types', scopes: ['read'] },
      field: 'collections',
      values: ['default', 1, {}, [1], [''], ['UPPER'], [['default']], ['../x']],
    },
  ];
  for (const c of typeCases) {
    for (const v of c.values) {
      json('wrong-type', c.route, `${c.route} ${c.field}=${describe(v)}`, c.method, c.path, { ...c.base, [c.field]: v });
    }
  }
  // null is not a name and not an object: refused, not passed on to the database as a column value.
  json('wrong-type', 'PATCH /users/:id', 'PATCH /users/:id (known user) name=null', 'PATCH', `/users/${known}`, { name: null });
  json('wrong-type', 'PATCH /users/:id', 'PATCH /users/:id (known user) metadata=null', 'PATCH', `/users/${known}`, { metadata: null });
  // PATCH with nulls on a user that does not exist: the value reaches the database layer.
  json('wrong-type', 'PATCH /users/:id', 'PATCH /users/:id (missing user) name=null', 'PATCH', `/users/${missingUser}`, { name: null });
  json('wrong-type', 'PATCH /users/:id', 'PATCH /users/:id (missing user) metadata=null', 'PATCH', `/users/${missingUser}`, { metadata: null });
  json('wrong-type', 'PATCH /collections/:name', 'PATCH /collections/:name (missing) settings=null', 'PATCH', `/collections/${missingCollection}`, {
    settings: null,
  });
  json('wrong-type', 'PATCH /collections/:name', 'PATCH /collections/:name (missing) description=null', 'PATCH', `/collections/${missingCollection}`, {
    description: null,
  });

  // =============================================================================================================
  // very long strings (100k characters)
  const long = 'A'.repeat(100_000);
  const longUnicode = '\ud83d\ude00'.repeat(50_000);
  const longCases: Array<[Route, HttpMethod, string, Record<string, unknown>]> = [
    ['POST /users', 'POST', '/users', { name: long, images: [noFace] }],
    ['POST /users', 'POST', '/users', { name: 'long', externalId: long, images: [noFace] }],
    ['POST /users', 'POST', '/users', { name: 'long', collection: long, images: [noFace] }],
    ['POST /users', 'POST', '/users', { name: longUnicode, images: [clean] }],
    ['POST /users', 'POST', '/users', { name: 'long', images: [noFace], metadata: { note: long } }],
    ['POST /users', 'POST', '/users', { name: 'long', images: [noFace], metadata: { [long]: 1 } }],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, { name: long }],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, { name: 'x'.repeat(201) }],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, { metadata: { note: long } }],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, { metadata: { note: 'é'.repeat(8200) } }],
    ['PATCH /users/:id', 'PATCH', `/users/${missingUser}`, { name: longUnicode }],
    ['POST /verify', 'POST', '/verify', { externalId: long, image: clean }],
    ['POST /verify', 'POST', '/verify', { externalId: 'x'.repeat(201), image: clean }],
    ['POST /verify', 'POST', '/verify', { userId: long, image: clean }],
    ['POST /verify', 'POST', '/verify', { userId: known, collection: long, image: clean }],
    ['POST /recognize', 'POST', '/recognize', { image: long }],
    ['POST /recognize', 'POST', '/recognize', { image: clean, collection: long }],
    ['POST /detect', 'POST', '/detect', { image: `data:image/jpeg;base64,${long}` }],
    ['POST /compare', 'POST', '/compare', { imageA: long, imageB: long }],
    ['POST /users/:id/faces', 'POST', `/users/${known}/faces`, { images: [long] }],
    ['POST /collections', 'POST', '/collections', { name: long }],
    ['POST /collections', 'POST', '/collections', { name: 'hostile-long', description: long }],
    ['POST /collections', 'POST', '/collections', { name: 'hostile-long', description: 'x'.repeat(501) }],
    ['PATCH /collections/:name', 'PATCH', '/collections/default', { description: long }],
    ['POST /api-keys', 'POST', '/api-keys', { name: long, scopes: ['read'] }],
  ];
  longCases.forEach(([route, method, path, value], i) =>
    json('long-string', route, `${route} long string #${i + 1} (${Object.keys(value).join(',')})`, method, path, value),
  );
  const longSegment = 'a'.repeat(6000);
  b.add({
    category: 'long-string',
    route: 'GET /users/:id',
    name: 'GET /users/:id with a 6000-character id',
    method: 'GET',
    path: `/users/${longSegment}`,
    apiKey: admin,
  });
  b.add({
    category: 'long-string',
    route: 'DELETE /users/:id/faces/:faceId',
    name: 'DELETE face with a 6000-character face id',
    method: 'DELETE',
    path: `/users/${known}/faces/${longSegment}`,
    apiKey: admin,
  });
  b.add({
    category: 'long-string',
    route: 'GET /collections/:name',
    name: 'GET /collections/:name with a 6000-character name',
    method: 'GET',
    path: `/collections/${longSegment}`,
    apiKey: admin,
  });
  b.add({
    category: 'long-string',
    route: 'DELETE /api-keys/:id',
    name: 'DELETE /api-keys/:id with a 6000-character id',
    method: 'DELETE',
    path: `/api-keys/${longSegment}`,
    apiKey: admin,
  });
  b.add({
    category: 'long-string',
    route: 'GET /users',
    name: 'GET /users with a 6000-character cursor',
    method: 'GET',
    path: `/users?cursor=${longSegment}`,
    apiKey: admin,
  });
  b.add({
    category: 'long-string',
    route: 'GET /users',
    name: 'GET /users with a 6000-character collection',
    method: 'GET',
    path: `/users?collection=${longSegment}`,
    apiKey: admin,
  });
  b.add({
    category: 'long-string',
    route: 'GET /audit',
    name: 'GET /audit with a 6000-character action',
    method: 'GET',
    path: `/audit?action=${longSegment}`,
    apiKey: admin,
  });
  b.add({
    category: 'long-string',
    route: 'GET /audit',
    name: 'GET /audit with a 6000-character cursor',
    method: 'GET',
    path: `/audit?cursor=${longSegment}`,
    apiKey: admin,
  });

  // =============================================================================================================
  // unicode: RTL overrides, zero-width joiners, emoji, lone surrogates, NUL
  UNICODE_STRINGS.forEach((u, i) => {
    const label = describe(u);
    // Values that reach the database: lookups and updates of things that do not exist.
    json('unicode', 'POST /verify', `POST /verify externalId=${label}`, 'POST', '/verify', { externalId: u, image: clean });
    json('unicode', 'PATCH /users/:id', `PATCH /users/:id (missing user) name=${label}`, 'PATCH', `/users/${missingUser}`, { name: u });
    if (i % 2 === 0)
      json('unicode', 'PATCH /users/:id', `PATCH /users/:id (missing user) metadata with ${label}`, 'PATCH', `/users/${missingUser}`, {
        metadata: { [u]: u, nested: [u] },
      });
    if (i % 2 === 1)
      json('unicode', 'POST /users', `POST /users named ${label} with a face-less photo`, 'POST', '/users', {
        name: u,
        externalId: u,
        images: [noFace],
        metadata: { [u]: u },
      });
    if (i % 3 === 0) json('unicode', 'POST /recognize', `POST /recognize collection=${label}`, 'POST', '/recognize', { image: clean, collection: u });
    if (i % 3 === 1) json('unicode', 'POST /collections', `POST /collections name=${label}`, 'POST', '/collections', { name: u });
    if (i % 3 === 2)
      json('unicode', 'PATCH /collections/:name', `PATCH /collections/:name (missing) description=${label}`, 'PATCH', `/collections/${missingCollection}`, {
        description: u,
      });
    if (i % 4 === 0) json('unicode', 'POST /detect', `POST /detect image=${label}`, 'POST', '/detect', { image: u });
  });
  const encodedUnicode = ['%E2%80%AE', '%E2%80%8D', '%F0%9F%98%80', '%ED%A0%80', '%C0%AF', '%FF', '%00', '%EF%BB%BF'];
  encodedUnicode.forEach((e, i) => {
    b.add({ category: 'unicode', route: 'GET /users', name: `GET /users?collection=${e}`, method: 'GET', path: `/users?collection=${e}`, apiKey: admin });
    b.add({ category: 'unicode', route: 'GET /users', name: `GET /users?cursor=${e}`, method: 'GET', path: `/users?cursor=${e}x${e}`, apiKey: admin });
    if (i % 2 === 0)
      b.add({ category: 'unicode', route: 'GET /audit', name: `GET /audit?limit=${e}`, method: 'GET', path: `/audit?limit=${e}`, apiKey: admin });
  });
  // NUL cannot be stored in PostgreSQL text or jsonb: writes that carry one must be refused, not crash.
  const nulWrites: Array<[Route, HttpMethod, string, string, Record<string, unknown>]> = [
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, 'name with NUL', { name: 'Known\u0000Person' }],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, 'metadata value with NUL', { metadata: { role: 'a\u0000b' } }],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, 'metadata key with NUL', { metadata: { 'ro\u0000le': 1 } }],
    ['POST /users', 'POST', '/users', 'name with NUL and a clean face photo', { name: 'nul\u0000name', images: [clean] }],
    ['POST /users', 'POST', '/users', 'externalId with NUL and a clean face photo', { name: 'nul', externalId: 'nul\u0000id', images: [clean] }],
    ['POST /users', 'POST', '/users', 'metadata with NUL and a clean face photo', { name: 'nul', images: [clean], metadata: { k: '\u0000' } }],
    ['POST /collections', 'POST', '/collections', 'description with NUL', { name: 'hostile-nul', description: 'a\u0000b' }],
    ['PATCH /collections/:name', 'PATCH', '/collections/default', 'description with NUL', { description: 'a\u0000b' }],
    ['POST /api-keys', 'POST', '/api-keys', 'name with NUL', { name: 'nul\u0000key', scopes: ['read'] }],
  ];
  nulWrites.forEach(([route, method, path, label, value]) => json('unicode', route, `${route} ${label}`, method, path, value));
  // JSON with raw (unescaped) and escaped oddities, sent as text.
  raw(
    'unicode',
    'POST /users',
    'POST /users with invalid UTF-8 bytes in a string',
    'POST',
    '/users',
    'application/json',
    Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff]), Buffer.from(`","images":["${junk}"]}`)]),
  );
  raw(
    'unicode',
    'POST /verify',
    'POST /verify with escaped lone surrogates in externalId',
    'POST',
    '/verify',
    'application/json',
    `{"externalId":"\\ud800\\udc00\\udfff\\ud800","image":"${junk}"}`,
  );
  raw(
    'unicode',
    'PATCH /users/:id',
    'PATCH /users/:id (missing user) with an escaped NUL key',
    'PATCH',
    `/users/${missingUser}`,
    'application/json',
    '{"metadata":{"\\u0000":"\\u0000"}}',
  );
  raw(
    'unicode',
    'POST /users',
    'POST /users with a UTF-16 body',
    'POST',
    '/users',
    'application/json',
    Buffer.from(`{"name":"x","images":["${junk}"]}`, 'utf16le'),
  );
  raw('unicode', 'POST /recognize', 'POST /recognize with a UTF-8 BOM', 'POST', '/recognize', 'application/json', `\ufeff{"image":"${junk}"}`);

  // =============================================================================================================
  // SQL-looking strings wherever a string reaches the database
  SQL_STRINGS.forEach((s, i) => {
    const label = describe(s);
    json('sql-looking', 'POST /verify', `POST /verify externalId=${label}`, 'POST', '/verify', { externalId: s, image: clean });
    json('sql-looking', 'PATCH /users/:id', `PATCH /users/:id (missing user) name=${label}`, 'PATCH', `/users/${missingUser}`, {
      name: s,
      metadata: { [s]: s },
    });
    const encoded = encodeURIComponent(s);
    if (i % 2 === 0)
      b.add({
        category: 'sql-looking',
        route: 'GET /users',
        name: `GET /users?collection=${label}`,
        method: 'GET',
        path: `/users?collection=${encoded}`,
        apiKey: admin,
      });
    if (i % 2 === 1)
      b.add({
        category: 'sql-looking',
        route: 'GET /users',
        name: `GET /users?cursor=${label}`,
        method: 'GET',
        path: `/users?cursor=${encoded}`,
        apiKey: admin,
      });
    if (i % 3 === 0)
      json('sql-looking', 'POST /users', `POST /users name/externalId=${label}`, 'POST', '/users', {
        name: s,
        externalId: s,
        images: [noFace],
        metadata: { q: s },
      });
    if (i % 3 === 1) json('sql-looking', 'POST /recognize', `POST /recognize collection=${label}`, 'POST', '/recognize', { image: clean, collection: s });
    if (i % 3 === 2) json('sql-looking', 'POST /collections', `POST /collections name=${label}`, 'POST', '/collections', { name: s });
    if (i % 4 === 0)
      b.add({
        category: 'sql-looking',
        route: 'GET /collections/:name',
        name: `GET /collections/${label}`,
        method: 'GET',
        path: `/collections/${encoded}`,
        apiKey: admin,
      });
    if (i % 4 === 1)
      b.add({
        category: 'sql-looking',
        route: 'DELETE /collections/:name',
        name: `DELETE /collections/${label}`,
        method: 'DELETE',
        path: `/collections/${encoded}`,
        apiKey: admin,
      });
    if (i % 4 === 2)
      b.add({
        category: 'sql-looking',
        route: 'GET /audit',
        name: `GET /audit?userId=${label}`,
        method: 'GET',
        path: `/audit?userId=${encoded}&action=${encoded}`,
        apiKey: admin,
      });
    if (i % 4 === 3) json('sql-looking', 'POST /api-keys', `POST /api-keys scopes=[${label}]`, 'POST', '/api-keys', { name: s, scopes: [s] });
    if (i % 6 === 0)
      b.add({
        category: 'sql-looking',
        route: 'DELETE /api-keys/:id',
        name: `DELETE /api-keys/${label}`,
        method: 'DELETE',
        path: `/api-keys/${encoded}`,
        apiKey: admin,
      });
    if (i % 6 === 3)
      b.add({ category: 'sql-looking', route: 'GET /users/:id', name: `GET /users/${label}`, method: 'GET', path: `/users/${encoded}`, apiKey: admin });
  });
  // Cursors that decode, pass the cursor's own checks, and are still not a cursor this API returned.
  const cursorOf = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const craftedCursors: Array<[string, unknown]> = [
    ['id of 36 dashes', ['2026-01-01T00:00:00.000Z', '-'.repeat(36)]],
    ['id of 36 hex digits', ['2026-01-01T00:00:00.000Z', 'f'.repeat(36)]],
    ['year -100000', ['-100000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']],
    ['year -271821', ['-271821-04-20T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']],
    ['SQL in the id', ['2026-01-01T00:00:00.000Z', "'; DROP TABLE users; --"]],
    ['numeric timestamp', [1e308, '00000000-0000-4000-8000-000000000000']],
    ['object instead of array', { createdAt: '2026-01-01', id: '00000000-0000-4000-8000-000000000000' }],
    ['id not a string', ['2026-01-01T00:00:00.000Z', ['00000000-0000-4000-8000-000000000000']]],
    ['timestamp not a string', [{ toISOString: 1 }, '00000000-0000-4000-8000-000000000000']],
  ];
  craftedCursors.forEach(([label, value], i) => {
    b.add({
      category: 'sql-looking',
      route: 'GET /users',
      name: `GET /users with a crafted cursor: ${label}`,
      method: 'GET',
      path: `/users?cursor=${cursorOf(value)}`,
      apiKey: admin,
    });
    if (i < 6)
      b.add({
        category: 'sql-looking',
        route: 'GET /audit',
        name: `GET /audit with a crafted cursor: ${label}`,
        method: 'GET',
        path: `/audit?cursor=${cursorOf(value)}`,
        apiKey: admin,
      });
  });

  // =============================================================================================================
  // path traversal and invalid ids in every path parameter
  BAD_PATH_IDS.forEach((id, i) => {
    const label = `"${id.length > 40 ? `${id.slice(0, 37)}...` : id}"`;
    const slots: Array<[Route, HttpMethod, string, unknown?]> = [
      ['GET /users/:id', 'GET', `/users/${id}`],
      ['PATCH /users/:id', 'PATCH', `/users/${id}`, { name: 'renamed' }],
      ['DELETE /users/:id', 'DELETE', `/users/${id}`],
      ['POST /users/:id/faces', 'POST', `/users/${id}/faces`, { images: [noFace] }],
      ['DELETE /users/:id/faces/:faceId', 'DELETE', `/users/${id}/faces/${missingFace}`],
      ['DELETE /users/:id/faces/:faceId', 'DELETE', `/users/${known}/faces/${id}`],
      ['DELETE /api-keys/:id', 'DELETE', `/api-keys/${id}`],
      ['GET /liveness/sessions/:id', 'GET', `/liveness/sessions/${id}`],
      ['POST /liveness/sessions/:id/frames', 'POST', `/liveness/sessions/${id}/frames`, { frames: [noFace] }],
    ];
    for (const [route, method, path, value] of [slots[i % slots.length], slots[(i + 3) % slots.length], slots[(i + 5) % slots.length]]) {
      b.add({
        category: 'path-traversal',
        route,
        name: `${route} id=${label}`,
        method,
        path,
        apiKey: admin,
        body: value === undefined ? undefined : { kind: 'json', value },
      });
    }
  });
  BAD_COLLECTION_SEGMENTS.forEach((name, i) => {
    const label = `"${name.length > 40 ? `${name.slice(0, 37)}...` : name}"`;
    b.add({
      category: 'path-traversal',
      route: 'GET /collections/:name',
      name: `GET /collections/${label}`,
      method: 'GET',
      path: `/collections/${name}`,
      apiKey: admin,
    });
    b.add({
      category: 'path-traversal',
      route: 'DELETE /collections/:name',
      name: `DELETE /collections/${label}`,
      method: 'DELETE',
      path: `/collections/${name}`,
      apiKey: admin,
    });
    if (i % 2 === 0)
      json('path-traversal', 'PATCH /collections/:name', `PATCH /collections/${label}`, 'PATCH', `/collections/${name}`, { description: 'renamed' });
  });
  // Ids that are well-formed but name nothing (or name the known user in another slot).
  const wellFormed: Array<[Route, HttpMethod, string]> = [
    ['GET /users/:id', 'GET', `/users/${missingUser}`],
    ['GET /users/:id', 'GET', '/users/00000000-0000-0000-0000-000000000000'],
    ['GET /users/:id', 'GET', '/users/ffffffff-ffff-ffff-ffff-ffffffffffff'],
    ['DELETE /users/:id', 'DELETE', `/users/${missingUser}`],
    ['DELETE /users/:id', 'DELETE', '/users/00000000-0000-0000-0000-000000000000'],
    ['DELETE /users/:id/faces/:faceId', 'DELETE', `/users/${known}/faces/${missingFace}`],
    ['DELETE /users/:id/faces/:faceId', 'DELETE', `/users/${known}/faces/${known}`],
    ['DELETE /users/:id/faces/:faceId', 'DELETE', `/users/${missingUser}/faces/${ctx.knownFaceId}`],
    ['DELETE /users/:id/faces/:faceId', 'DELETE', `/users/${ctx.knownFaceId}/faces/${ctx.knownFaceId}`],
    ['GET /users/:id', 'GET', `/users/${ctx.knownFaceId}`],
    ['DELETE /api-keys/:id', 'DELETE', `/api-keys/${missingKeyId}`],
    ['DELETE /api-keys/:id', 'DELETE', `/api-keys/${known}`],
    ['GET /collections/:name', 'GET', `/collections/${missingCollection}`],
    ['DELETE /collections/:name', 'DELETE', `/collections/${missingCollection}`],
  ];
  wellFormed.forEach(([route, method, path]) => b.add({ category: 'path-traversal', route, name: `${route} unknown id ${path}`, method, path, apiKey: admin }));

  // =============================================================================================================
  // oversized arrays
  const faces11 = Array.from({ length: 11 }, (_, i) => dataUrl(photoBytes(FACE_JPEGS[i % FACE_JPEGS.length])));
  const arrays: Array<[Route, HttpMethod, string, string, Record<string, unknown>]> = [
    ['POST /users', 'POST', '/users', '11 face photos', { name: 'eleven', images: faces11 }],
    ['POST /users', 'POST', '/users', '11 face-less photos', { name: 'eleven', images: Array(11).fill(noFace) }],
    ['POST /users', 'POST', '/users', '100 images', { name: 'hundred', images: Array(100).fill(junk) }],
    ['POST /users', 'POST', '/users', '10000 images', { name: 'ten thousand', images: Array(10000).fill('AAAA') }],
    ['POST /users', 'POST', '/users', '10000 nulls', { name: 'nulls', images: Array(10000).fill(null) }],
    [
      'POST /users',
      'POST',
      '/users',
      'metadata with 20000 keys',
      { name: 'wide', images: [noFace], metadata: Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`k${i}`, i])) },
    ],
    ['POST /users/:id/faces', 'POST', `/users/${known}/faces`, '11 face photos', { images: faces11 }],
    ['POST /users/:id/faces', 'POST', `/users/${known}/faces`, '100 images', { images: Array(100).fill(junk) }],
    ['POST /users/:id/faces', 'POST', `/users/${known}/faces`, '10000 images', { images: Array(10000).fill('AAAA') }],
    ['POST /verify', 'POST', '/verify', 'image as an array of 2', { userId: known, image: [clean, clean] }],
    ['POST /verify', 'POST', '/verify', '100 userIds', { userId: Array(100).fill(known), image: clean }],
    ['POST /recognize', 'POST', '/recognize', 'image as an array of 100', { image: Array(100).fill(clean.slice(0, 200)) }],
    ['POST /detect', 'POST', '/detect', 'image as an array of 10000', { image: Array(10000).fill('AAAA') }],
    ['POST /liveness/sessions/:id/frames', 'POST', `/liveness/sessions/${missingUser}/frames`, '10000 frames', { frames: Array(10000).fill('AAAA') }],
    ['POST /compare', 'POST', '/compare', 'imageA as an array of 11', { imageA: faces11, imageB: clean }],
    [
      'PATCH /users/:id',
      'PATCH',
      `/users/${known}`,
      'metadata with 20000 keys',
      { metadata: Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`k${i}`, i])) },
    ],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, 'metadata array of 10000', { metadata: Array(10000).fill(1) }],
    ['POST /collections', 'POST', '/collections', 'name as an array of 10000', { name: Array(10000).fill('a') }],
    ['POST /api-keys', 'POST', '/api-keys', '10000 scopes', { name: 'wide', scopes: Array(10000).fill('admin') }],
    [
      'POST /api-keys',
      'POST',
      '/api-keys',
      '10000 collections',
      { name: 'wide', scopes: ['read'], collections: Array.from({ length: 10000 }, (_, i) => `c${i}`) },
    ],
  ];
  arrays.forEach(([route, method, path, label, value]) => json('oversized-array', route, `${route} ${label}`, method, path, value));
  const manyLimits = Array.from({ length: 400 }, (_, i) => `limit=${(i % 100) + 1}`).join('&');
  b.add({
    category: 'oversized-array',
    route: 'GET /users',
    name: 'GET /users with 400 limit parameters',
    method: 'GET',
    path: `/users?${manyLimits}`,
    apiKey: admin,
  });
  b.add({
    category: 'oversized-array',
    route: 'GET /audit',
    name: 'GET /audit with 400 limit parameters',
    method: 'GET',
    path: `/audit?${manyLimits}`,
    apiKey: admin,
  });

  // =============================================================================================================
  // out-of-range numbers (with a clean face photo, so only the number can make the request fail)
  const topKs: Array<[string, string]> = [
    ['0', '0'],
    ['51', '51'],
    ['-1', '-1'],
    ['1e308', '1e308'],
    ['-1e308', '-1e308'],
    ['1.5', '1.5'],
    ['1e400 (Infinity)', '1e400'],
    ['-0', '-0'],
    ['5e-324', '5e-324'],
    ['12345678901234567890', '12345678901234567890'],
    ['2147483648', '2147483648'],
    ['"NaN"', '"NaN"'],
    ['"5"', '"5"'],
  ];
  topKs.forEach(([label, literal]) =>
    raw('out-of-range', 'POST /recognize', `POST /recognize topK=${label}`, 'POST', '/recognize', 'application/json', `{"image":"${clean}","topK":${literal}}`),
  );
  const thresholds: Array<[string, string]> = [
    ['-0.1', '-0.1'],
    ['1.5', '1.5'],
    ['1.0000000000000002', '1.0000000000000002'],
    ['-1e-300', '-1e-300'],
    ['2', '2'],
    ['1e308', '1e308'],
    ['-1e400', '-1e400'],
    ['1e400', '1e400'],
    ['"0.5"', '"0.5"'],
    ['"NaN"', '"NaN"'],
    ['"-Infinity"', '"-Infinity"'],
    ['[0.5]', '[0.5]'],
  ];
  thresholds.forEach(([label, literal], i) => {
    if (i % 2 === 0)
      raw(
        'out-of-range',
        'POST /recognize',
        `POST /recognize threshold=${label}`,
        'POST',
        '/recognize',
        'application/json',
        `{"image":"${clean}","threshold":${literal}}`,
      );
    else
      raw(
        'out-of-range',
        'POST /verify',
        `POST /verify threshold=${label}`,
        'POST',
        '/verify',
        'application/json',
        `{"userId":"${known}","image":"${clean}","threshold":${literal}}`,
      );
  });
  // Metadata is free-form JSON, but 1e400 parses as Infinity, which JSON cannot store (it would be saved as null).
  raw(
    'out-of-range',
    'PATCH /users/:id',
    'PATCH /users/:id (known user) metadata number 1e400',
    'PATCH',
    `/users/${known}`,
    'application/json',
    '{"metadata":{"max":1e400}}',
  );
  raw(
    'out-of-range',
    'PATCH /users/:id',
    'PATCH /users/:id (known user) metadata nested -1e400',
    'PATCH',
    `/users/${known}`,
    'application/json',
    '{"name":"renamed","metadata":{"limits":[1,{"min":-1e400}]}}',
  );
  raw(
    'out-of-range',
    'POST /users',
    'POST /users metadata number 1e400',
    'POST',
    '/users',
    'application/json',
    `{"name":"big","images":["${clean}"],"metadata":{"max":1e400}}`,
  );
  raw(
    'out-of-range',
    'POST /verify',
    'POST /verify threshold=-0.1 (known user, clean photo)',
    'POST',
    '/verify',
    'application/json',
    `{"userId":"${known}","image":"${clean}","threshold":-0.1}`,
  );
  raw(
    'out-of-range',
    'POST /verify',
    'POST /verify threshold=1.5 (known user, clean photo)',
    'POST',
    '/verify',
    'application/json',
    `{"userId":"${known}","image":"${clean}","threshold":1.5}`,
  );
  const limits = [
    '0',
    '101',
    '-1',
    '1e308',
    'abc',
    '1.5',
    '',
    '%20',
    '1%00',
    'Infinity',
    'NaN',
    '-0',
    '99999999999999999999',
    '1e-400',
    '0.0000001',
    '%EF%BC%95',
  ];
  limits.forEach((l) =>
    b.add({ category: 'out-of-range', route: 'GET /users', name: `GET /users?limit=${l}`, method: 'GET', path: `/users?limit=${l}`, apiKey: admin }),
  );
  ['0', '201', '-5', 'abc', '1.5', '1e308'].forEach((l) =>
    b.add({ category: 'out-of-range', route: 'GET /audit', name: `GET /audit?limit=${l}`, method: 'GET', path: `/audit?limit=${l}`, apiKey: admin }),
  );
  const dates = [
    'not-a-date',
    '2026-13-45',
    '-100000-01-01T00:00:00Z',
    '%2B275761-01-01T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '9999999999999999',
    '2026-01-01T25:61:61Z',
  ];
  dates.forEach((d, i) =>
    b.add({
      category: 'out-of-range',
      route: 'GET /audit',
      name: `GET /audit?${i % 2 ? 'to' : 'from'}=${d}`,
      method: 'GET',
      path: `/audit?${i % 2 ? 'to' : 'from'}=${d}`,
      apiKey: admin,
    }),
  );
  [-0.1, 1.5, 1e308, -1e308, 2].forEach((t, i) => {
    json('out-of-range', 'POST /collections', `POST /collections settings.matchThreshold=${t}`, 'POST', '/collections', {
      name: `hostile-range-${i}`,
      settings: { matchThreshold: t },
    });
    json('out-of-range', 'PATCH /collections/:name', `PATCH /collections/default settings.matchThreshold=${t}`, 'PATCH', '/collections/default', {
      settings: { matchThreshold: t },
    });
  });
  raw(
    'out-of-range',
    'PATCH /collections/:name',
    'PATCH /collections/default settings.matchThreshold=1e400',
    'PATCH',
    '/collections/default',
    'application/json',
    '{"settings":{"matchThreshold":1e400}}',
  );

  // =============================================================================================================
  // missing fields
  const missing: Array<[Route, HttpMethod, string, string, unknown]> = [
    ['POST /users', 'POST', '/users', 'empty object', {}],
    ['POST /users', 'POST', '/users', 'no images', { name: 'x' }],
    ['POST /users', 'POST', '/users', 'no name (clean photo)', { images: [clean] }],
    ['POST /users', 'POST', '/users', 'empty images', { name: 'x', images: [] }],
    ['POST /users', 'POST', '/users', 'empty name (clean photo)', { name: '', images: [clean] }],
    ['POST /users/:id/faces', 'POST', `/users/${known}/faces`, 'empty object', {}],
    ['POST /users/:id/faces', 'POST', `/users/${known}/faces`, 'empty images', { images: [] }],
    ['POST /users/:id/faces', 'POST', `/users/${missingUser}/faces`, 'missing user, clean photo', { images: [clean] }],
    ['POST /verify', 'POST', '/verify', 'empty object', {}],
    ['POST /verify', 'POST', '/verify', 'no claimed person (clean photo)', { image: clean }],
    ['POST /verify', 'POST', '/verify', 'no image', { userId: known }],
    ['POST /verify', 'POST', '/verify', 'both userId and externalId (clean photo)', { userId: known, externalId: ctx.knownExternalId, image: clean }],
    ['POST /verify', 'POST', '/verify', 'unknown user (clean photo)', { userId: missingUser, image: clean }],
    ['POST /verify', 'POST', '/verify', 'known user in a missing collection (clean photo)', { userId: known, collection: missingCollection, image: clean }],
    [
      'POST /verify',
      'POST',
      '/verify',
      'externalId in a missing collection (clean photo)',
      { externalId: ctx.knownExternalId, collection: missingCollection, image: clean },
    ],
    ['POST /recognize', 'POST', '/recognize', 'empty object', {}],
    ['POST /recognize', 'POST', '/recognize', 'only topK', { topK: 3 }],
    ['POST /detect', 'POST', '/detect', 'empty object', {}],
    ['POST /compare', 'POST', '/compare', 'empty object', {}],
    ['POST /compare', 'POST', '/compare', 'no imageB', { imageA: clean }],
    ['POST /compare', 'POST', '/compare', 'no imageA', { imageB: clean }],
    ['POST /collections', 'POST', '/collections', 'empty object', {}],
    ['POST /collections', 'POST', '/collections', 'only a description', { description: 'x' }],
    ['POST /collections', 'POST', '/collections', 'an existing name', { name: 'default' }],
    ['POST /api-keys', 'POST', '/api-keys', 'only scopes', { scopes: ['read'] }],
    ['PATCH /users/:id', 'PATCH', `/users/${missingUser}`, 'empty object, missing user', {}],
    ['PATCH /collections/:name', 'PATCH', `/collections/${missingCollection}`, 'empty object, missing collection', {}],
  ];
  missing.forEach(([route, method, path, label, value]) => json('missing-field', route, `${route} ${label}`, method, path, value));
  for (const r of bodyRoutes) {
    b.add({ category: 'missing-field', route: r.route, name: `${r.route} with no body at all`, method: r.method, path: r.path, apiKey: admin });
  }
  raw('missing-field', 'POST /recognize', 'POST /recognize with an empty JSON body', 'POST', '/recognize', 'application/json', '');

  // =============================================================================================================
  // wrong content types
  const jsonText = `{"name":"x","images":["${junk}"],"image":"${junk}"}`;
  const contentTypes: Array<[string, string | undefined, string | Buffer]> = [
    ['text/plain', 'text/plain', jsonText],
    ['application/xml', 'application/xml', `<?xml version="1.0"?><user><name>x</name><images>${junk}</images></user>`],
    ['text/xml with an external entity', 'text/xml', '<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]><u>&x;</u>'],
    ['form-urlencoded', 'application/x-www-form-urlencoded', `name=x&images=${encodeURIComponent(junk)}&image=${encodeURIComponent(junk)}`],
    ['form-urlencoded with nested keys', 'application/x-www-form-urlencoded', 'images[0]=AAAA&images[__proto__][polluted]=1&name=x'],
    ['application/octet-stream JPEG', 'application/octet-stream', cleanBytes],
    ['image/jpeg', 'image/jpeg', cleanBytes],
    ['text/html', 'text/html', HTML_PAYLOAD],
    ['application/javascript', 'application/javascript', JS_PAYLOAD],
    ['JSON with charset=utf-16', 'application/json; charset=utf-16', jsonText],
    ['JSON with charset=latin1', 'application/json; charset=iso-8859-1', jsonText],
    ['JSON with charset=bogus', 'application/json; charset=x-bogus', jsonText],
    ['multipart without a boundary', 'multipart/form-data', jsonText],
    ['multipart with an empty boundary', 'multipart/form-data; boundary=', jsonText],
    ['multipart/mixed', 'multipart/mixed; boundary=xyz', `--xyz\r\nContent-Type: application/json\r\n\r\n${jsonText}\r\n--xyz--\r\n`],
    ['a list of two types', 'application/json, text/plain', jsonText],
    ['an invalid media type', 'json', jsonText],
    ['an empty Content-Type', '', jsonText],
    ['no Content-Type', undefined, Buffer.from(jsonText)],
    ['application/json-patch+json with a patch document', 'application/json-patch+json', '[{"op":"replace","path":"/name","value":"pwned"}]'],
    ['application/vnd.api+json with junk', 'application/vnd.api+json', `{"data":{"type":"users","attributes":{"name":"x"}},"image":"${junk}"}`],
    ['upper-case APPLICATION/JSON with junk', 'APPLICATION/JSON', `{"image":"${junk}","imageA":"${junk}","images":["${junk}"]}`],
  ];
  contentTypes.forEach(([label, type, data], i) => {
    for (const r of [bodyRoutes[i % bodyRoutes.length], bodyRoutes[(i + 4) % bodyRoutes.length]]) {
      raw('content-type', r.route, `${r.route} as ${label}`, r.method, r.path, type, data);
    }
  });
  // The known person, patched through media types that must not be taken as a patch.
  raw('content-type', 'PATCH /users/:id', 'PATCH /users/:id (known) as text/plain JSON', 'PATCH', `/users/${known}`, 'text/plain', '{"name":"pwned"}');
  raw(
    'content-type',
    'PATCH /users/:id',
    'PATCH /users/:id (known) as form-urlencoded',
    'PATCH',
    `/users/${known}`,
    'application/x-www-form-urlencoded',
    'name=pwned',
  );
  raw(
    'content-type',
    'PATCH /users/:id',
    'PATCH /users/:id (known) as a JSON patch document',
    'PATCH',
    `/users/${known}`,
    'application/json-patch+json',
    '[{"op":"replace","path":"/name","value":"pwned"}]',
  );
  // Compressed bodies: a gzip bomb, broken gzip, unknown encodings.
  const gzipBomb = once('gzip-bomb', () =>
    gzipSync(Buffer.concat([Buffer.from('{"image":"'), Buffer.alloc(24 * 1024 * 1024, 0x41), Buffer.from('"}')]), { level: 9 }),
  );
  const deflateBomb = once('deflate-bomb', () =>
    deflateSync(Buffer.concat([Buffer.from('{"name":"'), Buffer.alloc(24 * 1024 * 1024, 0x41), Buffer.from('"}')]), { level: 9 }),
  );
  raw('content-type', 'POST /recognize', 'POST /recognize gzip bomb (24 MiB inflated)', 'POST', '/recognize', 'application/json', gzipBomb, {
    headers: { 'Content-Encoding': 'gzip' },
    expectCodes: ['PAYLOAD_TOO_LARGE'],
  });
  raw('content-type', 'POST /users', 'POST /users deflate bomb (24 MiB inflated)', 'POST', '/users', 'application/json', deflateBomb, {
    headers: { 'Content-Encoding': 'deflate' },
    expectCodes: ['PAYLOAD_TOO_LARGE'],
  });
  raw(
    'content-type',
    'POST /detect',
    'POST /detect broken gzip',
    'POST',
    '/detect',
    'application/json',
    Buffer.concat([Buffer.from('1f8b0800', 'hex'), bytes(200)]),
    { headers: { 'Content-Encoding': 'gzip' } },
  );
  raw('content-type', 'POST /verify', 'POST /verify gzip of invalid JSON', 'POST', '/verify', 'application/json', gzipSync('{"userId":'), {
    headers: { 'Content-Encoding': 'gzip' },
  });
  raw('content-type', 'POST /compare', 'POST /compare Content-Encoding: compress', 'POST', '/compare', 'application/json', '{}', {
    headers: { 'Content-Encoding': 'compress' },
  });
  raw(
    'content-type',
    'POST /collections',
    'POST /collections Content-Encoding: gzip, gzip',
    'POST',
    '/collections',
    'application/json',
    gzipSync(gzipSync('{"name":"hostile-gzip","x":1}')),
    { headers: { 'Content-Encoding': 'gzip, gzip' } },
  );
  raw(
    'content-type',
    'POST /users',
    'POST /users with a 5 MiB body (over the limit)',
    'POST',
    '/users',
    'application/json',
    `{"name":"x","images":["${'A'.repeat(5 * 1024 * 1024)}"]}`,
    { expectCodes: ['PAYLOAD_TOO_LARGE'] },
  );
  raw(
    'content-type',
    'POST /recognize',
    'POST /recognize with a 4 MiB + 1 byte body',
    'POST',
    '/recognize',
    'application/json',
    `{"image":"${'A'.repeat(4 * 1024 * 1024 - 11)}"}`,
    { expectCodes: ['PAYLOAD_TOO_LARGE'] },
  );

  // =============================================================================================================
  // multipart bodies
  const mp = (
    route: Route,
    path: string,
    label: string,
    fields: Array<[string, string]>,
    files: Array<[string, Buffer, string]>,
    method: HttpMethod = 'POST',
  ) => b.add({ category: 'multipart', route, name: `${route} multipart ${label}`, method, path, apiKey: admin, body: { kind: 'multipart', fields, files } });
  const jpgFile = (data: Buffer, name = 'photo.jpg'): [string, Buffer, string] => ['file', data, name];
  const tinyJunk = pseudoRandomBytes(300, 99);
  mp('POST /users', '/users', 'with a wrong file field name "image"', [['name', 'x']], [['image', cleanBytes, 'a.jpg']]);
  mp('POST /users', '/users', 'with a wrong file field name "photos[]"', [['name', 'x']], [['photos[]', cleanBytes, 'a.jpg']]);
  mp(
    'POST /users',
    '/users',
    'with 12 files',
    [['name', 'x']],
    Array.from({ length: 12 }, (_, i) => ['files', noFaceBytes, `${i}.png`] as [string, Buffer, string]),
  );
  mp(
    'POST /users',
    '/users',
    'with 11 files',
    [['name', 'x']],
    Array.from({ length: 11 }, (_, i) => ['files', noFaceBytes, `${i}.png`] as [string, Buffer, string]),
  );
  mp(
    'POST /users',
    '/users',
    'with file and 10 files',
    [['name', 'x']],
    [jpgFile(noFaceBytes), ...Array.from({ length: 10 }, (_, i) => ['files', noFaceBytes, `${i}.png`] as [string, Buffer, string])],
  );
  mp('POST /users', '/users', 'with two "file" parts', [['name', 'x']], [jpgFile(noFaceBytes), jpgFile(noFaceBytes)]);
  mp('POST /users', '/users', 'with imageA (not an enrolment field)', [['name', 'x']], [['imageA', cleanBytes, 'a.jpg']]);
  mp('POST /users', '/users', 'with no files (clean name)', [['name', 'x']], []);
  mp(
    'POST /users',
    '/users',
    'with images as a text field',
    [
      ['name', 'x'],
      ['images', clean],
    ],
    [],
  );
  mp(
    'POST /users',
    '/users',
    'with a duplicated name field',
    [
      ['name', 'a'],
      ['name', 'b'],
    ],
    [jpgFile(cleanBytes)],
  );
  mp(
    'POST /users',
    '/users',
    'with metadata that is not JSON',
    [
      ['name', 'x'],
      ['metadata', '{not json'],
    ],
    [jpgFile(cleanBytes)],
  );
  mp(
    'POST /users',
    '/users',
    'with metadata "[]"',
    [
      ['name', 'x'],
      ['metadata', '[]'],
    ],
    [jpgFile(cleanBytes)],
  );
  mp(
    'POST /users',
    '/users',
    'with metadata "1"',
    [
      ['name', 'x'],
      ['metadata', '1'],
    ],
    [jpgFile(cleanBytes)],
  );
  mp(
    'POST /users',
    '/users',
    'with an unknown field',
    [
      ['name', 'x'],
      ['admin', 'true'],
    ],
    [jpgFile(cleanBytes)],
  );
  mp('POST /users', '/users', 'with a random-bytes file', [['name', 'x']], [jpgFile(tinyJunk)]);
  mp('POST /users', '/users', 'with an empty file', [['name', 'x']], [jpgFile(Buffer.alloc(0))]);
  mp('POST /users', '/users', 'with a 70 KB text field', [['name', 'x'.repeat(70 * 1024)]], [jpgFile(cleanBytes)]);
  mp(
    'POST /users',
    '/users',
    'with 25 text fields',
    Array.from({ length: 25 }, (_, i) => [`f${i}`, 'x'] as [string, string]),
    [jpgFile(cleanBytes)],
  );
  mp('POST /users', '/users', 'with a traversal file name', [['name', 'x']], [['files', noFaceBytes, '../../../../etc/passwd']]);
  mp(
    'POST /users',
    '/users',
    'with a __proto__ field',
    [
      ['name', 'x'],
      ['__proto__[polluted]', 'yes'],
      ['constructor[prototype][polluted]', 'yes'],
    ],
    [jpgFile(noFaceBytes)],
  );
  mp('POST /users/:id/faces', `/users/${known}/faces`, 'with a random-bytes file', [], [jpgFile(tinyJunk)]);
  mp(
    'POST /users/:id/faces',
    `/users/${known}/faces`,
    'with 12 files',
    [],
    Array.from({ length: 12 }, (_, i) => ['files', cleanBytes, `${i}.jpg`] as [string, Buffer, string]),
  );
  mp('POST /users/:id/faces', `/users/${known}/faces`, 'with a wrong field name', [], [['photo', cleanBytes, 'a.jpg']]);
  mp(
    'POST /users/:id/faces',
    `/users/${known}/faces`,
    'with a face and a face-less photo',
    [],
    [
      ['files', cleanBytes, 'a.jpg'],
      ['files', noFaceBytes, 'b.png'],
    ],
  );
  mp('POST /verify', '/verify', 'with a random-bytes file', [['userId', known]], [jpgFile(tinyJunk)]);
  mp(
    'POST /verify',
    '/verify',
    'with threshold "1.5"',
    [
      ['userId', known],
      ['threshold', '1.5'],
    ],
    [jpgFile(cleanBytes)],
  );
  mp(
    'POST /verify',
    '/verify',
    'with threshold "NaN"',
    [
      ['userId', known],
      ['threshold', 'NaN'],
    ],
    [jpgFile(cleanBytes)],
  );
  mp(
    'POST /verify',
    '/verify',
    'with threshold "1e999"',
    [
      ['userId', known],
      ['threshold', '1e999'],
    ],
    [jpgFile(cleanBytes)],
  );
  mp(
    'POST /verify',
    '/verify',
    'with two userId fields',
    [
      ['userId', known],
      ['userId', missingUser],
    ],
    [jpgFile(cleanBytes)],
  );
  mp('POST /verify', '/verify', 'with a file under "files"', [['userId', known]], [['files', cleanBytes, 'a.jpg']]);
  mp('POST /recognize', '/recognize', 'with topK "0"', [['topK', '0']], [jpgFile(cleanBytes)]);
  mp('POST /recognize', '/recognize', 'with topK "1.5"', [['topK', '1.5']], [jpgFile(cleanBytes)]);
  mp('POST /recognize', '/recognize', 'with topK "five"', [['topK', 'five']], [jpgFile(cleanBytes)]);
  mp('POST /recognize', '/recognize', 'with topK "-Infinity"', [['topK', '-Infinity']], [jpgFile(cleanBytes)]);
  mp('POST /recognize', '/recognize', 'with two files', [], [jpgFile(cleanBytes), jpgFile(cleanBytes)]);
  mp('POST /recognize', '/recognize', 'with a 3 MiB face-less file (zero padding)', [], [jpgFile(Buffer.concat([noFaceBytes, Buffer.alloc(3 * 1024 * 1024)]))]);
  b.add({
    category: 'multipart',
    route: 'POST /users',
    name: 'POST /users multipart of 6 MiB in two files (over the 4 MiB body limit)',
    method: 'POST',
    path: '/users',
    apiKey: admin,
    body: {
      kind: 'multipart',
      fields: [['name', 'x']],
      files: [0, 1].map((i) => ['files', Buffer.concat([noFaceBytes, Buffer.alloc(3 * 1024 * 1024)]), `${i}.png`] as [string, Buffer, string]),
    },
    expectCodes: ['PAYLOAD_TOO_LARGE'],
  });
  mp('POST /recognize', '/recognize', 'with a GIF/JS polyglot file', [], [jpgFile(Buffer.from(`GIF89a/*\x01\x00*/=1;${JS_PAYLOAD}`, 'latin1'), 'a.gif')]);
  mp(
    'POST /detect',
    '/detect',
    'with imageA and imageB',
    [],
    [
      ['imageA', tinyJunk, 'a.jpg'],
      ['imageB', tinyJunk, 'b.jpg'],
    ],
  );
  mp('POST /detect', '/detect', 'with a PNG bomb', [], [jpgFile(pngDeclaring(50000, 50000), 'bomb.png')]);
  mp('POST /detect', '/detect', 'with no parts', [], []);
  mp('POST /compare', '/compare', 'with only imageA', [], [['imageA', cleanBytes, 'a.jpg']]);
  mp('POST /compare', '/compare', 'with file instead of imageA/imageB', [], [jpgFile(cleanBytes), jpgFile(cleanBytes)]);
  mp('POST /compare', '/compare', 'with imageA as a text field', [['imageA', clean]], [['imageB', tinyJunk, 'b.jpg']]);
  mp('PATCH /users/:id', `/users/${missingUser}`, 'to a missing user', [['name', 'x']], [jpgFile(cleanBytes)], 'PATCH');
  mp('POST /collections', '/collections', 'with a name field', [['name', 'hostile-multipart']], []);
  mp('PATCH /collections/:name', `/collections/${missingCollection}`, 'to a missing collection', [['description', 'x']], [], 'PATCH');
  mp(
    'POST /api-keys',
    '/api-keys',
    'with a name field',
    [
      ['name', 'hostile-multipart'],
      ['scopes', 'admin'],
    ],
    [],
  );
  // Hand-made broken multipart bodies.
  const boundary = 'hostileBoundary7MA4YWxkTrZu0gW';
  const part = (name: string, value: string | Buffer, filename?: string) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n${filename ? 'Content-Type: image/jpeg\r\n' : ''}\r\n`,
      ),
      Buffer.isBuffer(value) ? value : Buffer.from(value),
      Buffer.from('\r\n'),
    ]);
  const multipartType = `multipart/form-data; boundary=${boundary}`;
  const brokenMultipart: Array<[Route, string, string, Buffer]> = [
    ['POST /users', '/users', 'without the closing boundary', Buffer.concat([part('name', 'x'), part('files', cleanBytes, 'a.jpg')])],
    ['POST /recognize', '/recognize', 'cut in the middle of a file', Buffer.concat([part('file', cleanBytes, 'a.jpg')]).subarray(0, 5000)],
    [
      'POST /detect',
      '/detect',
      'with a different boundary in the body',
      Buffer.from(`--other\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\nxx\r\n--other--\r\n`),
    ],
    [
      'POST /verify',
      '/verify',
      'with a part without Content-Disposition',
      Buffer.from(`--${boundary}\r\nContent-Type: image/jpeg\r\n\r\nxx\r\n--${boundary}--\r\n`),
    ],
    [
      'POST /compare',
      '/compare',
      'with a 20 KB header line',
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="imageA"; filename="${'a'.repeat(20000)}"\r\n\r\nxx\r\n--${boundary}--\r\n`),
    ],
    ['POST /users/:id/faces', `/users/${known}/faces`, 'with only garbage', bytes(3000)],
    [
      'POST /users',
      '/users',
      'with 50 empty parts',
      Buffer.concat([...Array.from({ length: 50 }, (_, i) => part(`p${i}`, '')), Buffer.from(`--${boundary}--\r\n`)]),
    ],
    [
      'POST /recognize',
      '/recognize',
      'with a NUL in a field name',
      Buffer.concat([part('to\u0000pK', '3'), part('file', tinyJunk, 'a.jpg'), Buffer.from(`--${boundary}--\r\n`)]),
    ],
  ];
  brokenMultipart.forEach(([route, path, label, data]) => raw('multipart', route, `${route} multipart ${label}`, 'POST', path, multipartType, data));

  // =============================================================================================================
  // malformed JSON
  const malformed: Array<[string, string]> = [
    ['truncated object', '{"name": "x", '],
    ['truncated string', '{"name": "x'],
    ['trailing comma in an object', `{"name":"x","images":["${junk}"],}`],
    ['trailing comma in an array', `{"name":"x","images":["${junk}",]}`],
    ['single quotes', "{'name':'x','images':['AAAA']}"],
    ['unquoted keys', '{name:"x",images:["AAAA"]}'],
    ['a comment', '{/* hi */"name":"x"}'],
    ['NaN literal', '{"topK":NaN,"threshold":NaN}'],
    ['Infinity literal', '{"threshold":Infinity}'],
    ['hex number', '{"topK":0x10}'],
    ['leading zeros', '{"topK":007}'],
    ['a raw control character', '{"name":"a\u0001b"}'],
    ['an invalid escape', '{"name":"\\x41"}'],
    ['a short unicode escape', '{"name":"\\u12"}'],
    ['two objects', '{"name":"x"}{"name":"y"}'],
    ['a top-level string', '"just a string"'],
    ['a top-level number', '42'],
    ['a top-level null', 'null'],
    ['a top-level true', 'true'],
    ['whitespace only', '    \n\t  '],
    ['a lone bracket', '['],
    ['a lone brace', '}'],
    ['an empty array', '[]'],
    ['an array of bodies', `[{"name":"x","images":["${junk}"]}]`],
    ['1 MiB of whitespace then {}', `${' '.repeat(1024 * 1024)}{`],
    ['an exponent overflow', '{"topK":1e999999999}'],
    ['a huge integer', `{"topK":${'9'.repeat(5000)}}`],
  ];
  malformed.forEach(([label, text], i) => {
    for (const r of [bodyRoutes[i % bodyRoutes.length], bodyRoutes[(i + 3) % bodyRoutes.length]])
      raw('malformed-json', r.route, `${r.route} ${label}`, r.method, r.path, 'application/json', text);
  });
  // Duplicate keys: JSON.parse keeps the last one, so the last one is the hostile one (or the request fails anyway).
  const duplicates: Array<[Route, HttpMethod, string, string, string]> = [
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, 'name then a numeric name', '{"name":"legit","name":123}'],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, 'metadata then an array metadata', '{"metadata":{"a":1},"metadata":[1]}'],
    ['PATCH /users/:id', 'PATCH', `/users/${missingUser}`, 'two names on a missing user', '{"name":"a","name":"b"}'],
    ['POST /users', 'POST', '/users', 'two names and junk images', `{"name":"a","name":"b","images":["${junk}"]}`],
    ['POST /users', 'POST', '/users', 'clean images then junk images', `{"name":"a","images":["${clean}"],"images":["${junk}"]}`],
    ['POST /verify', 'POST', '/verify', 'known userId then a bad userId', `{"userId":"${known}","userId":"not-a-uuid","image":"${clean}"}`],
    ['POST /verify', 'POST', '/verify', 'a valid then an invalid threshold', `{"userId":"${known}","image":"${clean}","threshold":0.5,"threshold":1.5}`],
    ['POST /recognize', 'POST', '/recognize', 'a valid then an invalid topK', `{"image":"${clean}","topK":3,"topK":0}`],
    ['POST /detect', 'POST', '/detect', 'a clean then a junk image', `{"image":"${clean}","image":"${junk}"}`],
    ['POST /compare', 'POST', '/compare', 'imageB twice, the last junk', `{"imageA":"${clean}","imageB":"${clean}","imageB":"${junk}"}`],
    ['POST /collections', 'POST', '/collections', 'a valid then an invalid name', '{"name":"hostile-dup","name":"BAD NAME"}'],
    [
      'PATCH /collections/:name',
      'PATCH',
      '/collections/default',
      'settings then invalid settings',
      '{"settings":{"matchThreshold":0.4},"settings":{"matchThreshold":7}}',
    ],
    ['POST /api-keys', 'POST', '/api-keys', 'scopes then invalid scopes', '{"name":"dup","scopes":["read"],"scopes":"admin"}'],
  ];
  duplicates.forEach(([route, method, path, label, text]) =>
    raw('malformed-json', route, `${route} duplicate keys: ${label}`, method, path, 'application/json', text),
  );

  // =============================================================================================================
  // nesting depth bombs
  const nestedArrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const nestedObjects = (n: number, key = 'a') => `${`{"${key}":`.repeat(n)}1${'}'.repeat(n)}`;
  const bombs: Array<[Route, HttpMethod, string, string, string]> = [
    ['POST /users', 'POST', '/users', 'images as 5000 nested arrays', `{"name":"x","images":${nestedArrays(5000)}}`],
    ['POST /users', 'POST', '/users', 'images as 100000 nested arrays', `{"name":"x","images":${nestedArrays(100000)}}`],
    ['POST /users', 'POST', '/users', 'metadata as 5000 nested objects', `{"name":"x","images":["${junk}"],"metadata":${nestedObjects(5000)}}`],
    ['POST /users', 'POST', '/users', 'metadata as 100000 nested objects', `{"name":"x","images":["${junk}"],"metadata":${nestedObjects(100000)}}`],
    ['POST /users', 'POST', '/users', 'a whole body of 1000000 nested arrays', nestedArrays(1_000_000)],
    ['PATCH /users/:id', 'PATCH', `/users/${missingUser}`, 'metadata as 1000 nested objects (under 16 KB)', `{"metadata":${nestedObjects(1000)}}`],
    ['PATCH /users/:id', 'PATCH', `/users/${missingUser}`, 'metadata as 1000 nested arrays in an object', `{"metadata":{"a":${nestedArrays(1000)}}}`],
    ['POST /detect', 'POST', '/detect', 'image as 1000 nested arrays', `{"image":${nestedArrays(1000)}}`],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, 'metadata as 5000 nested objects', `{"metadata":${nestedObjects(5000)}}`],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, 'metadata as 50000 nested arrays in an object', `{"metadata":{"a":${nestedArrays(50000)}}}`],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, 'name as 5000 nested arrays', `{"name":${nestedArrays(5000)}}`],
    ['POST /users/:id/faces', 'POST', `/users/${known}/faces`, 'images as 5000 nested arrays', `{"images":${nestedArrays(5000)}}`],
    ['POST /verify', 'POST', '/verify', 'image as 5000 nested arrays', `{"userId":"${known}","image":${nestedArrays(5000)}}`],
    ['POST /verify', 'POST', '/verify', 'userId as 50000 nested objects', `{"userId":${nestedObjects(50000)},"image":"${clean}"}`],
    ['POST /recognize', 'POST', '/recognize', 'image as 100000 nested objects', `{"image":${nestedObjects(100000)}}`],
    ['POST /recognize', 'POST', '/recognize', 'topK as 5000 nested arrays', `{"image":"${clean}","topK":${nestedArrays(5000)}}`],
    ['POST /detect', 'POST', '/detect', 'image as 5000 nested arrays', `{"image":${nestedArrays(5000)}}`],
    ['POST /compare', 'POST', '/compare', 'imageA as 5000 nested objects', `{"imageA":${nestedObjects(5000)},"imageB":"${clean}"}`],
    [
      'POST /collections',
      'POST',
      '/collections',
      'settings as 5000 nested objects',
      `{"name":"hostile-deep","settings":${nestedObjects(5000, 'matchThreshold')}}`,
    ],
    [
      'POST /collections',
      'POST',
      '/collections',
      'settings as 100000 nested arrays',
      `{"name":"hostile-deep","settings":{"matchThreshold":${nestedArrays(100000)}}}`,
    ],
    ['PATCH /collections/:name', 'PATCH', '/collections/default', 'settings as 5000 nested objects', `{"settings":${nestedObjects(5000, 'matchThreshold')}}`],
    ['POST /api-keys', 'POST', '/api-keys', 'scopes as 5000 nested arrays', `{"name":"deep","scopes":${nestedArrays(5000)}}`],
    ['POST /api-keys', 'POST', '/api-keys', 'collections as 5000 nested arrays', `{"name":"deep","scopes":["read"],"collections":${nestedArrays(5000)}}`],
  ];
  bombs.forEach(([route, method, path, label, text]) => raw('depth-bomb', route, `${route} ${label}`, method, path, 'application/json', text));

  // =============================================================================================================
  // duplicate and conflicting query parameters
  const queries: Array<[Route, string]> = [
    ['GET /users', 'limit=1&limit=2'],
    ['GET /users', 'limit=5&limit=5'],
    ['GET /users', 'cursor=a&cursor=b'],
    ['GET /users', 'cursor[]=x'],
    ['GET /users', 'cursor[a]=b'],
    ['GET /users', 'collection[]=default'],
    ['GET /users', 'collection=default&collection=default'],
    ['GET /users', 'collection='],
    ['GET /users', 'collection=%20default'],
    ['GET /users', 'collection=Default'],
    ['GET /users', 'limit[$gt]=0'],
    ['GET /users', 'unknown=1'],
    ['GET /users', 'limit=10&LIMIT=10&Limit=x'],
    ['GET /users', '__proto__=1&limit=abc'],
    ['GET /users', '__proto__[polluted]=1'],
    ['GET /users', 'constructor[prototype][polluted]=1'],
    ['GET /users', 'limit=5;cursor=x'],
    ['GET /users', '&&&&=&=='],
    ['GET /users', 'limit=5&collection=default&cursor=garbage'],
    ['GET /users', 'limit=%'],
    ['GET /users', 'cursor=%E0%A4%A'],
    ['GET /audit', 'limit=1&limit=2'],
    ['GET /audit', 'from=2026-01-01&from=2026-02-01'],
    ['GET /audit', 'userId=not-a-uuid'],
    ['GET /audit', 'userId[]=00000000-0000-4000-8000-000000000000'],
    ['GET /audit', 'collection=UPPER'],
    ['GET /audit', 'collection=a&collection=b'],
    ['GET /audit', 'cursor=garbage'],
    ['GET /audit', 'cursor=a&cursor=b'],
    ['GET /audit', 'outcome=a&outcome=b'],
    ['GET /audit', `action=${'x'.repeat(65)}`],
    ['GET /audit', 'unknown=1'],
    ['GET /audit', '__proto__[polluted]=1'],
  ];
  queries.forEach(([route, query]) =>
    b.add({
      category: 'query-params',
      route,
      name: `${route}?${query.length > 60 ? `${query.slice(0, 57)}...` : query}`,
      method: 'GET',
      path: `${route.slice(4)}?${query}`,
      apiKey: admin,
    }),
  );
  b.add({
    category: 'query-params',
    route: 'GET /users/:id',
    name: 'GET /users/:id (missing) with query junk',
    method: 'GET',
    path: `/users/${missingUser}?expand=faces&__proto__[x]=1`,
    apiKey: admin,
  });
  b.add({
    category: 'query-params',
    route: 'DELETE /users/:id',
    name: 'DELETE /users/:id (missing) with a cascade query',
    method: 'DELETE',
    path: `/users/${missingUser}?cascade=true&id=${known}`,
    apiKey: admin,
  });
  b.add({
    category: 'query-params',
    route: 'POST /recognize',
    name: 'POST /recognize with topK=0 in the query too',
    method: 'POST',
    path: '/recognize?topK=5&collection=default',
    apiKey: admin,
    body: { kind: 'json', value: { image: clean, topK: 0 } },
  });

  // =============================================================================================================
  // prototype pollution attempts (the app runs in this process: the suite also checks Object.prototype afterwards)
  const pollution: Array<[Route, HttpMethod, string, string, string]> = [
    ['POST /users', 'POST', '/users', '__proto__ key', `{"name":"x","images":["${junk}"],"__proto__":{"hostilePolluted":true,"admin":true}}`],
    ['POST /users', 'POST', '/users', 'constructor.prototype key', `{"name":"x","images":["${junk}"],"constructor":{"prototype":{"hostilePolluted":true}}}`],
    [
      'POST /users',
      'POST',
      '/users',
      '__proto__ in metadata with a face-less photo',
      `{"name":"x","images":["${noFace}"],"metadata":{"__proto__":{"hostilePolluted":true}}}`,
    ],
    ['PATCH /users/:id', 'PATCH', `/users/${missingUser}`, '__proto__ with a name on a missing user', '{"__proto__":{"name":"pwned","hostilePolluted":true}}'],
    ['PATCH /users/:id', 'PATCH', `/users/${known}`, 'constructor with a name', '{"constructor":{"prototype":{"name":"pwned"}},"name":123}'],
    [
      'PATCH /users/:id',
      'PATCH',
      `/users/${missingUser}`,
      '__proto__ in metadata on a missing user',
      '{"metadata":{"__proto__":{"hostilePolluted":true},"constructor":{"prototype":{"hostilePolluted":true}}}}',
    ],
    ['POST /verify', 'POST', '/verify', '__proto__ carrying the claimed user', `{"__proto__":{"userId":"${known}"},"image":"${clean}"}`],
    [
      'POST /verify',
      'POST',
      '/verify',
      '__proto__ carrying threshold 0',
      `{"externalId":"nobody-${missingUser}","image":"${clean}","__proto__":{"threshold":0}}`,
    ],
    ['POST /recognize', 'POST', '/recognize', '__proto__ carrying topK', `{"image":"${junk}","__proto__":{"topK":50,"hostilePolluted":true}}`],
    ['POST /detect', 'POST', '/detect', '__proto__ carrying the image', `{"__proto__":{"image":"${clean}"}}`],
    ['POST /compare', 'POST', '/compare', '__proto__ carrying imageB', `{"imageA":"${clean}","__proto__":{"imageB":"${clean}"}}`],
    ['POST /collections', 'POST', '/collections', '__proto__ carrying the name', '{"__proto__":{"name":"hostile-proto","hostilePolluted":true}}'],
    [
      'POST /collections',
      'POST',
      '/collections',
      '__proto__ in settings',
      '{"name":"hostile-proto","settings":{"__proto__":{"matchThreshold":0},"matchThreshold":5}}',
    ],
    [
      'PATCH /collections/:name',
      'PATCH',
      '/collections/default',
      '__proto__ in settings',
      '{"settings":{"__proto__":{"matchThreshold":0,"hostilePolluted":true},"matchThreshold":"0"}}',
    ],
    ['POST /api-keys', 'POST', '/api-keys', '__proto__ carrying admin scopes', '{"__proto__":{"name":"backdoor","scopes":["admin"]}}'],
    ['POST /api-keys', 'POST', '/api-keys', 'constructor carrying admin scopes', '{"name":"x","scopes":123,"constructor":{"prototype":{"scopes":["admin"]}}}'],
  ];
  pollution.forEach(([route, method, path, label, text]) => raw('prototype-pollution', route, `${route} ${label}`, method, path, 'application/json', text));

  // =============================================================================================================
  // wrong methods and near-miss routes
  const confusion: Array<[HttpMethod, string, string, unknown?]> = [
    ['PUT', `/users/${known}`, 'PUT on a user', { name: 'pwned' }],
    ['POST', `/users/${known}`, 'POST on a user', { name: 'pwned' }],
    ['PATCH', '/users', 'PATCH on the user list', { name: 'pwned' }],
    ['DELETE', '/users', 'DELETE on the user list'],
    ['GET', `/users/${known}/faces`, "GET on a user's faces"],
    ['DELETE', `/users/${known}/faces`, "DELETE on a user's faces"],
    ['PUT', `/users/${known}/faces/${ctx.knownFaceId}`, 'PUT on a face', {}],
    ['GET', '/verify', 'GET /verify'],
    ['DELETE', '/recognize', 'DELETE /recognize'],
    ['PUT', '/collections/default', 'PUT on a collection', { description: 'pwned' }],
    ['DELETE', '/collections', 'DELETE on the collection list'],
    ['PATCH', '/api-keys', 'PATCH on the key list', { scopes: ['admin'] }],
    ['DELETE', '/audit', 'DELETE on the audit log'],
    ['POST', '/audit', 'POST to the audit log', { action: 'forged' }],
    ['GET', '//users//' + known, 'double slashes'],
    ['GET', `/users/${known}/faces/${ctx.knownFaceId}/../../..`, 'dot segments after a face'],
    ['POST', '/stats', 'POST /stats', {}],
    ['DELETE', '/health', 'DELETE /health'],
  ];
  confusion.forEach(([method, path, label, value]) =>
    b.add({
      category: 'method-confusion',
      route: 'other',
      name: `${method} ${label}`,
      method,
      path,
      apiKey: admin,
      body: value === undefined ? undefined : { kind: 'json', value },
    }),
  );
  b.add({
    category: 'method-confusion',
    route: 'POST /users/:id/faces',
    name: 'POST faces with X-HTTP-Method-Override: DELETE',
    method: 'POST',
    path: `/users/${known}/faces`,
    apiKey: admin,
    headers: { 'X-HTTP-Method-Override': 'DELETE', 'X-Method-Override': 'DELETE' },
    body: { kind: 'json', value: { images: [junk] } },
  });
  b.add({
    category: 'method-confusion',
    route: 'POST /verify',
    name: 'POST /verify with X-HTTP-Method-Override: GET',
    method: 'POST',
    path: '/verify',
    apiKey: admin,
    headers: { 'X-HTTP-Method-Override': 'GET' },
    body: { kind: 'json', value: { image: junk } },
  });

  // =============================================================================================================
  // headers
  const headerCases: Array<[Route, HttpMethod, string, Record<string, string>, unknown?]> = [
    ['POST /recognize', 'POST', '/recognize', { 'X-Request-Id': '<script>alert(1)</script>' }, { image: junk }],
    ['POST /recognize', 'POST', '/recognize', { 'X-Request-Id': 'r'.repeat(8000) }, { image: junk }],
    ['POST /detect', 'POST', '/detect', { 'X-Request-Id': '../../etc/passwd' }, { image: junk }],
    ['POST /users', 'POST', '/users', { 'X-Forwarded-For': '1.1.1.1, <script>, ::1, 999.999.999.999' }, { name: 'x', images: [junk] }],
    [
      'POST /verify',
      'POST',
      '/verify',
      { 'X-Forwarded-For': "'; DROP TABLE audit_events; --", 'X-Real-IP': '127.0.0.1' },
      { externalId: 'nobody', image: junk },
    ],
    ['GET /users', 'GET', `/users?limit=0`, { 'X-Padding': 'p'.repeat(12000) }],
    ['POST /compare', 'POST', '/compare', { Accept: 'application/xml' }, { imageA: junk, imageB: junk }],
    ['POST /compare', 'POST', '/compare', { Accept: 'text/html', 'Accept-Language': '../../etc' }, { imageA: junk }],
    ['GET /collections/:name', 'GET', `/collections/${missingCollection}`, { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'DELETE' }],
    ['GET /audit', 'GET', '/audit?limit=0', { Range: 'bytes=0-10', 'If-None-Match': '*' }],
    ['DELETE /api-keys/:id', 'DELETE', `/api-keys/${missingKeyId}`, { 'Content-Type': 'application/json' }],
  ];
  headerCases.forEach(([route, method, path, headers, value], i) =>
    b.add({
      category: 'headers',
      route,
      name: `${route} with hostile headers #${i + 1} (${Object.keys(headers).join(', ')})`,
      method,
      path,
      apiKey: admin,
      headers,
      body: value === undefined ? undefined : { kind: 'json', value },
    }),
  );

  return b.requests;
}

/** A short fingerprint of the generated list, to prove determinism. */
export function fingerprint(requests: HostileRequest[]): string {
  let h = 2166136261 >>> 0;
  const feed = (s: string | Buffer) => {
    const buf = typeof s === 'string' ? Buffer.from(s) : s;
    for (let i = 0; i < buf.length; i += 7) h = Math.imul(h ^ buf[i], 16777619) >>> 0;
    h = Math.imul(h ^ buf.length, 16777619) >>> 0;
  };
  for (const r of requests) {
    feed(`${r.method} ${r.path} ${r.name} ${JSON.stringify(r.apiKey ?? null)} ${JSON.stringify(r.headers ?? {})}`);
    if (r.body?.kind === 'json') feed(JSON.stringify(r.body.value) ?? '');
    if (r.body?.kind === 'raw') feed(r.body.data);
    if (r.body?.kind === 'multipart') r.body.files.forEach(([, data]) => feed(data));
  }
  return h.toString(16).padStart(8, '0');
}
