/**
 * Synthetic face galleries for the search benchmarks: clusters around REAL identity embeddings, generated inside
 * PostgreSQL so that a million faces take a minute rather than an hour of round trips.
 *
 * Model (all vectors L2-normalised, 512-d, Gaussian noise per dimension):
 * - seed    = the product's embedding of one identity photo of ../shared/faces (~200 of them);
 * - person  = normalise(seed + N(0, PERSON_SIGMA²)); two people from the same seed have cosine ≈ 1 / (1 + 512σ²) ≈ 0.10;
 * - face    = normalise(person + N(0, FACE_SIGMA²));  two faces of one person have cosine ≈ 1 / (1 + 512σ²) ≈ 0.65;
 * - a probe = a fresh face of an existing person, made the same way but never stored in the gallery.
 * The realised means are measured (measureCosines) rather than trusted to this arithmetic.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { FaceEngine } from '@facegate/face-engine';
import { loadFaceDataset } from '../../libs/face-engine/src/eval/face-dataset';
import { FACES_DIR, facePath } from '../../test/shared-faces';

export const DIMENSIONS = 512;
export const FACES_PER_PERSON = 5;
export const PERSON_SIGMA = 0.133;
export const FACE_SIGMA = 0.0325;
/** The model id the product stores with each face (seedProductGallery). */
export const PRODUCT_MODEL_ID = 'mobilefacenet-fr_feature-87aacdfe';
/** Rows per generating statement: big enough to amortise planning, small enough to report progress. */
const CHUNK_FACES = 50_000;

export interface SeedSet {
  seeds: Float32Array[];
  identities: string[];
  /** Photos in which the engine found no face (bbt_* tight crops, mostly). */
  skipped: number;
  /** Mean cosine of the real seeds: same identity vs different identities, for comparison with the synthetic data. */
  realGenuine: number;
  realImpostor: number;
  /**
   * Spread of the real impostor cosines. Random directions in d dimensions give 1/sqrt(d): a spread of 0.1 means the
   * real embeddings use ~100 effective dimensions of 512, which the isotropic noise of the synthetic gallery does not.
   */
  realImpostorStd: number;
}

/** Embeds the primary face of every identity photo of ../shared/faces with the product's engine. */
export async function computeSeeds(): Promise<SeedSet> {
  const logger = { log: () => undefined, warn: console.warn, error: console.error };
  const engine = await FaceEngine.create({ poolSize: 2, maxQueue: 10_000 }, { logger });
  try {
    const photos = loadFaceDataset(FACES_DIR).identities;
    const results = await Promise.all(photos.map((p) => engine.analyze(readFileSync(facePath(p.file)), { embedding: true })));
    const seeds: Float32Array[] = [];
    const identities: string[] = [];
    results.forEach((r, i) => {
      const embedding = r.primaryIndex >= 0 ? r.faces[r.primaryIndex].embedding : undefined;
      if (!embedding) return;
      seeds.push(embedding);
      identities.push(photos[i].identity);
    });
    return { seeds, identities, skipped: photos.length - seeds.length, ...realCosines(seeds, identities) };
  } finally {
    await engine.close();
  }
}

export function identityPhotoCount(): number {
  return loadFaceDataset(FACES_DIR).identities.length;
}

function realCosines(seeds: Float32Array[], identities: string[]) {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < seeds.length; i++) {
    for (let j = i + 1; j < seeds.length; j++) {
      (identities[i] === identities[j] ? genuine : impostor).push(dot(seeds[i], seeds[j]));
    }
  }
  return { realGenuine: mean(genuine), realImpostor: mean(impostor), realImpostorStd: std(impostor) };
}

/** pgvector text form; 9 significant digits round-trip a float32. */
export function vectorText(v: Float32Array | number[]): string {
  return `[${Array.from(v, (x) => Number(x.toPrecision(9))).join(',')}]`;
}

/**
 * SQL for a vector of N(0, sigma²) components (Box-Muller). `outer` must name a column of the enclosing row: the
 * reference makes the subquery correlated; uncorrelated, PostgreSQL would evaluate it once (an InitPlan) and every
 * row would get the same noise.
 */
export function noiseSql(sigma: number, outer: string): string {
  return `array(select (${sigma} * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
    from generate_series(1, ${DIMENSIONS}) where (${outer}) is not null)::vector`;
}

/** Runs tasks over the given connections, one task per connection at a time (2 connections = both cores busy). */
export async function runOnClients(clients: pg.Client[], tasks: Array<(c: pg.Client) => Promise<void>>): Promise<void> {
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < tasks.length) await tasks[next++](client);
    }),
  );
}

/** Ranges [start, end) of `total` split into chunks. */
export function chunks(total: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = 0; start < total; start += size) out.push([start, Math.min(total, start + size)]);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Benchmark schema: bench_seeds, bench_people, vec_<n>, queries_<n>

/** Stores the seeds with their identity labels (--keep reuses them, so later runs skip the face engine). */
export async function storeSeeds(client: pg.Client, set: SeedSet): Promise<void> {
  await client.query('CREATE TABLE IF NOT EXISTS bench_seeds (seed int PRIMARY KEY, identity text NOT NULL, embedding vector(512) NOT NULL)');
  await client.query('TRUNCATE bench_seeds');
  for (const [start, end] of chunks(set.seeds.length, 100)) {
    const rows = set.seeds.slice(start, end).map((_, i) => `(${start + i}, $${2 * i + 1}, $${2 * i + 2}::vector)`);
    const values = set.seeds.slice(start, end).flatMap((v, i) => [set.identities[start + i], vectorText(v)]);
    await client.query(`INSERT INTO bench_seeds VALUES ${rows.join(',')}`, values);
  }
}

/** The seeds of an earlier --keep run, or null. */
export async function loadStoredSeeds(client: pg.Client, photos: number): Promise<SeedSet | null> {
  const exists = await client.query("SELECT to_regclass('bench_seeds') IS NOT NULL AS ok");
  if (!exists.rows[0].ok) return null;
  const { rows } = await client.query<{ identity: string; v: string }>('SELECT identity, embedding::text AS v FROM bench_seeds ORDER BY seed');
  if (rows.length === 0) return null;
  const seeds = rows.map((r) => Float32Array.from(JSON.parse(r.v) as number[]));
  const identities = rows.map((r) => r.identity);
  return { seeds, identities, skipped: photos - seeds.length, ...realCosines(seeds, identities) };
}

/** Person p derives from seed p mod seeds. Adds only the people missing, so a larger run extends a smaller one. */
export async function ensurePeople(clients: pg.Client[], people: number): Promise<void> {
  const [client] = clients;
  await client.query('CREATE TABLE IF NOT EXISTS bench_people (person int PRIMARY KEY, centre vector(512) NOT NULL)');
  await client.query('ALTER TABLE bench_people ALTER COLUMN centre SET STORAGE PLAIN');
  const { rows } = await client.query<{ n: number }>('SELECT coalesce(max(person) + 1, 0)::int AS n FROM bench_people');
  const have = rows[0].n;
  if (have >= people) return;
  const seeds = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_seeds')).rows[0].n;
  const tasks = chunks(people - have, CHUNK_FACES).map(([a, b]) => async (c: pg.Client) => {
    await c.query('SELECT setseed($1)', [seedFor('people', have + a)]);
    await c.query(`INSERT INTO bench_people
      SELECT p, l2_normalize(s.embedding + ${noiseSql(PERSON_SIGMA, 'p')})
      FROM generate_series(${have + a}, ${have + b - 1}) p JOIN bench_seeds s ON s.seed = p % ${seeds}`);
  });
  await runOnClients(clients, tasks);
}

/**
 * vec_<n>: n faces, FACES_PER_PERSON per person, person-major. Embeddings stored inline, as the product does.
 * `unlogged`: no WAL, so the table is neither written twice nor streamed to the machine's standby (25 GB at 10M).
 */
export async function createFaceTable(
  clients: pg.Client[],
  table: string,
  faces: number,
  progress: (done: number) => void,
  unlogged = false,
  facesPerPerson = FACES_PER_PERSON,
) {
  const [client] = clients;
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.query(`CREATE ${unlogged ? 'UNLOGGED ' : ''}TABLE ${table} (id bigserial, person int NOT NULL, embedding vector(512) NOT NULL)`);
  await client.query(`ALTER TABLE ${table} ALTER COLUMN embedding SET STORAGE PLAIN`);
  let done = 0;
  const tasks = chunks(faces, CHUNK_FACES).map(([a, b]) => async (c: pg.Client) => {
    await c.query('SELECT setseed($1)', [seedFor(table, a)]);
    await c.query(`INSERT INTO ${table} (person, embedding)
      SELECT p.person, l2_normalize(p.centre + ${noiseSql(FACE_SIGMA, 'f')})
      FROM generate_series(${a}, ${b - 1}) f JOIN bench_people p ON p.person = f / ${facesPerPerson}`);
    done += b - a;
    progress(done);
  });
  await runOnClients(clients, tasks);
  await client.query(`VACUUM ANALYZE ${table}`);
}

/** Probes: fresh faces of `count` randomly chosen people of the gallery (not stored in it). */
export async function createQueryTable(client: pg.Client, table: string, faces: number, count: number, facesPerPerson = FACES_PER_PERSON): Promise<void> {
  const people = Math.ceil(faces / facesPerPerson);
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.query(`CREATE TABLE ${table} (qid int PRIMARY KEY, person int NOT NULL, embedding vector(512) NOT NULL)`);
  await client.query('SELECT setseed($1)', [seedFor(table, 0)]);
  await client.query(`INSERT INTO ${table}
    SELECT q.qid, p.person, l2_normalize(p.centre + ${noiseSql(FACE_SIGMA, 'q.qid')})
    FROM (SELECT qid, floor(random() * ${people})::int AS person FROM generate_series(0, ${count - 1}) qid) q
    JOIN bench_people p ON p.person = q.person`);
}

export async function rowCount(client: pg.Client, table: string): Promise<number> {
  const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS ok', [table]);
  if (!exists.rows[0].ok) return -1;
  return (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
}

export interface CosineStats {
  /** Two faces of one person. */
  genuine: number;
  /** A probe and each stored face of its person. */
  probeGenuine: number;
  /** Faces of two different people derived from the same seed (the hardest impostors by construction). */
  sameSeedImpostor: number;
  /** Faces of two people from different seeds (a pseudo-random partner person for each person of the sample). */
  impostor: number;
  /** Standard deviation of `impostor`: compare with SeedSet.realImpostorStd. */
  impostorStd: number;
  pairs: { genuine: number; sameSeed: number; impostor: number };
}

/** Realised cosine means on a sample (the first 1,000 people of the table; every probe for probeGenuine). */
export async function measureCosines(client: pg.Client, table: string, queries: string, seeds: number): Promise<CosineStats> {
  const { rows } = await client.query(`
    WITH s AS MATERIALIZED (SELECT id, person, embedding FROM ${table} WHERE person < 1000),
    pairs AS (
      SELECT CASE WHEN a.person = b.person THEN 'genuine'
                  WHEN a.person % ${seeds} = b.person % ${seeds} THEN 'sameSeed' ELSE 'impostor' END AS kind,
             1 - (a.embedding <=> b.embedding) AS cos
      FROM s a JOIN s b ON a.id < b.id
       AND (a.person = b.person OR a.person % ${seeds} = b.person % ${seeds} OR b.person = (a.person * 7919 + 13) % 1000))
    SELECT kind, avg(cos)::float8 AS mean, stddev_pop(cos)::float8 AS std, count(*)::int AS n FROM pairs GROUP BY kind`);
  const probe = await client.query(`
    SELECT avg(1 - (q.embedding <=> f.embedding))::float8 AS mean
    FROM ${queries} q JOIN ${table} f ON f.person = q.person`);
  const by = (k: string) => rows.find((r) => r.kind === k) ?? { mean: NaN, std: NaN, n: 0 };
  return {
    genuine: by('genuine').mean,
    probeGenuine: probe.rows[0].mean ?? NaN,
    sameSeedImpostor: by('sameSeed').mean,
    impostor: by('impostor').mean,
    impostorStd: by('impostor').std,
    pairs: { genuine: by('genuine').n, sameSeed: by('sameSeed').n, impostor: by('impostor').n },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Product schema (prisma/migrations): for the API benchmark at 100k and 1M enrolled faces

/**
 * Enrols `faces` synthetic faces (FACES_PER_PERSON per user) into an existing collection of the product schema:
 * a users row per person, faces rows as the enrolment path writes them. Generated in SQL like the benchmark tables;
 * users get no external_id (so repeated calls never collide on users_collection_id_external_id_key). Build the
 * IVFFlat index afterwards (FaceVectorRepository.ensureIndex): this function leaves indexing to the product.
 */
export async function seedProductGallery(client: pg.Client, collectionId: string, faces: number, seeds: Float32Array[]): Promise<void> {
  if (seeds.length === 0) throw new Error('seedProductGallery needs at least one seed embedding');
  await client.query('CREATE TEMP TABLE bench_product_seeds (seed int PRIMARY KEY, embedding vector(512) NOT NULL)');
  try {
    for (const [start, end] of chunks(seeds.length, 100)) {
      const rows = seeds.slice(start, end).map((_, i) => `(${start + i}, $${i + 1}::vector)`);
      await client.query(`INSERT INTO bench_product_seeds VALUES ${rows.join(',')}`, seeds.slice(start, end).map(vectorText));
    }
    const people = Math.ceil(faces / FACES_PER_PERSON);
    for (const [a, b] of chunks(people, CHUNK_FACES / FACES_PER_PERSON)) {
      await insertProductPeople(client, collectionId, a, b, faces, seeds.length);
    }
  } finally {
    await client.query('DROP TABLE IF EXISTS bench_product_seeds');
  }
}

/** People [a, b): users and their faces in one statement (the faces' foreign key is checked at its end). */
async function insertProductPeople(client: pg.Client, collectionId: string, a: number, b: number, faces: number, seeds: number) {
  await client.query(
    `
    WITH people AS MATERIALIZED (
      SELECT p, gen_random_uuid() AS user_id, l2_normalize(s.embedding + ${noiseSql(PERSON_SIGMA, 'p')}) AS centre
      FROM generate_series(${a}, ${b - 1}) p JOIN bench_product_seeds s ON s.seed = p % ${seeds}
    ), users_added AS (
      INSERT INTO users (id, collection_id, name, updated_at)
      SELECT user_id, $1::uuid, 'synthetic-' || p, now() FROM people
    )
    INSERT INTO faces (user_id, collection_id, embedding, model_id, box, score, quality)
    SELECT people.user_id, $1::uuid, l2_normalize(people.centre + ${noiseSql(FACE_SIGMA, 'people.p + k')}), $2,
           '{"x":0,"y":0,"width":100,"height":100}'::jsonb, 0.99, '{}'::jsonb
    FROM people CROSS JOIN generate_series(0, ${FACES_PER_PERSON - 1}) k
    WHERE people.p * ${FACES_PER_PERSON} + k < ${faces}`,
    [collectionId, PRODUCT_MODEL_ID],
  );
}

// ---------------------------------------------------------------------------------------------------------------

/** setseed() takes [-1, 1]: a stable value per table and chunk, so a rerun regenerates the same vectors. */
function seedFor(name: string, offset: number): number {
  let h = 0;
  for (const ch of `${name}:${offset}`) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return (h / 2 ** 32) * 2 - 1;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

function std(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}

/** The seeds stored in the benchmark's database (with --keep), or computed from the identity photos and stored. */
export async function seedSet(client: pg.Client, keep: boolean, log: (message: string) => void): Promise<SeedSet> {
  const stored = keep ? await loadStoredSeeds(client, identityPhotoCount()) : null;
  if (stored) return stored;
  log('embedding the identity photos');
  const seeds = await computeSeeds();
  await storeSeeds(client, seeds);
  return seeds;
}
