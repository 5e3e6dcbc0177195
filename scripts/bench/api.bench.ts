/**
 * HTTP end to end: /verify and /recognize latency (p50/p95/p99) and throughput at 1, 4, 8 and 16 concurrent clients,
 * errors counted, on native PostgreSQL and on the embedded database; /health latency and event-loop delay while the
 * server is saturated with recognitions. With --million (in a process of its own), instead: one-client latency, the
 * search alone and the process's memory with a million enrolled faces ("api-million" section). With --liveness-policy:
 * the same requests with the collection's passive liveness reported (advisory) and switched off, alternated, to show what
 * the passive model costs a request when the policy does not use it ("api-liveness" section). With --client-placement:
 * /recognize with the load generator as the other benchmarks run it (fetch, JSON.stringify per request, in the app's
 * process), with bodies serialised once over node:http in the app's process, and the latter in a process of its own,
 * alternated ("api-clients" section). BENCHMARKS.md is not written in --quick mode.
 *
 *   npm run bench:api [-- --quick] [-- --million] [-- --liveness-policy] [-- --client-placement]
 *
 * Gallery: the identity photos of ../shared/faces enrolled through the API (196 faces of 31 people; probes are other
 * photos of them, so every answer is a real match), topped up with synthetic people generated inside PostgreSQL around
 * real embeddings (scripts/bench/synthetic-gallery.ts).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { FaceVectorRepository, PrismaService, VectorIndexRepository } from '@facegate/database';
import { ADMIN_KEY, TestApp, TestDatabase } from '../../test/e2e-app';
import { FaceEngineService } from '@facegate/core';
import { addDistractors, closedLoop, enrolPhotos, load, loadElsewhere, LoadResult, Probe, requestBodies, Route, warmUp, withApp } from './api-load';
import { HealthResult, LoadJob, runLoadJob } from './http-load';
import { machineLine, ms, percentile, writeSection } from './bench-report';
import { prometheusSamples, sampleTotal } from '../../test/prometheus-text';

const QUICK = process.argv.includes('--quick');
const MILLION = process.argv.includes('--million');
const LIVENESS_POLICY = process.argv.includes('--liveness-policy');
const CLIENT_PLACEMENT = process.argv.includes('--client-placement');
const CLIENTS = QUICK ? [1, 4] : [1, 4, 8, 16];
const SECONDS_PER_LEVEL = QUICK ? 3 : 12;
const GALLERY: Record<TestDatabase, number> = QUICK ? { postgres: 1000, embedded: 1000 } : { postgres: 100_000, embedded: 10_000 };
const HEALTH_EVERY_MS = 50;

interface Level extends LoadResult {
  db: TestDatabase;
  faces: number;
  route: Route;
  clients: number;
}
interface Saturation extends HealthResult {
  db: TestDatabase;
  clients: number;
  loopP99: number;
  loopMax: number;
}
interface Million {
  faces: number;
  indexBuildS: number;
  lists: number | null;
  probes: number;
  searchP50: number;
  searchP95: number;
  verifyP50: number;
  recognizeP50: number;
  recognizeP95: number;
  recognizeOneP50: number;
  recognizeOneP95: number;
  rssMb: number;
  rssBeforeMb: number;
  heapMb: number;
}

async function benchDatabase(kind: TestDatabase): Promise<{ levels: Level[]; saturation: Saturation }> {
  return withApp(kind, async (t, base) => {
    const probes = await enrolPhotos(base);
    await addDistractors(t, GALLERY[kind]);
    console.log(`${kind}: ${GALLERY[kind]} faces enrolled`);
    const levels: Level[] = [];
    let saturation: Saturation | undefined;
    for (const route of ['verify', 'recognize'] as const) {
      for (const clients of CLIENTS) {
        const watch = route === 'recognize' && clients === CLIENTS[CLIENTS.length - 1] ? watchResponsiveness(base) : undefined;
        const level = await load(base, route, clients, probes, SECONDS_PER_LEVEL);
        if (watch) saturation = { db: kind, clients, ...(await watch.stop()) };
        levels.push({ db: kind, faces: GALLERY[kind], route, clients, ...level });
        console.log(
          `${kind} /${route} x${clients}: p50 ${ms(level.p50)} p95 ${ms(level.p95)} p99 ${ms(level.p99)} ms, ${level.rps.toFixed(1)} req/s, ${level.errors} errors`,
        );
      }
    }
    return { levels, saturation: saturation! };
  });
}

/** The enrolled photos' embeddings (their users have an externalId; synthetic people do not): real faces as probes. */
async function enrolledEmbeddings(t: TestApp): Promise<Float32Array[]> {
  const rows = await t.app.get(PrismaService).client.$queryRaw<Array<{ e: string }>>`
    SELECT f.embedding::text AS e FROM faces f JOIN users u ON u.id = f.user_id WHERE u.external_id IS NOT NULL`;
  return rows.map((r) => Float32Array.from(JSON.parse(r.e) as number[]));
}

/**
 * GET /health every 50 ms and the event loop's delay while the load runs. The app runs in this process, so the loop
 * measured is the server's own (with the load generator's small share).
 */
function watchResponsiveness(base: string) {
  const health: number[] = [];
  let healthErrors = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let running = true;
  const probing = (async () => {
    while (running) {
      const start = performance.now();
      const status = await fetch(`${base}/health`)
        .then(async (r) => (await r.arrayBuffer(), r.status))
        .catch(() => 0);
      if (status !== 200) healthErrors++;
      health.push(performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, HEALTH_EVERY_MS));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await probing;
      loop.disable();
      return {
        healthP50: percentile(health, 50),
        healthP99: percentile(health, 99),
        healthMax: Math.max(...health),
        healthErrors,
        loopP99: loop.percentile(99) / 1e6,
        loopMax: loop.max / 1e6,
      };
    },
  };
}

/** A million faces on native PostgreSQL: one client's latency, and what the API process holds in memory. */
async function benchMillion(): Promise<Million> {
  return withApp('postgres', async (t, base) => {
    const probes = await enrolPhotos(base);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    await addDistractors(t, 1_000_000);
    const indexBuildS = (performance.now() - started) / 1000;
    const info = await t.app.get(VectorIndexRepository).indexInfo();
    const search = await searchAlone(t, await enrolledEmbeddings(t));
    const verify = await load(base, 'verify', 1, probes, SECONDS_PER_LEVEL);
    const recognize = await load(base, 'recognize', 1, probes, SECONDS_PER_LEVEL);
    const recognizeOne = await load(base, 'recognize', 1, probes, SECONDS_PER_LEVEL, 1);
    const memory = process.memoryUsage();
    return {
      faces: await t.app.get(PrismaService).client.face.count(),
      indexBuildS,
      lists: info.lists,
      probes: info.probes,
      searchP50: percentile(search, 50),
      searchP95: percentile(search, 95),
      verifyP50: verify.p50,
      recognizeP50: recognize.p50,
      recognizeP95: recognize.p95,
      recognizeOneP50: recognizeOne.p50,
      recognizeOneP95: recognizeOne.p95,
      rssMb: memory.rss / 2 ** 20,
      rssBeforeMb: rssBefore / 2 ** 20,
      heapMb: memory.heapUsed / 2 ** 20,
    };
  });
}

/** The product's own search path (FaceVectorRepository.searchCollection, topK 5) with real embeddings as probes. */
async function searchAlone(t: TestApp, probes: Float32Array[]): Promise<number[]> {
  const vectors = t.app.get(FaceVectorRepository);
  const { id: collectionId } = await t.app.get(PrismaService).client.collection.findUniqueOrThrow({ where: { name: 'default' } });
  for (const embedding of probes.slice(0, 10)) await vectors.searchCollection({ collectionId, embedding, topK: 5 });
  const times: number[] = [];
  for (const embedding of probes) {
    const start = performance.now();
    await vectors.searchCollection({ collectionId, embedding, topK: 5 });
    times.push(performance.now() - start);
  }
  return times;
}

function millionReport(m: Million): string {
  return [
    '## API with a million enrolled faces',
    '',
    `Machine: ${machineLine()}. Command: \`npm run bench:api -- --million\` (a process of its own). Native PostgreSQL; 196 photos enrolled`,
    'through the API, then synthetic people around their embeddings up to a million faces; the IVFFlat index built by the',
    'product (VectorIndexRepository.ensureIndex, CREATE INDEX CONCURRENTLY); one client; probes as in the API section.',
    '',
    '| measure | value |',
    '| --- | --- |',
    `| faces | ${m.faces.toLocaleString('en')} |`,
    `| generated and indexed in | ${m.indexBuildS.toFixed(0)} s (IVFFlat on halfvec, ${m.lists} lists; searches probe ${m.probes}) |`,
    `| the product's search alone (repository, topK 5, the enrolled photos' embeddings as probes) | p50 ${ms(m.searchP50)} ms, p95 ${ms(m.searchP95)} ms |`,
    `| /verify, one client | p50 ${ms(m.verifyP50)} ms |`,
    `| /recognize topK 5 (one full search pass), one client | p50 ${ms(m.recognizeP50)} ms, p95 ${ms(m.recognizeP95)} ms |`,
    `| /recognize topK 1 (a first pass at 0.3 x the probes, the full pass only without a match), one client | p50 ${ms(m.recognizeOneP50)} ms, p95 ${ms(m.recognizeOneP95)} ms |`,
    `| process RSS with 196 faces, before the million | ${m.rssBeforeMb.toFixed(0)} MB |`,
    `| process RSS after the run (API, its 2 engine workers, and the load generator) | ${m.rssMb.toFixed(0)} MB |`,
    `| JS heap after the run | ${m.heapMb.toFixed(0)} MB |`,
    '',
    // glibc reads it once, at process start: the memory rows mean little without saying which it was.
    `MALLOC_ARENA_MAX: ${process.env.MALLOC_ARENA_MAX ?? 'unset (glibc default)'}, MALLOC_MMAP_THRESHOLD_: ${process.env.MALLOC_MMAP_THRESHOLD_ ?? 'unset (glibc default, dynamic)'} (\`npm start\`, the Dockerfiles and \`npm run bench:api\` set them: package.json's start:prod has the values).`,
  ].join('\n');
}

interface PolicyLevel extends LoadResult {
  mode: LivenessMode;
  round: number;
  route: Route | 'engine';
  clients: number;
  /** GET /health every 50 ms while the level ran (the 8-client level only). */
  healthP99?: number;
}
type LivenessMode = 'advisory' | 'off';

/** Mean ms per /recognize of each part the app's own metrics time, over one one-client level. */
interface TimeShare {
  mode: LivenessMode;
  round: number;
  requests: number;
  parts: Array<[string, number]>;
}
/** Engine stages as the metrics name them; 'liveness' is the wait for the passive score after the embedding. */
const ENGINE_STAGES = ['decode', 'detect', 'landmarks', 'align', 'embed', 'liveness'] as const;
const POLICY_ROUNDS = QUICK ? 1 : 2;
const POLICY_LEVELS: Array<[Route, number]> = [
  ['recognize', 1],
  ['verify', 1],
  ['recognize', 8],
];

/**
 * The default collection's passive liveness reported (advisory: the passive model runs on every probe) against off (it
 * does not run), on native PostgreSQL at the API section's gallery size; modes alternate round by round so that drift
 * of the machine does not favour one.
 */
async function benchLivenessPolicy(): Promise<{ rows: PolicyLevel[]; shares: TimeShare[] }> {
  return withApp('postgres', async (t, base) => {
    const probes = await enrolPhotos(base);
    await addDistractors(t, GALLERY.postgres);
    const rows: PolicyLevel[] = [];
    const shares: TimeShare[] = [];
    for (let round = 1; round <= POLICY_ROUNDS; round++) {
      for (const mode of ['advisory', 'off'] as const) {
        await setLivenessMode(base, mode);
        for (const [route, clients] of POLICY_LEVELS) {
          const watch = clients > 1 ? watchResponsiveness(base) : undefined;
          const lone = route === 'recognize' && clients === 1;
          const before = lone ? await scrapeMetrics(base) : undefined;
          const level = await load(base, route, clients, probes, SECONDS_PER_LEVEL);
          if (before) shares.push({ mode, round, ...timeShare(before, await scrapeMetrics(base)) });
          const healthP99 = watch ? (await watch.stop()).healthP99 : undefined;
          rows.push({ mode, round, route, clients, ...level, healthP99 });
          console.log(`liveness ${mode} round ${round} /${route} x${clients}: p50 ${ms(level.p50)} ms, ${level.rps.toFixed(1)} req/s, ${level.errors} errors`);
        }
        for (const clients of [1, 8]) {
          const level = await engineAlone(t, probes, clients, mode === 'advisory');
          rows.push({ mode, round, route: 'engine', clients, ...level });
          console.log(`liveness ${mode} round ${round} engine alone x${clients}: p50 ${ms(level.p50)} ms, ${level.rps.toFixed(1)} analyses/s`);
        }
      }
    }
    return { rows, shares };
  });
}

async function scrapeMetrics(base: string): Promise<Map<string, number>> {
  const res = await fetch(`${base}/metrics`, { headers: { 'X-API-Key': ADMIN_KEY } });
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status}`);
  return prometheusSamples(await res.text());
}

/**
 * Where a lone /recognize spends its time, from the app's own histograms between two scrapes: each part's summed
 * seconds over the requests served meanwhile (warm-up included). The engine's job time holds its stages; "the rest"
 * is what no histogram times: HTTP, JSON and base64, the key check, the collection and lockout lookups, hand-offs.
 */
function timeShare(before: Map<string, number>, after: Map<string, number>): Omit<TimeShare, 'mode' | 'round'> {
  const delta = (name: string, labels: Record<string, string> = {}) => sampleTotal(after, name, labels) - sampleTotal(before, name, labels);
  const requests = delta('facegate_http_request_duration_seconds_count', { route: '/recognize' });
  const meanMs = (name: string, labels: Record<string, string> = {}) => (1000 * delta(`${name}_sum`, labels)) / Math.max(1, requests);
  const total = meanMs('facegate_http_request_duration_seconds', { route: '/recognize' });
  const wait = meanMs('facegate_engine_queue_wait_seconds');
  const job = meanMs('facegate_engine_job_duration_seconds');
  const search = meanMs('facegate_database_operation_duration_seconds', { operation: 'vector_search' });
  const audit = meanMs('facegate_database_operation_duration_seconds', { operation: 'audit_write' });
  return {
    requests,
    parts: [
      ['request (HTTP, first byte to last)', total],
      ['engine job, in its worker', job],
      ...ENGINE_STAGES.map((stage): [string, number] => [`- ${stage}`, meanMs('facegate_engine_stage_duration_seconds', { stage })]),
      ['engine queue wait', wait],
      ['vector search (settings and statement)', search],
      ['audit write', audit],
      ['the rest', total - job - wait - search - audit],
    ],
  };
}

/**
 * The ceiling: the same probes through the app's own face engine (the analysis /recognize asks for: the primary face,
 * its embedding, liveness when the policy uses it) by `clients` concurrent callers, with no HTTP, JSON, database or
 * audit. What /recognize adds to one request, and how much of the engine's throughput reaches clients.
 */
async function engineAlone(t: TestApp, probes: Probe[], clients: number, liveness: boolean): Promise<LoadResult> {
  const engine = t.app.get(FaceEngineService);
  const analyze = (i: number) => engine.analyze(probes[i % probes.length].image, { details: 'primary', embedding: true, liveness });
  for (let i = 0; i < clients * 2; i++) await analyze(i);
  return closedLoop(clients, SECONDS_PER_LEVEL, async (i) => {
    await analyze(i);
    return true;
  });
}

/** PATCH replaces a collection's settings: read them, change the liveness mode, send them back. */
async function setLivenessMode(base: string, mode: LivenessMode): Promise<void> {
  const headers = { 'Content-Type': 'application/json', 'X-API-Key': ADMIN_KEY };
  const current = (await (await fetch(`${base}/collections/default`, { headers })).json()) as { settings?: Record<string, unknown> };
  const res = await fetch(`${base}/collections/default`, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({ settings: { ...current.settings, livenessMode: mode } }),
  });
  if (res.status !== 200) throw new Error(`setting livenessMode ${mode} failed: ${res.status} ${await res.text()}`);
}

function policyReport(rows: PolicyLevel[], shares: TimeShare[]): string {
  return [
    '## API: passive liveness only where the policy uses it',
    '',
    `Machine: ${machineLine()}. Command: \`npm run bench:api -- --liveness-policy\`. As the API section (in-process app, PostgreSQL 15 + pgvector,`,
    `${GALLERY.postgres.toLocaleString('en')} faces, base64 JSON probes, ${SECONDS_PER_LEVEL} s per level), with the default collection's \`livenessMode\` switched between`,
    '`advisory` (the passive model runs on every probe and its score is reported) and `off` (the engine skips the model);',
    'the two alternate round by round. "engine alone" is the ceiling: the same probes analysed by the app\'s own face engine',
    '(primary face, embedding, liveness when the mode uses it) by as many concurrent callers, without HTTP, JSON, the',
    'database or the audit log. /health p99: `GET /health` every 50 ms while the 8 clients ran.',
    '',
    '| livenessMode | round | route | clients | p50 ms | p95 ms | p99 ms | req/s | requests | errors | /health p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${r.round} | ${r.route === 'engine' ? 'engine alone' : `/${r.route}`} | ${r.clients} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${r.rps.toFixed(1)} | ${r.requests} | ${r.errors} | ${r.healthP99 === undefined ? '-' : ms(r.healthP99)} |`,
    ),
    '',
    "**Where a lone /recognize spends its time** (the one-client levels above, from the app's own `/metrics` histograms",
    'scraped before and after: mean ms per request; the engine stages are part of its job; "the rest" is HTTP, JSON,',
    'base64, the key check, the collection and lockout lookups and hand-offs, which no histogram times):',
    '',
    `| part | ${shares.map((x) => `${x.mode} ${x.round}`).join(' | ')} |`,
    `| --- | ${shares.map(() => '---').join(' | ')} |`,
    ...(shares[0]?.parts ?? []).map(([part], k) => `| ${part} | ${shares.map((x) => ms(x.parts[k][1])).join(' | ')} |`),
    `| requests | ${shares.map((x) => x.requests).join(' | ')} |`,
  ].join('\n');
}

const dbName = (db: TestDatabase) => (db === 'postgres' ? 'PostgreSQL 15 + pgvector' : 'embedded (PGlite)');

function report(levels: Level[], saturations: Saturation[]): string {
  const lines = [
    '## API: /verify and /recognize end to end',
    '',
    `Machine: ${machineLine()}. Command: \`npm run bench:api\`. App in-process on 127.0.0.1, 2 engine workers x 1 thread,`,
    'load generator in the same process (closed loop: each client sends its next request when the last one answered), so',
    'clients and server share the same 2 cores; rate limits raised out of the way; every request is authenticated, scoped',
    'and audited as in production. Gallery: 196 identity photos of ../shared/faces enrolled through the API, plus synthetic',
    'people generated in the database around real embeddings (5 faces each; see "Vector search") up to the size shown; probes are other photos of the',
    'enrolled people, sent as base64 JSON; /recognize asks topK 5. Each level runs',
    `${SECONDS_PER_LEVEL} s after a short warm-up; errors are answers other than 200.`,
    '',
    '| database | faces | route | clients | p50 ms | p95 ms | p99 ms | req/s | requests | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...levels.map(
      (l) =>
        `| ${dbName(l.db)} | ${l.faces.toLocaleString('en')} | /${l.route} | ${l.clients} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${l.rps.toFixed(1)} | ${l.requests} | ${l.errors} |`,
    ),
    '',
    "**Responsiveness under saturation** (`GET /health` every 50 ms, and the event loop's delay, while the most clients run /recognize):",
    '',
    '| database | recognize clients | /health p50 ms | /health p99 ms | /health max ms | event-loop delay p99 ms | max ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...saturations.map(
      (s) => `| ${dbName(s.db)} | ${s.clients} | ${ms(s.healthP50)} | ${ms(s.healthP99)} | ${ms(s.healthMax)} | ${ms(s.loopP99)} | ${ms(s.loopMax)} |`,
    ),
  ];
  return lines.join('\n');
}

type Placement = 'fetch, in process' | 'node:http, in process' | 'own process';
interface PlacementLevel extends LoadResult {
  placement: Placement;
  round: number;
  topK: number;
  clients: number;
  health?: HealthResult;
  /** The app's event-loop delay p99 while the level ran (ms). */
  loopP99: number;
}
const PLACEMENTS: Placement[] = ['fetch, in process', 'node:http, in process', 'own process'];
/** As many rounds as placements, each placement first once (the order rotates). */
const PLACEMENT_ROUNDS = QUICK ? 1 : PLACEMENTS.length;
/** [topK, clients]: 1 is the API's default (a first pass at a third of the probes, ended by a hit), 5 the other sections' choice. */
const PLACEMENT_LEVELS: Array<[number, number]> = [
  [1, 1],
  [1, 8],
  [5, 1],
  [5, 8],
];

/** One /recognize level with its clients placed as asked; /health every 50 ms from the same place when clients > 1. */
async function placedLevel(
  base: string,
  probes: Probe[],
  placement: Placement,
  topK: number,
  clients: number,
): Promise<{ load: LoadResult; health?: HealthResult; loopP99: number }> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  try {
    if (placement === 'fetch, in process') {
      // Warmed up before /health is watched, as runLoadJob does, so light-load samples are not counted.
      await warmUp(base, 'recognize', clients, probes, topK);
      const watch = clients > 1 ? watchResponsiveness(base) : undefined;
      const result = await load(base, 'recognize', clients, probes, SECONDS_PER_LEVEL, topK, false);
      const health = watch ? await watch.stop() : undefined;
      return { load: result, health, loopP99: loop.percentile(99) / 1e6 };
    }
    const job: LoadJob = {
      base,
      route: 'recognize',
      apiKey: ADMIN_KEY,
      clients,
      seconds: SECONDS_PER_LEVEL,
      bodies: requestBodies('recognize', probes, topK),
      healthEveryMs: clients > 1 ? HEALTH_EVERY_MS : undefined,
    };
    const { load: result, health } = placement === 'own process' ? await loadElsewhere(job) : await runLoadJob(job);
    return { load: result, health, loopP99: loop.percentile(99) / 1e6 };
  } finally {
    loop.disable();
  }
}

/**
 * Where the load generator runs changes what is measured: in the app's process its JSON and HTTP work shares the
 * event loop that /health is answered on. Placements alternate, in a rotated order each round.
 */
async function benchClientPlacement(): Promise<PlacementLevel[]> {
  return withApp('postgres', async (t, base) => {
    const probes = await enrolPhotos(base);
    await addDistractors(t, GALLERY.postgres);
    const rows: PlacementLevel[] = [];
    // Not measured: one pass over every level, so that no placement meets the first requests after the index build.
    for (const [topK, clients] of PLACEMENT_LEVELS) await load(base, 'recognize', clients, probes, QUICK ? 1 : 3, topK);
    for (let round = 1; round <= PLACEMENT_ROUNDS; round++) {
      const order = PLACEMENTS.map((_, i) => PLACEMENTS[(i + round - 1) % PLACEMENTS.length]);
      for (const placement of order) {
        for (const [topK, clients] of PLACEMENT_LEVELS) {
          const { load: level, health, loopP99 } = await placedLevel(base, probes, placement, topK, clients);
          rows.push({ placement, round, topK, clients, ...level, health, loopP99 });
          console.log(
            `clients ${placement} round ${round} /recognize topK ${topK} x${clients}: p50 ${ms(level.p50)} ms, ${level.rps.toFixed(1)} req/s, ${level.errors} errors` +
              (health ? `, /health p99 ${ms(health.healthP99)} ms` : ''),
          );
        }
      }
    }
    return rows;
  });
}

function placementReport(rows: PlacementLevel[]): string {
  return [
    '## API: where the load generator runs',
    '',
    `Machine: ${machineLine()}. Command: \`npm run bench:api -- --client-placement\`. As the API section (in-process app, PostgreSQL 15 + pgvector,`,
    `${GALLERY.postgres.toLocaleString('en-US')} faces, the default collection as the bench configures it, /recognize with base64 JSON probes at topK 1 (the API's default: a first`,
    `search pass at a third of the probes, ended by a hit) and topK 5 (the other sections' choice: one full pass), ${SECONDS_PER_LEVEL} s per level), with the clients`,
    "placed three ways over three rounds, each placement first in one: `fetch, in process` (the other API sections' load generator: fetch and a",
    'JSON.stringify of the photo per request, on the event loop that serves the API), `node:http, in process` (bodies serialised once,',
    "kept-alive node:http connections, same event loop) and `own process` (the same client in a child process: its work leaves the app's",
    "event loop, not the machine's two cores). /health: `GET /health` every 50 ms from the same place as the clients, while the 8 ran.",
    "Event loop p99: the app process's event-loop delay during the level and its warm-up (sampled every 10 ms; the value includes",
    "that interval), and for `own process` the child's start. One untimed pass over every level comes first, after the index build.",
    '',
    '| clients placed | round | topK | clients | p50 ms | p95 ms | p99 ms | req/s | requests | errors | /health p50 ms | /health p99 ms | /health max ms | /health errors | event loop p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.placement} | ${r.round} | ${r.topK} | ${r.clients} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${r.rps.toFixed(1)} | ${r.requests} | ${r.errors} | ${r.health ? ms(r.health.healthP50) : '-'} | ${r.health ? ms(r.health.healthP99) : '-'} | ${r.health ? ms(r.health.healthMax) : '-'} | ${r.health ? r.health.healthErrors : '-'} | ${ms(r.loopP99)} |`,
    ),
  ].join('\n');
}

async function main() {
  // The million-face run gets a fresh process of its own, so that the memory it reports is the API's at a million
  // faces, not what earlier stages (another database, the embedded server) left behind.
  if (LIVENESS_POLICY) {
    const { rows, shares } = await benchLivenessPolicy();
    const markdown = policyReport(rows, shares);
    console.log(markdown);
    if (!QUICK) writeSection('api-liveness', markdown);
    return;
  }
  if (CLIENT_PLACEMENT) {
    const markdown = placementReport(await benchClientPlacement());
    console.log(markdown);
    if (!QUICK) writeSection('api-clients', markdown);
    return;
  }
  if (MILLION) {
    const million = await benchMillion();
    const markdown = millionReport(million);
    console.log(markdown);
    if (!QUICK) writeSection('api-million', markdown);
    return;
  }
  const levels: Level[] = [];
  const saturations: Saturation[] = [];
  for (const kind of ['postgres', 'embedded'] as const) {
    const { levels: l, saturation } = await benchDatabase(kind);
    levels.push(...l);
    saturations.push(saturation);
  }
  const markdown = report(levels, saturations);
  console.log(markdown);
  if (!QUICK) writeSection('api', markdown);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
