/**
 * What the HTTP benchmarks share (api.bench.ts, replica.bench.ts): an app on a fresh database listening on 127.0.0.1,
 * the people of ../shared/faces enrolled through the API, synthetic people around them, and closed-loop clients.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { PrismaService, VectorIndexRepository } from '@facegate/database';
import { loadFaceDataset } from '../../libs/face-engine/src/eval/face-dataset';
import { ADMIN_KEY, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../../test/e2e-app';
import { MULTI_FACE_PHOTOS } from '../../test/photos';
import { FACES_DIR, facePath } from '../../test/shared-faces';
import { closedLoop, HealthResult, LoadJob, LoadResult } from './http-load';
import { seedProductGallery } from './synthetic-gallery';

export { closedLoop } from './http-load';
export type { LoadResult } from './http-load';

/** Rate limits out of the way: the benchmarks measure the engine and the database, not the throttler. */
export const UNLIMITED = {
  FACEGATE_RATE_LIMIT_ENROL: '1000000',
  FACEGATE_RATE_LIMIT_RECOGNIZE: '1000000',
  FACEGATE_RATE_LIMIT_READ: '1000000',
  FACEGATE_RATE_LIMIT_ADMIN: '1000000',
};

export type Route = 'verify' | 'recognize';
export interface Probe {
  userId: string;
  image: string;
}

/**
 * An app in this process on a fresh database of `kind`, listening on 127.0.0.1; dropped afterwards. `env` adds
 * settings that depend on the database's environment (DATABASE_URL, DATA_DIR).
 */
export async function withApp<T>(
  kind: TestDatabase,
  work: (t: TestApp, base: string) => Promise<T>,
  env: (database: Record<string, string>) => Record<string, string> = () => ({}),
): Promise<T> {
  const db = await createTestDatabase(kind);
  const t = await startTestApp(db.env, { LOG_LEVEL: 'error', ...UNLIMITED, ...env(db.env) });
  await t.app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  try {
    return await work(t, base);
  } finally {
    await t.close();
    await db.drop();
  }
}

/** The 31 people of ../shared/faces enrolled through the API; each probe is another photo of an enrolled person. */
export async function enrolPhotos(base: string): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (const [person, files] of photosByPerson()) {
    const images = files.map((f) => readFileSync(facePath(f)).toString('base64'));
    const enrol = images.length > 1 ? images.slice(1, 11) : images;
    // allowDuplicate: two deepface identities look alike at the threshold; allowMismatch: a few genuine photos of one
    // person fall below it against another of theirs. The benchmark measures speed, not those rules (admin key).
    const res = await post(base, 'users', { name: person, externalId: person, images: enrol, allowDuplicate: true, allowMismatch: true });
    if (res.status !== 201) throw new Error(`enrolment of ${person} failed: ${res.status} ${JSON.stringify(res.body)}`);
    probes.push({ userId: (res.body as { id: string }).id, image: images[0] });
  }
  return probes;
}

/** The identity photos of ../shared/faces by person, without the five with a second large face (enrolment refuses them). */
export function photosByPerson(): Map<string, string[]> {
  const byPerson = new Map<string, string[]>();
  for (const { identity, file } of loadFaceDataset(FACES_DIR).identities) {
    if (!MULTI_FACE_PHOTOS.has(file)) byPerson.set(identity, [...(byPerson.get(identity) ?? []), file]);
  }
  return byPerson;
}

/**
 * Synthetic people generated inside the database around real embeddings (synthetic-gallery.ts: 5 faces each, cosine
 * ~0.65 within a person, ~0.1 between people from the same seed): a million faces would take hours through the engine.
 * The seeds are the embeddings of the photos just enrolled through the API, read back from the database, so no second
 * face engine runs in this process (it would count in the memory measured).
 */
export async function addDistractors(t: TestApp, target: number): Promise<void> {
  const prisma = t.app.get(PrismaService);
  const { id: collectionId } = await prisma.client.collection.findUniqueOrThrow({ where: { name: 'default' } });
  const missing = target - (await prisma.client.face.count());
  if (missing > 0) {
    const client = new pg.Client({ connectionString: prisma.connectionUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ e: string }>('SELECT embedding::text AS e FROM faces');
      await seedProductGallery(
        client,
        collectionId,
        missing,
        rows.map((r) => Float32Array.from(JSON.parse(r.e) as number[])),
      );
    } finally {
      await client.end();
    }
  }
  const index = await t.app.get(VectorIndexRepository).ensureIndex();
  if (index.action !== 'none') console.log(`  IVFFlat ${index.action}: ${index.lists} lists in ${(index.durationMs / 1000).toFixed(1)} s`);
}

/** A request body of `route` for probe i (in turn). */
function bodyFor(route: Route, probes: Probe[], i: number, topK: number): object {
  const p = probes[i % probes.length];
  return route === 'verify' ? { userId: p.userId, image: p.image } : { image: p.image, topK };
}

/** Two requests a client, one after another, before a level is timed. */
export async function warmUp(base: string, route: Route, clients: number, probes: Probe[], topK = 5): Promise<void> {
  for (let i = 0; i < clients * 2; i++) await post(base, route, bodyFor(route, probes, i, topK));
}

/**
 * `clients` closed-loop clients for `seconds` after a short warm-up (unless `warm` is false: the caller did it);
 * every non-200 answer is an error. /recognize asks for `topK` results (5 unless given: the benchmarks' long-standing
 * choice; 1 takes the two-pass search).
 */
export async function load(base: string, route: Route, clients: number, probes: Probe[], seconds: number, topK = 5, warm = true): Promise<LoadResult> {
  if (warm) await warmUp(base, route, clients, probes, topK);
  return closedLoop(
    clients,
    seconds,
    async (i) => (await post(base, route, bodyFor(route, probes, i, topK)).catch(() => ({ status: 0, body: null }))).status === 200,
  );
}

/** One JSON POST with the bench's admin key. */
export async function post(base: string, route: string, body: object): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}/${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': ADMIN_KEY },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Bodies as load() sends them, serialised once. */
export function requestBodies(route: Route, probes: Probe[], topK = 5): string[] {
  return probes.map((_, i) => JSON.stringify(bodyFor(route, probes, i, topK)));
}

/**
 * Runs `job` in a load generator of its own (load-process.ts), so that the clients' work stays off the event loop
 * of the app in this process (both still share the machine's cores).
 */
export function loadElsewhere(job: LoadJob): Promise<{ load: LoadResult; health?: HealthResult }> {
  return new Promise((resolve, reject) => {
    // The parent's own loader (swc), so the child compiles TypeScript the same way.
    const child = fork(join(__dirname, 'load-process.ts'), [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    const fail = (error: Error) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    // A server that stops answering must not hang the benchmark: the level's time, its warm-up and a minute to spare.
    const timer = setTimeout(() => fail(new Error('load process: no answer in time')), (job.seconds + 60) * 1000 + job.clients * 2 * 10_000);
    child.once('message', (message: { result?: { load: LoadResult; health?: HealthResult }; error?: string }) => {
      if (!message.result) return fail(new Error(`load process: ${message.error}`));
      answered = true;
      clearTimeout(timer);
      resolve(message.result);
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`load process exited (${signal ?? `code ${code}`}) before answering`)));
    child.send(job);
  });
}
