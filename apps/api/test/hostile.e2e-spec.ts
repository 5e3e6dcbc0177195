import { writeFileSync } from 'node:fs';
import { ADMIN_KEY, testDatabase, useTestApp } from '../../../test/e2e-app';
import { CATEGORIES, DEFAULT_SEED, fingerprint, generateHostileRequests, HostileContext, HostileRequest, ROUTES } from '../../../test/hostile-requests';
import { photo } from '../../../test/photos';

const kind = testDatabase();
const auth = { 'X-API-Key': ADMIN_KEY };
const CONCURRENCY = 4;
const MIN_REQUESTS = 500;
/** To reproduce a failure: HOSTILE_ONLY=<regex on "#index category route name"> sends only the matching cases. */
const ONLY = process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY, 'i') : undefined;
/** HOSTILE_REPORT=<file> writes every case with its status and body (TSV) for review. */
const REPORT = process.env.HOSTILE_REPORT;

interface Outcome {
  request: HostileRequest;
  status: number;
  contentType: string;
  text: string;
  ms: number;
  clientError?: string;
}

/**
 * Leaks that must never reach a client: stack frames, module paths, the ORM, and the SQL of our own queries. A match
 * that the request itself contained (an echoed SQL-looking name, say) is not a leak.
 */
const LEAKS: RegExp[] = [
  /\bat [\w.$<>[\] ]+ \(/,
  /\bat (?:async )?\/[\w/.-]+:\d+/,
  /node_modules/,
  /prisma/i,
  /\bSELECT\b/i,
  /\bINSERT\s+INTO\b/i,
  /\bUPDATE\s+"?\w+"?\s+SET\b/i,
  /\bDELETE\s+FROM\b/i,
  /\bFROM\s+"?(?:users|faces|collections|api_keys|audit\w*|lockouts?)"?/i,
  /\bWHERE\b/,
  /<=>/,
  /::(?:vector|uuid|text|jsonb|timestamp)/i,
  /ivfflat/i,
  /_prisma_migrations/,
  /invalid input syntax|violates|duplicate key value|out of range for type|unsupported Unicode escape/i,
  /\b(?:P20\d\d|22P02|23505|22021|22008)\b/,
  /TypeError|RangeError|ReferenceError|SyntaxError: /,
  /Maximum call stack/i,
];

function requestText(r: HostileRequest): string {
  const parts = [r.path, JSON.stringify(r.headers ?? {})];
  if (r.body?.kind === 'json') parts.push(JSON.stringify(r.body.value) ?? '');
  if (r.body?.kind === 'raw') parts.push(typeof r.body.data === 'string' ? r.body.data : r.body.data.toString('latin1'));
  if (r.body?.kind === 'multipart') parts.push(...r.body.fields.flat(), ...r.body.files.map(([field, , name]) => `${field} ${name}`));
  let text = parts.join('\n');
  try {
    text += `\n${decodeURIComponent(r.path)}`;
  } catch {
    // a deliberately malformed path
  }
  return text;
}

/** Why an answer is not a coded 4xx problem without leaks; empty when it is one. */
function problemsWith(o: Outcome): string[] {
  const problems: string[] = [];
  if (o.clientError) return [`no answer: ${o.clientError}`];
  if (o.status < 400 || o.status > 499) problems.push(`status ${o.status}`);
  if (!/^application\/problem\+json/.test(o.contentType)) problems.push(`content-type "${o.contentType}"`);
  let body: { code?: unknown; status?: unknown } | undefined;
  try {
    body = JSON.parse(o.text);
  } catch {
    problems.push('body is not JSON');
  }
  if (body) {
    if (typeof body.code !== 'string' || body.code.length === 0) problems.push('no string code');
    else if (o.request.expectCodes && !o.request.expectCodes.includes(body.code))
      problems.push(`code ${body.code}, expected ${o.request.expectCodes.join(' or ')}`);
    if (body.status !== o.status) problems.push(`body.status ${String(body.status)} != ${o.status}`);
  }
  const sent = requestText(o.request).toLowerCase();
  for (const pattern of LEAKS) {
    const match = pattern.exec(o.text);
    if (match && !sent.includes(match[0].toLowerCase())) problems.push(`leaks ${JSON.stringify(match[0])}`);
  }
  return problems;
}

async function send(http: ReturnType<ReturnType<typeof useTestApp>>['http'], r: HostileRequest): Promise<Outcome> {
  const started = Date.now();
  const method = r.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  let test = http[method](r.path).timeout({ deadline: 60_000 });
  if (r.apiKey !== undefined) test = test.set('X-API-Key', r.apiKey as string);
  for (const [name, value] of Object.entries(r.headers ?? {})) test = test.set(name, value);
  if (r.body?.kind === 'json') {
    test = test.set('Content-Type', 'application/json').send(JSON.stringify(r.body.value));
  } else if (r.body?.kind === 'raw') {
    if (r.body.contentType !== undefined) test = test.set('Content-Type', r.body.contentType);
    // As a Buffer with an identity serializer, so superagent neither re-encodes it nor adds a Content-Type.
    const data = typeof r.body.data === 'string' ? Buffer.from(r.body.data, 'utf8') : r.body.data;
    test = test.serialize((x: unknown) => x as string).send(data as unknown as string);
  } else if (r.body?.kind === 'multipart') {
    for (const [name, value] of r.body.fields) test = test.field(name, value);
    for (const [field, data, filename] of r.body.files) test = test.attach(field, data, filename);
  }
  try {
    const res = await test;
    return { request: r, status: res.status, contentType: String(res.headers['content-type'] ?? ''), text: res.text ?? '', ms: Date.now() - started };
  } catch (error) {
    const e = error as { response?: { status: number; headers: Record<string, string>; text: string }; message?: string };
    if (e.response)
      return {
        request: r,
        status: e.response.status,
        contentType: String(e.response.headers['content-type'] ?? ''),
        text: e.response.text ?? '',
        ms: Date.now() - started,
      };
    return { request: r, status: 0, contentType: '', text: '', ms: Date.now() - started, clientError: e.message ?? String(error) };
  }
}

async function inPool<T, R>(items: T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await run(items[i]);
      }
    }),
  );
  return results;
}

const clip = (s: string, n: number) => {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
};

function violationTable(rows: Array<{ o: Outcome; problems: string[] }>): string {
  const lines = rows.map(({ o, problems }) =>
    [`#${o.request.index}`, o.request.route, clip(o.request.name, 70), String(o.status), problems.join('; '), clip(o.clientError ?? o.text, 160)].join(' | '),
  );
  return [
    `${rows.length} hostile request(s) were not answered with a coded 4xx problem (seed ${DEFAULT_SEED}):`,
    'case | route | name | status | problems | body',
    ...lines,
  ].join('\n');
}

describe(`hostile requests (${kind})`, () => {
  const app = useTestApp({
    FACEGATE_RATE_LIMIT_ENROL: '1000000',
    FACEGATE_RATE_LIMIT_RECOGNIZE: '1000000',
    FACEGATE_RATE_LIMIT_READ: '1000000',
    FACEGATE_RATE_LIMIT_ADMIN: '1000000',
    FACEGATE_MAX_BODY_BYTES: String(4 * 1024 * 1024),
    // The open liveness session must outlive the whole run (its first step would otherwise time out after 15 s).
    FACEGATE_LIVENESS_SESSION_SECONDS: '600',
    FACEGATE_LIVENESS_STEP_SECONDS: '600',
  });

  let knownUserId: string;
  let knownFaceId: string;
  let context: HostileContext;
  let requests: HostileRequest[];
  let outcomes: Outcome[] = [];
  const before: Record<string, unknown> = {};

  /** Everything the storm must leave as it was. Admin listings that do not exist (yet) are recorded as their status. */
  async function snapshot(): Promise<Record<string, unknown>> {
    const http = app().http;
    const stats = await http.get('/stats').set(auth).expect(200);
    const counts = Object.fromEntries(Object.entries(stats.body.counts as Record<string, unknown>).filter(([name]) => !/audit|event|request/i.test(name)));
    const user = await http.get(`/users/${knownUserId}`).set(auth).expect(200);
    const users = await http.get('/users?limit=100').set(auth).expect(200);
    const collections = await http.get('/collections').set(auth);
    const collection = await http.get('/collections/default').set(auth);
    const keys = await http.get('/api-keys').set(auth);
    const liveness = context?.livenessSessionId ? (await http.get(`/liveness/sessions/${context.livenessSessionId}`).set(auth).expect(200)).body : null;
    const keyIds = (body: unknown) => {
      const items = Array.isArray(body) ? body : (body as { items?: unknown[] })?.items;
      // lastUsedAt moves with every request; everything else must not.
      return Array.isArray(items) ? items.map((k) => JSON.stringify({ ...(k as object), lastUsedAt: undefined })).sort() : body;
    };
    return {
      counts,
      user: user.body,
      users: users.body,
      collections: collections.status === 200 ? collections.body : collections.status,
      defaultCollection: collection.status === 200 ? collection.body : collection.status,
      apiKeys: keys.status === 200 ? keyIds(keys.body) : keys.status,
      livenessSession: liveness,
    };
  }

  beforeAll(async () => {
    const http = app().http;
    const enrolled = await http
      .post('/users')
      .set(auth)
      .send({ name: 'Known Person', externalId: 'hostile-known', images: [photo('George_W_Bush/002.jpg')], metadata: { role: 'survivor' } })
      .expect(201);
    knownUserId = enrolled.body.id;
    knownFaceId = enrolled.body.faces[0].id;
    // Keys with less power, for escalation attempts, and a second collection for the confined one.
    await http.post('/collections').set(auth).send({ name: 'hostile-other', description: 'isolation target' }).expect(201);
    const key = async (name: string, scopes: string[], collections?: string[]) =>
      (
        await http
          .post('/api-keys')
          .set(auth)
          .send({ name, scopes, ...(collections ? { collections } : {}) })
          .expect(201)
      ).body as { id: string; key: string };
    const read = await key('hostile-read', ['read']);
    const recognize = await key('hostile-recognize', ['recognize']);
    const confined = await key('hostile-confined', ['enrol', 'read', 'recognize'], ['hostile-other']);
    const liveness = await http.post('/liveness/sessions').set(auth).send({}).expect(201);
    context = {
      livenessSessionId: liveness.body.id,
      livenessStepNonce: liveness.body.stepNonce,
      adminKey: ADMIN_KEY,
      knownUserId,
      knownFaceId,
      knownExternalId: 'hostile-known',
      scopedKeys: { read: read.key, readKeyId: read.id, recognize: recognize.key, confined: confined.key, otherCollection: 'hostile-other' },
    };
    requests = generateHostileRequests(context);
    Object.assign(before, await snapshot());
  });

  it(`generates at least ${MIN_REQUESTS} deterministic requests over every route and category`, () => {
    expect(requests.length).toBeGreaterThanOrEqual(MIN_REQUESTS);
    const again = generateHostileRequests(context);
    expect(fingerprint(again)).toBe(fingerprint(requests));
    const routes = new Set(requests.map((r) => r.route));
    expect(ROUTES.filter((r) => !routes.has(r))).toEqual([]);
    const categories = new Set(requests.map((r) => r.category));
    expect(CATEGORIES.filter((c) => !categories.has(c))).toEqual([]);
    expect(new Set(requests.map((r) => r.name)).size).toBe(requests.length);
  });

  it('answers every hostile request with a coded 4xx problem: no 5xx, no leaks', async () => {
    const started = Date.now();
    const selected = ONLY ? requests.filter((r) => ONLY.test(`#${r.index} ${r.category} ${r.route} ${r.name}`)) : requests;
    outcomes = await inPool(selected, CONCURRENCY, (r) => send(app().http, r));
    if (REPORT) {
      const row = (o: Outcome) =>
        [o.request.index, o.request.category, o.request.route, o.request.name, o.status, o.ms, clip(o.clientError ?? o.text, 300)].join('\t');
      writeFileSync(REPORT, `${outcomes.map(row).join('\n')}\n`);
    }
    const seconds = (Date.now() - started) / 1000;
    const byStatus = new Map<number, number>();
    for (const o of outcomes) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
    const slowest = [...outcomes]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3)
      .map((o) => `#${o.request.index} ${o.ms} ms`);
    console.log(
      `hostile (${kind}): ${outcomes.length} requests in ${seconds.toFixed(1)} s; statuses ${[...byStatus.entries()]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}x${n}`)
        .join(' ')}; slowest ${slowest.join(', ')}`,
    );
    const violations = outcomes.map((o) => ({ o, problems: problemsWith(o) })).filter((v) => v.problems.length > 0);
    if (violations.length > 0) throw new Error(violationTable(violations));
  }, 180_000);

  it('does not pollute Object.prototype (the app runs in this process)', () => {
    expect(({} as Record<string, unknown>).hostilePolluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('stays ready', async () => {
    const res = await app().http.get('/health/ready');
    expect({ status: res.status, ready: res.body.ready }).toEqual({ status: 200, ready: true });
  });

  it('leaves stored data unchanged', async () => {
    expect(outcomes.length).toBe(ONLY ? requests.filter((r) => ONLY.test(`#${r.index} ${r.category} ${r.route} ${r.name}`)).length : requests.length);
    expect(await snapshot()).toEqual(before);
  });

  it('the known person still verifies', async () => {
    const res = await app()
      .http.post('/verify')
      .set(auth)
      .send({ userId: knownUserId, image: photo('George_W_Bush/004.jpg') });
    expect({ status: res.status, verified: res.body.verified }).toEqual({ status: 200, verified: true });
  });
});
