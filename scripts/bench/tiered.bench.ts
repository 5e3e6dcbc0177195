/**
 * Tiered vector search at 1M, 5M and 10M faces (issue 19): a compact first pass that returns a pool of candidates,
 * re-ranked at full precision in the same statement. First passes measured side by side:
 * - `halfvec`: the product's IVFFlat over `embedding::halfvec(512)` (16-bit floats, 1 KB a face);
 * - `binary`:  IVFFlat over `binary_quantize(embedding)::bit(512)` with Hamming distance (one bit a dimension,
 *   64 bytes a face), the candidates then ordered by the exact cosine distance of the stored vectors;
 * - `binary-hnsw`: HNSW over the same binary codes;
 * - `halfvec-128`, `halfvec-256` (only with --passes): IVFFlat over the first 128 or 256 coordinates as halfvec.
 * - `centroid` (only with --passes and --rerank people): IVFFlat over one vector a person (the normalised mean of
 *   their faces, as halfvec, in a table of its own), so the first pass returns `pool` people, not faces.
 * Per size: generation time, table and index size on disk, build time, p50/p95 per setting, recall@1 and recall@10
 * against an exact scan on a sample of the probes (the exact scan at 10M takes seconds a probe), and person@1 on
 * every probe. Writes the "tiered" section of BENCHMARKS.md and docs/bench/tiered-results.json; a run with
 * --server, --prewarm, --rerank people or other --passes writes "tiered-tuned" and docs/bench/tiered-tuned-results.json,
 * one with a centroid pass "tiered-centroid"; --build-memory-mb other than the default adds "-<n>mb" to the name.
 *
 *   npx tsx scripts/bench/tiered.bench.ts [--quick] [--sizes 1000000,5000000,10000000] [--queries 100] [--truth 40]
 *                                         [--keep] [--halfvec-max 1000000] [--hnsw-max 1000000]
 *                                         [--passes binary,binary-hnsw,halfvec,halfvec-128,halfvec-256,centroid]
 *                                         [--server postgres://postgres@127.0.0.1:5440] [--prewarm] [--rerank pool|people]
 *                                         [--build-memory-mb 1024]
 *
 * --keep: keep the database facegate_bench_tiered and reuse its tables of the right size (the 10M table takes a
 * quarter of an hour to generate); index builds are always redone. --halfvec-max: skip the halfvec IVFFlat above
 * this many faces (its k-means assignment is 512-d float work per row and list: the 10M build runs for hours on two
 * cores). --hnsw-max: the same for HNSW over the binary codes (5 minutes to build at 1M). --quick (CI): 20,000 faces in facegate_bench_tiered_quick, BENCHMARKS.md untouched.
 * --server: another PostgreSQL than the machine's (e.g. a cluster with shared_buffers above the index, as the sizing
 * guide advises; the benchmark never changes a server's settings). --prewarm: pg_prewarm each index before timing it,
 * and the table where it fits in what shared_buffers has left. --rerank people: rank every face of the first pass's people (the product's statement).
 * --build-memory-mb: the lists' memory ceiling (the product's FACEGATE_INDEX_BUILD_MEMORY_MB and its default), at most
 * the build session's maintenance_work_mem (BUILD_SESSION_MEMORY_MB).
 * --render <section>: rewrite that section (tiered, tiered-tuned, tiered-centroid, ... -<n>mb) from its results JSON
 * without measuring.
 *
 * Gallery: synthetic-gallery.ts (the search benchmark's clusters around real embeddings, 5 faces a person).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DATABASE_OPTION_RANGES, DEFAULT_BUILD_MEMORY_MB, ivfflatSearchSettings, listsForRows, probesForLists } from '@facegate/database';
import { machineLine, ms, percentile, writeSection } from './bench-report';
import {
  Answer,
  BUILD_SESSION_MEMORY_MB,
  connect,
  dropDatabase,
  dropIndexes,
  prepareBuildSession,
  prepareDatabase,
  runProbes,
  serverVersions,
  useServer,
  WARM_UP,
} from './bench-database';
import { FACES_PER_PERSON, createFaceTable, createQueryTable, ensurePeople, rowCount, seedSet } from './synthetic-gallery';

const ROOT = join(__dirname, '..', '..');
const K = 10;
const BUILD_TIMEOUT = '60min';
/** Issue 19's targets: p50 at recall@1 >= 0.99. */
const TARGETS: Record<number, number> = { 1_000_000: 8, 10_000_000: 15 };
const TARGET_RECALL = 0.99;
const started = performance.now();

interface Args {
  quick: boolean;
  keep: boolean;
  sizes: number[];
  queries: number;
  truth: number;
  halfvecMax: number;
  hnswMax: number;
  passes: Pass[];
  /** The lists' memory ceiling, as FACEGATE_INDEX_BUILD_MEMORY_MB sets it for the product (listsForRows). */
  buildMemoryMb: number;
  server: string | null;
  /** Read each index (and the table, where it fits) into shared_buffers before timing, as steady traffic would. */
  prewarm: boolean;
  /**
   * `pool`: the first pass's candidates re-ranked exactly; `people`: every face of the candidates' people re-ranked
   * (through an index on person), the product's statement since the people re-rank, whose first pass only has to
   * reach one face of the right person.
   */
  rerank: Rerank;
  /** Rewrite this section of BENCHMARKS.md from its results JSON instead of measuring. */
  render: string | null;
}

type Rerank = 'pool' | 'people';
const DEFAULT_SIZES = [1_000_000, 5_000_000, 10_000_000];
/** The passes of the default run (and CI's quick one); the sub-vector passes are asked for with --passes. */
const DEFAULT_PASSES: Pass[] = ['binary', 'binary-hnsw', 'halfvec'];

interface ServerInfo {
  postgres: string;
  pgvector: string;
  sharedBuffers: string;
}

type Pass = 'binary' | 'binary-hnsw' | 'halfvec' | 'halfvec-128' | 'halfvec-256' | 'centroid';
type FirstPass = 'exact' | Pass;

interface Row {
  size: number;
  firstPass: FirstPass;
  /** The search-time setting: IVFFlat probes or HNSW ef_search. */
  setting: string | null;
  pool: number | null;
  p50: number;
  p95: number;
  recall1: number;
  recall10: number;
  person1: number;
  load: number;
}

interface Build {
  firstPass: Pass;
  index: string;
  buildS: number | null;
  indexMb: number | null;
  note?: string;
}

interface SizeReport {
  size: number;
  generatedS: number | null;
  tableMb: number;
  builds: Build[];
  rows: Row[];
  truthProbes: number;
  /** The exact scan's answers and times were kept (--keep) from an earlier run on the same table and probes. */
  exactReused?: boolean;
}

interface Probe {
  person: number;
  text: string;
}

function parseArgs(argv: string[]): Args {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const sizes = value('--sizes')?.split(',').map(Number) ?? (quick ? [20_000] : DEFAULT_SIZES);
  if (sizes.some((n) => !Number.isInteger(n) || n < 10_000)) throw new Error('--sizes takes integers of at least 10000');
  const queries = Number(value('--queries') ?? (quick ? 20 : 100));
  const truth = Math.min(queries, Number(value('--truth') ?? (quick ? 20 : 40)));
  const halfvecMax = Number(value('--halfvec-max') ?? 1_000_000);
  const hnswMax = Number(value('--hnsw-max') ?? 1_000_000);
  const passes = (value('--passes')?.split(',') ?? DEFAULT_PASSES) as Pass[];
  const unknown = passes.filter((p) => !Object.hasOwn(PASSES, p));
  if (unknown.length > 0) throw new Error(`--passes: unknown ${unknown.join(', ')} (known: ${Object.keys(PASSES).join(', ')})`);
  if (passes.includes('centroid') && value('--rerank') !== 'people') throw new Error('--passes centroid goes with --rerank people (its pool is people)');
  const buildMemoryMb = Number(value('--build-memory-mb') ?? DEFAULT_BUILD_MEMORY_MB);
  // Lists that need more than the build session's maintenance_work_mem would not build.
  const [minMemory] = DATABASE_OPTION_RANGES.indexBuildMemoryMb;
  if (!Number.isInteger(buildMemoryMb) || buildMemoryMb < minMemory || buildMemoryMb > BUILD_SESSION_MEMORY_MB)
    throw new Error(`--build-memory-mb takes ${minMemory} to ${BUILD_SESSION_MEMORY_MB}`);
  return {
    quick,
    keep: argv.includes('--keep'),
    sizes,
    queries,
    truth,
    halfvecMax,
    hnswMax,
    passes,
    buildMemoryMb,
    server: value('--server') ?? null,
    prewarm: argv.includes('--prewarm'),
    rerank: parseRerank(value('--rerank')),
    render: value('--render') ?? null,
  };
}

function parseRerank(value: string | undefined): Rerank {
  if (value === undefined || value === 'pool' || value === 'people') return value ?? 'pool';
  throw new Error('--rerank takes pool or people');
}

function log(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${message}`);
}

async function relationMb(client: pg.Client, name: string, size: 'pg_total_relation_size' | 'pg_relation_size' = 'pg_total_relation_size'): Promise<number> {
  const { rows } = await client.query<{ b: string }>(`SELECT ${size}($1::regclass)::text AS b`, [name]);
  return Number(rows[0].b) / 2 ** 20;
}

// ---------------------------------------------------------------------------------------------------------------
// Statements: the product's shape (nearest rows in a subquery, re-sorted outside by the exact distance)

function exactSql(table: string): string {
  return `SELECT id, person FROM (
    SELECT id::int4 AS id, person, embedding <=> $1::vector AS distance FROM ${table} ORDER BY distance LIMIT ${K}
  ) nearest ORDER BY distance`;
}

const BINARY_ORDER = 'binary_quantize(embedding)::bit(512) <~> binary_quantize($1::vector)::bit(512)';
const HNSW = { m: 16, efConstruction: 64 };

interface PassSpec {
  /** The ORDER BY of the first pass: the indexed expression against the probe. */
  order: string;
  /** The first pass: the people of the `pool` nearest rows (by default the faces of the table, in `order`). */
  candidates?: (table: string, pool: number) => string;
  /** Rows the index is built over, for its lists (by default the faces). */
  indexedRows?: (faces: number) => number;
  /** Its index (by default `<table>_<pass>`). */
  index?: (table: string) => string;
  /** Tables it creates besides its index: dropped before its build and after its searches. */
  tables?: (table: string) => string[];
  ddl: (table: string, lists: number) => string;
  describe: (lists: number) => string;
  settings: (lists: number, args: Args) => Array<{ label: string; values: Record<string, string>; pool: number }>;
  maxSize: (args: Args) => number;
}

/**
 * Probes: the product's default (sqrt(lists)), then 2x and 4x it; with the people re-rank, first the product's first
 * pass (probesForLists 'first': a third of sqrt(lists)) and half of sqrt(lists), since a person's other faces make up
 * for lists not probed.
 */
function probeSteps(lists: number, args: Args): number[] {
  const root = probesForLists(lists);
  const steps = args.rerank === 'people' ? [probesForLists(lists, undefined, 'first'), Math.ceil(root / 2), root, 2 * root] : [root, 2 * root, 4 * root];
  return [...new Set(steps.map((p) => Math.min(lists, p)))];
}

const ivfflatSetting = (lists: number, probes: number, pool: number) => ({
  label: `probes ${probes}`,
  values: { ...ivfflatSearchSettings(probes, lists), enable_seqscan: 'off' },
  pool,
});

/**
 * IVFFlat over the first `dims` coordinates as 16-bit floats (pgvector's subvector): a list scan reads 2 x dims bytes
 * a face instead of 1 KB, and cosine on a subset of coordinates ranks the nearest faces roughly as the whole vector
 * does, so a wider pool is re-ranked exactly.
 */
function subvectorPass(dims: number): PassSpec {
  const expression = `(subvector(embedding, 1, ${dims})::halfvec(${dims}))`;
  return {
    order: `${expression} <=> (subvector($1::vector, 1, ${dims})::halfvec(${dims}))`,
    ddl: (t, lists) => `CREATE INDEX ${t}_halfvec_${dims} ON ${t} USING ivfflat (${expression} halfvec_cosine_ops) WITH (lists = ${lists})`,
    describe: (lists) => `IVFFlat lists ${lists}`,
    settings: (lists, args) => probeSteps(lists, args).flatMap((p) => (args.quick ? [100] : [40, 100, 200]).map((pool) => ivfflatSetting(lists, p, pool))),
    maxSize: () => Infinity,
  };
}

const CENTROID_ORDER = 'centroid <=> $1::halfvec(512)';

const PASSES: Record<Pass, PassSpec> = {
  binary: {
    order: BINARY_ORDER,
    ddl: (t, lists) => `CREATE INDEX ${t}_binary ON ${t} USING ivfflat ((binary_quantize(embedding)::bit(512)) bit_hamming_ops) WITH (lists = ${lists})`,
    describe: (lists) => `IVFFlat lists ${lists}`,
    settings: (lists, args) => probeSteps(lists, args).flatMap((p) => (args.quick ? [200] : [100, 200, 400]).map((pool) => ivfflatSetting(lists, p, pool))),
    maxSize: () => Infinity,
  },
  'binary-hnsw': {
    order: BINARY_ORDER,
    ddl: (t) =>
      `CREATE INDEX ${t}_binary_hnsw ON ${t} USING hnsw ((binary_quantize(embedding)::bit(512)) bit_hamming_ops) WITH (m = ${HNSW.m}, ef_construction = ${HNSW.efConstruction})`,
    describe: () => `HNSW m ${HNSW.m}, ef_construction ${HNSW.efConstruction}`,
    // HNSW returns at most ef_search rows: the pool is ef_search.
    settings: (_, args) =>
      (args.quick ? [100] : [100, 200, 400]).map((ef) => ({
        label: `ef_search ${ef}`,
        values: { 'hnsw.ef_search': String(ef), enable_seqscan: 'off' },
        pool: ef,
      })),
    maxSize: (args) => args.hnswMax,
  },
  halfvec: {
    order: 'embedding::halfvec(512) <=> $1::halfvec(512)',
    ddl: (t, lists) => `CREATE INDEX ${t}_halfvec ON ${t} USING ivfflat ((embedding::halfvec(512)) halfvec_cosine_ops) WITH (lists = ${lists})`,
    describe: (lists) => `IVFFlat lists ${lists}`,
    // The product's own pool for topK 5 (candidatePool: 40).
    settings: (lists, args) => probeSteps(lists, args).map((p) => ivfflatSetting(lists, p, 40)),
    maxSize: (args) => args.halfvecMax,
  },
  'halfvec-128': subvectorPass(128),
  'halfvec-256': subvectorPass(256),
  centroid: {
    order: CENTROID_ORDER,
    candidates: (t, pool) => `SELECT person FROM ${t}_centroids ORDER BY ${CENTROID_ORDER} LIMIT ${pool}`,
    indexedRows: (faces) => Math.ceil(faces / FACES_PER_PERSON),
    index: (t) => `${t}_centroid`,
    tables: (t) => [`${t}_centroids`],
    // The table's build is part of the pass's: it is what a product would keep up to date on every enrolment.
    ddl: (t, lists) =>
      `CREATE TABLE ${t}_centroids AS SELECT person, l2_normalize(avg(embedding))::halfvec(512) AS centroid FROM ${t} GROUP BY person;
       CREATE INDEX ${t}_centroid ON ${t}_centroids USING ivfflat (centroid halfvec_cosine_ops) WITH (lists = ${lists})`,
    describe: (lists) => `table and IVFFlat lists ${lists}`,
    settings: (lists, args) => probeSteps(lists, args).flatMap((p) => (args.quick ? [20] : [10, 20, 40]).map((pool) => ivfflatSetting(lists, p, pool))),
    maxSize: () => Infinity,
  },
};

const passTables = (table: string, pass: Pass) => PASSES[pass].tables?.(table) ?? [];
/** What a pass adds, measured as its size and read into shared_buffers before timing: its index and tables. */
const passRelations = (table: string, pass: Pass) => [PASSES[pass].index?.(table) ?? `${table}_${pass.replace('-', '_')}`, ...passTables(table, pass)];

/**
 * The first pass walks the index in its own order for `pool` candidates; the outer query ranks them exactly, or
 * (`people`) ranks every face of their people exactly, the best face of each.
 */
function tieredSql(table: string, pass: Pass, pool: number, rerank: Rerank): string {
  if (rerank === 'people')
    return `SELECT id, person FROM (
    SELECT DISTINCT ON (f.person) f.id::int4 AS id, f.person, f.embedding <=> $1::vector AS distance
    FROM ${table} f
    WHERE f.person IN (${PASSES[pass].candidates?.(table, pool) ?? `SELECT person FROM ${table} ORDER BY ${PASSES[pass].order} LIMIT ${pool}`})
    ORDER BY f.person, distance
  ) best ORDER BY distance LIMIT ${K}`;
  return `SELECT id, person FROM (
    SELECT id::int4 AS id, person, embedding <=> $1::vector AS distance FROM (
      SELECT id, person, embedding FROM ${table} ORDER BY ${PASSES[pass].order} LIMIT ${pool}
    ) first_pass ORDER BY distance LIMIT ${K}
  ) nearest ORDER BY distance`;
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring

/** recall against the exact answers of the first `truth.length` probes; person@1 over every probe. */
function score(answers: Answer[], truth: Answer[], probes: Probe[]) {
  let top1 = 0,
    top10 = 0,
    person = 0;
  truth.forEach((t, q) => {
    if (answers[q].ids[0] === t.ids[0]) top1++;
    const expected = new Set(t.ids);
    top10 += answers[q].ids.filter((id) => expected.has(id)).length / t.ids.length;
  });
  answers.forEach((a, q) => {
    if (a.persons[0] === probes[q].person) person++;
  });
  return { recall1: top1 / truth.length, recall10: top10 / truth.length, person1: person / answers.length };
}

/**
 * The indexes first, then the table if it fits in what shared_buffers has left (at 10M faces it is 25 GB: reading it
 * would only evict the indexes).
 */
async function prewarm(client: pg.Client, indexes: string[], table: string): Promise<void> {
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
  const blocks = async (relation: string) => (await client.query<{ n: string }>('SELECT pg_relation_size($1::regclass) / 8192 AS n', [relation])).rows[0].n;
  const { rows } = await client.query<{ n: string }>("SELECT setting AS n FROM pg_settings WHERE name = 'shared_buffers'");
  let left = Number(rows[0].n);
  for (const relation of [...indexes, table]) {
    const size = Number(await blocks(relation));
    if (relation === table && size > left) {
      log(`  ${table} not prewarmed: ${size} blocks, ${left} left in shared_buffers`);
      continue;
    }
    const { rows: done } = await client.query<{ blocks: number }>('SELECT pg_prewarm($1::regclass) AS blocks', [relation]);
    left -= size;
    log(`  prewarmed ${relation}: ${done[0].blocks} blocks`);
  }
}

/**
 * The exact scan of the truth probes; with --keep its answers and times are kept in `exact_<table>` and reused while
 * the table and the probes are (at 10M faces the scan takes over ten minutes).
 */
async function exactRun(client: pg.Client, args: Args, table: string, probes: Probe[], reusable: boolean) {
  const kept = `exact_${table}`;
  // Answers for another table or other probes must not survive a run stopped during the scan.
  if (!reusable) await client.query(`DROP TABLE IF EXISTS ${kept}`);
  if (reusable && (await rowCount(client, kept)) === probes.length) {
    const { rows } = await client.query<{ ids: number[]; persons: number[]; ms: number }>(`SELECT ids, persons, ms FROM ${kept} ORDER BY qid`);
    return { run: { latencies: rows.map((r) => r.ms), answers: rows.map((r) => ({ ids: r.ids, persons: r.persons })) }, reused: true };
  }
  const run = await runProbes(client, exactSql(table), { enable_indexscan: 'off' }, probes);
  if (args.keep) {
    await client.query(`DROP TABLE IF EXISTS ${kept}`);
    await client.query(`CREATE TABLE ${kept} (qid int PRIMARY KEY, ids int[] NOT NULL, persons int[] NOT NULL, ms float8 NOT NULL)`);
    for (const [qid, answer] of run.answers.entries())
      await client.query(`INSERT INTO ${kept} VALUES ($1, $2, $3, $4)`, [qid, answer.ids, answer.persons, run.latencies[qid]]);
  }
  return { run, reused: false };
}

async function dropPassTables(client: pg.Client, table: string, pass: Pass): Promise<void> {
  for (const name of passTables(table, pass)) await client.query(`DROP TABLE IF EXISTS ${name}`);
}

async function buildIndex(client: pg.Client, table: string, pass: Pass, lists: number): Promise<Build> {
  const index = PASSES[pass].describe(lists);
  // A run stopped during a pass leaves its tables behind.
  await dropPassTables(client, table, pass);
  await client.query(`SET statement_timeout = '${BUILD_TIMEOUT}'`);
  const t = performance.now();
  try {
    await client.query(PASSES[pass].ddl(table, lists));
  } catch (error) {
    if ((error as { code?: string }).code === '57014') return { firstPass: pass, index, buildS: null, indexMb: null, note: `not built in ${BUILD_TIMEOUT}` };
    throw error;
  } finally {
    await client.query('SET statement_timeout = 0');
  }
  const buildS = (performance.now() - t) / 1000;
  let indexMb = 0;
  // pg_relation_size: a table's total size would count its index a second time.
  for (const relation of passRelations(table, pass)) indexMb += await relationMb(client, relation, 'pg_relation_size');
  return { firstPass: pass, index, buildS, indexMb };
}

async function benchSize(clients: pg.Client[], args: Args, size: number): Promise<SizeReport> {
  const [client] = clients;
  const table = `vec_${size}`;
  const queries = `queries_${size}`;
  let generatedS: number | null = null;
  if (args.keep && (await rowCount(client, table)) === size) {
    log(`${table}: reusing ${size} faces`);
    await dropIndexes(client, table);
  } else {
    log(`${table}: generating ${size} faces`);
    const t = performance.now();
    // Unlogged: the machine's streaming standby would otherwise receive every byte (it doubled the disk used).
    await createFaceTable(clients, table, size, (done) => done % 1_000_000 === 0 && done < size && log(`  ${done} faces`), true);
    generatedS = (performance.now() - t) / 1000;
  }
  const queriesKept = args.keep && (await rowCount(client, queries)) === args.queries;
  if (!queriesKept) await createQueryTable(client, queries, size, args.queries);
  const tableMb = await relationMb(client, table);
  const { rows: probeRows } = await client.query<{ person: number; v: string }>(`SELECT person, embedding::text AS v FROM ${queries} ORDER BY qid`);
  const probes = probeRows.map((r) => ({ person: r.person, text: r.v }));

  const rows: Row[] = [];
  const add = (row: Omit<Row, 'load'>) => {
    rows.push({ ...row, load: loadavg()[0] });
    log(
      `${size} ${row.firstPass} ${row.setting ?? '-'} pool ${row.pool ?? '-'}: p50 ${ms(row.p50)} ms, p95 ${ms(row.p95)} ms, recall@1 ${row.recall1.toFixed(3)}, person@1 ${row.person1.toFixed(3)}`,
    );
  };

  // Ground truth on a sample: the exact scan (parallel sequential scan) of the first `truth` probes.
  log(`${size}: exact scan of ${args.truth} probes`);
  const truthProbes = probes.slice(0, args.truth);
  const { run: exact, reused: exactReused } = await exactRun(client, args, table, truthProbes, generatedS === null && queriesKept);
  add({
    size,
    firstPass: 'exact',
    setting: null,
    pool: null,
    p50: percentile(exact.latencies, 50),
    p95: percentile(exact.latencies, 95),
    ...score(exact.answers, exact.answers, truthProbes),
  });

  const builds: Build[] = [];
  for (const pass of args.passes) {
    const lists = listsForRows(PASSES[pass].indexedRows?.(size) ?? size, args.buildMemoryMb);
    if (size > PASSES[pass].maxSize(args)) {
      log(`${size}: ${pass} skipped (above its --${pass === 'halfvec' ? 'halfvec' : 'hnsw'}-max)`);
      continue;
    }
    log(`${size} ${pass}: building ${PASSES[pass].describe(lists)}`);
    const build = await buildIndex(client, table, pass, lists);
    builds.push(build);
    log(`${size} ${pass}: ${build.buildS === null ? build.note : `built in ${build.buildS.toFixed(0)} s, ${build.indexMb?.toFixed(0)} MB`}`);
    if (build.buildS !== null) {
      if (args.rerank === 'people') await client.query(`CREATE INDEX ${table}_person ON ${table} (person)`);
      if (args.prewarm) await prewarm(client, [...passRelations(table, pass), ...(args.rerank === 'people' ? [`${table}_person`] : [])], table);
      for (const setting of PASSES[pass].settings(lists, args)) {
        const run = await runProbes(client, tieredSql(table, pass, setting.pool, args.rerank), setting.values, probes);
        add({
          size,
          firstPass: pass,
          setting: setting.label,
          pool: setting.pool,
          p50: percentile(run.latencies, 50),
          p95: percentile(run.latencies, 95),
          ...score(run.answers, exact.answers, probes),
        });
      }
    }
    await dropIndexes(client, table);
    await dropPassTables(client, table, pass);
  }
  return { size, generatedS, tableMb, builds, rows, truthProbes: truthProbes.length, exactReused };
}

// ---------------------------------------------------------------------------------------------------------------
// Report

const num = (v: number | null, digits = 1) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits));

function fastestAccurate(report: SizeReport): Row | undefined {
  return report.rows.filter((r) => r.firstPass !== 'exact' && r.recall1 >= TARGET_RECALL).sort((a, b) => a.p50 - b.p50)[0];
}

/**
 * recall@10 is shown only where answers are faces: with the people re-rank they are one face a person, against a
 * truth of the ten nearest faces (two people's), so the share would measure the statement's shape, not the index.
 */
function sizeTable(report: SizeReport, rerank: Rerank): string {
  const lines = [
    `**${report.size.toLocaleString('en-US')} faces** (${(report.size / FACES_PER_PERSON).toLocaleString('en-US')} people): table ${num(report.tableMb / 1024, 1)} GB` +
      (report.generatedS === null ? ' (reused)' : `, generated in ${num(report.generatedS, 0)} s`) +
      '; ' +
      report.builds
        .map((b) => `${b.firstPass} ${b.index} ${b.buildS === null ? b.note : `built in ${num(b.buildS, 0)} s, ${num(b.indexMb, 0)} MB`}`)
        .join('; '),
    '',
    '| first pass | setting | pool | p50 ms | p95 ms | recall@1 | recall@10 | person@1 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of report.rows) {
    const what = r.firstPass === 'exact' ? `exact (${report.truthProbes} probes${report.exactReused ? ', kept from an earlier run' : ''})` : r.firstPass;
    lines.push(
      `| ${what} | ${r.setting ?? '-'} | ${r.pool ?? '-'} | ${ms(r.p50)} | ${ms(r.p95)} | ${num(r.recall1, 3)} | ${r.firstPass === 'exact' || rerank === 'pool' ? num(r.recall10, 3) : '-'} | ${num(r.person1, 3)} |`,
    );
  }
  const best = fastestAccurate(report);
  const target = TARGETS[report.size];
  lines.push('');
  lines.push(
    best
      ? `Fastest with recall@1 ≥ ${TARGET_RECALL}: ${best.firstPass}, ${best.setting}, pool ${best.pool}: p50 ${ms(best.p50)} ms` +
          (target === undefined ? '.' : ` (target ${target} ms: ${best.p50 <= target ? 'met' : 'not met'}).`)
      : `No setting reached recall@1 ${TARGET_RECALL}.`,
  );
  const loads = report.rows.map((r) => r.load);
  lines.push(`1-minute load average as the rows finished: ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)} (2 cores).`);
  return lines.join('\n');
}

const PASS_TITLES: Record<Pass, string> = {
  binary: 'binary',
  'binary-hnsw': 'binary HNSW',
  halfvec: 'halfvec',
  'halfvec-128': '128-coordinate halfvec',
  'halfvec-256': '256-coordinate halfvec',
  centroid: 'per-person centroid',
};

const usesDefaultPasses = (args: Args) => args.passes.join(',') === DEFAULT_PASSES.join(',');

/** The section this run writes: the default run keeps `tiered`; a run with its own server or passes gets its own. */
function sectionName(args: Args): string {
  const memory = args.buildMemoryMb === DEFAULT_BUILD_MEMORY_MB ? '' : `-${args.buildMemoryMb}mb`;
  return `${baseSectionName(args)}${memory}`;
}

function baseSectionName(args: Args): string {
  if (args.passes.includes('centroid')) return 'tiered-centroid';
  return args.server || args.rerank === 'people' || args.prewarm || !usesDefaultPasses(args) ? 'tiered-tuned' : 'tiered';
}

/** A postgres:// URL without its password, for what is written down. */
const redacted = (text: string) => text.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');

/** The command that measures what `args` asks (the default values left out), without a password in --server. */
function commandLine(args: Args): string {
  const flags = [
    args.quick ? '--quick' : '',
    args.sizes.join(',') === DEFAULT_SIZES.join(',') ? '' : `--sizes ${args.sizes.join(',')}`,
    args.queries === 100 ? '' : `--queries ${args.queries}`,
    args.truth === 40 ? '' : `--truth ${args.truth}`,
    args.keep ? '--keep' : '',
    args.halfvecMax === 1_000_000 ? '' : `--halfvec-max ${args.halfvecMax}`,
    args.hnswMax === 1_000_000 ? '' : `--hnsw-max ${args.hnswMax}`,
    usesDefaultPasses(args) ? '' : `--passes ${args.passes.join(',')}`,
    args.buildMemoryMb === DEFAULT_BUILD_MEMORY_MB ? '' : `--build-memory-mb ${args.buildMemoryMb}`,
    args.server ? `--server ${redacted(args.server)}` : '',
    args.prewarm ? '--prewarm' : '',
    args.rerank === 'pool' ? '' : `--rerank ${args.rerank}`,
  ].filter(Boolean);
  return ['npx tsx scripts/bench/tiered.bench.ts', ...flags].join(' ');
}

function serverLine(args: Args, server: ServerInfo): string {
  const where = args.server
    ? `a cluster of its own (\`--server\`) with shared_buffers ${server.sharedBuffers}`
    : `server defaults (shared_buffers ${server.sharedBuffers}; the indexes are read through the OS page cache)`;
  return `${server.postgres}, pgvector ${server.pgvector}, ${where}${args.prewarm ? '; before each pass is timed, its index, the person index (with people) and, where it fits in what is left, the table are read into shared_buffers with pg_prewarm' : ''}.`;
}

function markdown(args: Args, machine: string, server: ServerInfo, reports: SizeReport[], minutes: number): string {
  const passes = args.passes.map((p) => PASS_TITLES[p]).join(', ');
  const sizes = reports.map((r) => `${r.size / 1_000_000}M`).join(', ');
  const rerank =
    args.rerank === 'people'
      ? "the outer query ranks every face of the candidates' people by the exact cosine distance (through an index on person), the best face of each, as the product's statement does"
      : 'the outer query re-ranks them by the exact cosine distance of the stored vectors';
  return [
    `## Tiered vector search: ${passes} first passes, ${args.rerank === 'people' ? "the candidates' people" : 'the pool'} re-ranked at full precision, ${sizes} faces`,
    '',
    `Machine: ${machine}. ${serverLine(args, server)}`,
    `Command: \`${commandLine(args)}\` (${minutes.toFixed(0)} min in all).`,
    `Gallery: the search benchmark's (clusters around the product's embeddings of the real identity photos, ${FACES_PER_PERSON} faces a`,
    `person, tables \`vec_<n>(id, person, embedding vector(512))\`); ${args.queries} probes, fresh faces of random gallery people.`,
    "Each search runs in its own transaction with the settings as SET LOCAL (the product's `ivfflatSearchSettings`: iterative scan,",
    `relaxed order), seq scan off, one connection, after ${WARM_UP} warm-up queries; the first pass walks the IVFFlat index for \`pool\``,
    `candidates and ${rerank}. lists from the row count by the product's rule (listsForRows${args.buildMemoryMb === DEFAULT_BUILD_MEMORY_MB ? '' : `, with a build memory ceiling of ${args.buildMemoryMb} MB instead of the default ${DEFAULT_BUILD_MEMORY_MB}`}). ${args.rerank === 'people' ? 'recall@1 (recall@10 is left out: the answers are one face a person)' : 'recall@1 and recall@10'} against the exact scan`,
    `of the first ${args.truth} probes; person@1 (the first hit is a face of the probe's person) over all of them.`,
    ...(args.passes.includes('centroid')
      ? [
          "The centroid pass keeps one vector a person (the normalised mean of their faces, halfvec) in a table of its own with its own IVFFlat index (lists by the product's rule from the number of people); its pool is people, whose every face is then ranked as above. Its build time and size include that table.",
        ]
      : []),
    '',
    ...reports.flatMap((r) => [sizeTable(r, args.rerank), '']),
    `Raw numbers: \`docs/bench/${sectionName(args)}-results.json\`.`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

/** Options that results files written before them lack, and the defaults those runs had. */
type OptionsAddedLater = 'passes' | 'server' | 'prewarm' | 'rerank' | 'buildMemoryMb';
const OPTION_DEFAULTS: Pick<Args, OptionsAddedLater> = {
  passes: DEFAULT_PASSES,
  server: null,
  prewarm: false,
  rerank: 'pool',
  buildMemoryMb: DEFAULT_BUILD_MEMORY_MB,
};

/** --render: the section again from its results JSON, with this script's current wording. */
function render(section: string): void {
  const raw = JSON.parse(readFileSync(join(ROOT, 'docs', 'bench', `${section}-results.json`), 'utf8')) as {
    machine: string;
    minutes: number;
    args: Omit<Args, OptionsAddedLater> & Partial<Pick<Args, OptionsAddedLater>>;
    server: ServerInfo;
    sizes: SizeReport[];
  };
  // Results written before an option existed were measured at its default.
  const args = { ...OPTION_DEFAULTS, ...raw.args, render: null };
  if (sectionName(args) !== section) throw new Error(`${section}-results.json was written by a run of section ${sectionName(args)}`);
  // The JSON's nulls (non-finite numbers) print as '-' through num().
  writeSection(section, markdown(args, raw.machine, raw.server, raw.sizes, raw.minutes));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) return render(args.render);
  const database = args.quick ? 'facegate_bench_tiered_quick' : 'facegate_bench_tiered';
  if (args.server) useServer(args.server);
  log(`sizes ${args.sizes.join(', ')}, ${args.queries} probes, exact truth on ${args.truth}${args.keep ? ', keeping the database' : ''}`);
  await prepareDatabase(database, args.keep);
  const clients = [await connect(database), await connect(database)];
  const reports: SizeReport[] = [];
  try {
    const [client] = clients;
    await prepareBuildSession(client);
    const server: ServerInfo = {
      ...(await serverVersions(client)),
      sharedBuffers: (await client.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0].shared_buffers,
    };
    await seedSet(client, args.keep, log);
    await ensurePeople(clients, Math.ceil(Math.max(...args.sizes) / FACES_PER_PERSON));
    log('people ready');
    for (const size of args.sizes) {
      reports.push(await benchSize(clients, args, size));
      writeOutputs(args, server, reports);
      // A kept table of one size is not needed by the next; dropping it keeps the disk within reach at 10M.
      if (!args.keep) await client.query(`DROP TABLE vec_${size}`);
    }
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    if (!args.keep) await dropDatabase(database);
  }
  log('done');
}

/** Written after every size, so a run stopped at 10M keeps what 1M and 5M measured. */
function writeOutputs(args: Args, server: ServerInfo, reports: SizeReport[]): void {
  const dir = args.quick ? '/tmp/fg' : join(ROOT, 'docs', 'bench');
  mkdirSync(dir, { recursive: true });
  const minutes = (performance.now() - started) / 60_000;
  const raw = {
    machine: machineLine(),
    date: new Date().toISOString(),
    minutes,
    args: { ...args, server: args.server && redacted(args.server) },
    server,
    targets: TARGETS,
    sizes: reports,
  };
  writeFileSync(
    join(dir, `${sectionName(args)}-results.json`),
    `${JSON.stringify(raw, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
  const md = markdown(args, machineLine(), server, reports, minutes);
  if (!args.quick) writeSection(sectionName(args), md);
  console.log(`\n${md}\n`);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
