/**
 * The product's search statement with and without re-ranking every face of the candidates' people (issue 19), on the
 * product's own index (IVFFlat over embedding::halfvec(512), lists by listsForRows) at several probes:
 * - `pool`: today's statement before this change. The index's pool of nearest faces, scored at full precision, the
 *   best face kept per person. A person is scored only by the faces the approximate scan reached.
 * - `people`: the pool's people, then every face of theirs read through the person index and scored at full
 *   precision (the product's statement since). The index has to reach one face of the right person, not their
 *   nearest, so fewer probes reach the same recall.
 * recall@1: the top face is the exact scan's nearest face; person@1: it is a face of the probe's own person. Writes the
 * "rerank" section of BENCHMARKS.md and docs/bench/rerank-results.json.
 *
 *   npx tsx scripts/bench/rerank.bench.ts [--quick] [--sizes 100000,1000000] [--faces-per-person 1,2,5] [--queries 200] [--keep]
 *
 * --render: rewrite the section from docs/bench/rerank-results.json without measuring.
 * --keep: keep the database facegate_bench_rerank and reuse its tables of the right size (index builds are always
 * redone: their time is a result). --quick (CI): 4,000 faces and 50 probes in facegate_bench_rerank_quick,
 * BENCHMARKS.md untouched.
 *
 * Gallery: synthetic-gallery.ts (the search benchmark's clusters around real embeddings, 5 faces a person).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { candidatePool, ivfflatSearchSettings, listsForRows, probesForLists } from '@facegate/database';
import { DEFAULT_MATCH_THRESHOLD } from '@facegate/face-engine';
import { machineLine, ms, percentile, writeSection } from './bench-report';
import { connect, dropDatabase, dropIndexes, prepareBuildSession, prepareDatabase, runProbes, serverVersions } from './bench-database';
import { FACES_PER_PERSON, createFaceTable, createQueryTable, ensurePeople, rowCount, seedSet } from './synthetic-gallery';

const ROOT = join(__dirname, '..', '..');
/** The product's pool for one result (candidatePool(1)): 40 faces. */
const POOL = candidatePool(1);
/** Probes as fractions of sqrt(lists), pgvector's guidance and the product's rule before this measurement. */
const PROBE_FRACTIONS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5];
const TARGET_RECALL = 0.99;
const started = performance.now();

type Statement = 'pool' | 'people' | 'two passes';

interface Args {
  quick: boolean;
  keep: boolean;
  sizes: number[];
  /** Galleries with this many faces per person (the benefit depends on it: a one-face person has nothing to re-rank). */
  facesPerPerson: number[];
  queries: number;
}

interface Row {
  statement: Statement;
  probes: number;
  p50: number;
  p95: number;
  recall1: number;
  person1: number;
  load: number;
  /** Two passes: the share of searches whose first pass found no one at the threshold. */
  secondPass?: number;
}

interface SizeReport {
  size: number;
  facesPerPerson: number;
  lists: number;
  buildS: number;
  exactP50: number;
  rows: Row[];
}

function parseArgs(argv: string[]): Args {
  const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const quick = argv.includes('--quick');
  const sizes = value('--sizes')?.split(',').map(Number) ?? (quick ? [4_000] : [100_000, 1_000_000]);
  const facesPerPerson = value('--faces-per-person')?.split(',').map(Number) ?? (quick ? [1, FACES_PER_PERSON] : [1, 2, FACES_PER_PERSON]);
  return { quick, keep: argv.includes('--keep'), sizes, facesPerPerson, queries: Number(value('--queries') ?? (quick ? 50 : 200)) };
}

function log(message: string): void {
  console.log(`[rerank ${((performance.now() - started) / 1000).toFixed(0)}s] ${message}`);
}

/** Both statements in the bench table's terms (person for user_id); no collection filter (one collection). */
function statementSql(table: string, statement: Statement): string {
  const pool = `SELECT id, person FROM ${table} ORDER BY embedding::halfvec(512) <=> $1::halfvec(512) LIMIT ${POOL}`;
  const scored =
    statement === 'pool'
      ? `SELECT DISTINCT ON (person) id, person, embedding <=> $1::vector AS distance FROM (
           SELECT id, person, embedding FROM ${table} ORDER BY embedding::halfvec(512) <=> $1::halfvec(512) LIMIT ${POOL}
         ) candidates ORDER BY person, distance`
      : `SELECT DISTINCT ON (f.person) f.id, f.person, f.embedding <=> $1::vector AS distance
         FROM ${table} f WHERE f.person IN (SELECT person FROM (${pool}) candidates)
         ORDER BY f.person, distance`;
  return `SELECT id::int4 AS id, person FROM (${scored}) best ORDER BY distance LIMIT 10`;
}

function probeSteps(lists: number): number[] {
  return [...new Set(PROBE_FRACTIONS.map((f) => Math.max(1, Math.ceil(Math.sqrt(lists) * f))))];
}

async function benchSize(clients: pg.Client[], args: Args, size: number, facesPerPerson: number): Promise<SizeReport> {
  const [client] = clients;
  const table = `vec_${size}_f${facesPerPerson}`;
  const queries = `queries_${size}_f${facesPerPerson}`;
  if (args.keep && (await rowCount(client, table)) === size) {
    log(`${table}: reusing ${size} faces`);
    await dropIndexes(client, table);
  } else {
    log(`${table}: generating ${size} faces`);
    await createFaceTable(clients, table, size, () => undefined, true, facesPerPerson);
  }
  if (!(args.keep && (await rowCount(client, queries)) === args.queries)) await createQueryTable(client, queries, size, args.queries, facesPerPerson);
  const { rows: stored } = await client.query<{ person: number; v: string }>(`SELECT person, embedding::text AS v FROM ${queries} ORDER BY qid`);
  const probes = stored.map((r) => ({ person: r.person, text: r.v }));

  // The product's faces_user_id_idx.
  await client.query(`CREATE INDEX ${table}_person ON ${table} (person)`);
  await client.query(`ANALYZE ${table}`);
  const lists = listsForRows(size);
  log(`${table}: building the halfvec IVFFlat, lists ${lists}`);
  const t = performance.now();
  await client.query(`CREATE INDEX ${table}_ivf_half ON ${table} USING ivfflat ((embedding::halfvec(512)) halfvec_cosine_ops) WITH (lists = ${lists})`);
  const buildS = (performance.now() - t) / 1000;

  log(`${table}: exact scan of ${probes.length} probes`);
  const exact = await runProbes(
    client,
    `SELECT id::int4 AS id, person FROM ${table} ORDER BY embedding <=> $1::vector LIMIT 10`,
    { enable_indexscan: 'off' },
    probes,
  );
  const truth = exact.answers.map((a) => a.ids[0]);

  const rows: Row[] = [];
  for (const p of probeSteps(lists)) {
    for (const statement of ['pool', 'people'] as const) {
      const run = await runProbes(client, statementSql(table, statement), { ...ivfflatSearchSettings(p, lists), enable_seqscan: 'off' }, probes);
      const row: Row = {
        statement,
        probes: p,
        p50: percentile(run.latencies, 50),
        p95: percentile(run.latencies, 95),
        recall1: run.answers.filter((a, i) => a.ids[0] === truth[i]).length / probes.length,
        person1: run.answers.filter((a, i) => a.persons[0] === probes[i].person).length / probes.length,
        load: loadavg()[0],
      };
      rows.push(row);
      log(
        `${size}/${facesPerPerson} probes ${p} ${statement}: p50 ${ms(row.p50)} ms, p95 ${ms(row.p95)} ms, recall@1 ${row.recall1.toFixed(3)}, person@1 ${row.person1.toFixed(3)}`,
      );
    }
  }
  const twoPasses = await runTwoPasses(client, table, lists, probes);
  const row: Row = {
    statement: 'two passes',
    probes: firstPassProbes(lists),
    p50: percentile(twoPasses.latencies, 50),
    p95: percentile(twoPasses.latencies, 95),
    recall1: twoPasses.answers.filter((a, i) => a.id === truth[i]).length / probes.length,
    person1: twoPasses.answers.filter((a, i) => a.person === probes[i].person).length / probes.length,
    load: loadavg()[0],
    secondPass: twoPasses.second / probes.length,
  };
  rows.push(row);
  log(`${size}/${facesPerPerson} two passes: p50 ${ms(row.p50)} ms, recall@1 ${row.recall1.toFixed(3)}, second pass ${(100 * row.secondPass!).toFixed(1)}%`);
  await client.query(`DROP INDEX ${table}_ivf_half`);
  await client.query(`DROP INDEX ${table}_person`);
  return { size, facesPerPerson, lists, buildS, exactP50: percentile(exact.latencies, 50), rows };
}

function firstPassProbes(lists: number): number {
  return probesForLists(lists, undefined, 'first');
}

/**
 * The product's search as /recognize runs it for one result (FaceVectorRepository.searchCollection with `found`; no locks here): the `people`
 * statement at the first pass's probes, and, when its best hit is below the product's default match threshold, again
 * at the full pass's. Timed as runProbes times: the statements (both, when two ran), after the same warm-up.
 */
async function runTwoPasses(client: pg.Client, table: string, lists: number, probes: ReadonlyArray<{ text: string }>) {
  const sql = statementSql(table, 'people').replace('SELECT id::int4 AS id, person FROM (', 'SELECT id::int4 AS id, person, distance FROM (');
  const pass = async (probe: { text: string }, probesNow: number) => {
    await client.query('BEGIN');
    const settings = { ...ivfflatSearchSettings(probesNow, lists), enable_seqscan: 'off' };
    for (const [name, value] of Object.entries(settings)) await client.query('SELECT set_config($1, $2, true)', [name, value]);
    const t = performance.now();
    const { rows } = await client.query<{ id: number; person: number; distance: number }>(sql, [probe.text]);
    const elapsed = performance.now() - t;
    await client.query('COMMIT');
    return { hit: rows[0], elapsed };
  };
  const first = firstPassProbes(lists);
  const full = probesForLists(lists);
  const once = async (probe: { text: string }) => {
    const found = await pass(probe, first);
    if (found.hit && 1 - found.hit.distance >= DEFAULT_MATCH_THRESHOLD) return { ...found, second: false };
    const again = await pass(probe, full);
    return { hit: again.hit, elapsed: found.elapsed + again.elapsed, second: true };
  };
  for (let i = 0; i < 10; i++) await once(probes[i % probes.length]);
  const latencies: number[] = [];
  const answers: Array<{ id?: number; person?: number }> = [];
  let second = 0;
  for (const probe of probes) {
    const { hit, elapsed, second: again } = await once(probe);
    latencies.push(elapsed);
    answers.push({ id: hit?.id, person: hit?.person });
    if (again) second++;
  }
  return { latencies, answers, second };
}

function fastest(rows: Row[], statement: Statement): Row | undefined {
  return rows.filter((r) => r.statement === statement && r.recall1 >= TARGET_RECALL).sort((a, b) => a.p50 - b.p50)[0];
}

function markdown(args: Args, server: string, reports: SizeReport[], machine = machineLine()): string {
  const lines = [
    "## Vector search: every face of the candidates' people",
    '',
    `Machine: ${machine}. ${server}, server defaults. Command: \`npx tsx scripts/bench/rerank.bench.ts${args.keep ? ' --keep' : ''} --sizes ${args.sizes.join(',')} --faces-per-person ${args.facesPerPerson.join(',')}\`.`,
    `Gallery: the search benchmark's clusters around the product's embeddings of the real identity photos, with ${args.facesPerPerson.join(', ')} faces a person; ${args.queries} probes (fresh faces of random gallery people).`,
    `The product's index (IVFFlat over \`embedding::halfvec(512)\`, lists by its own rule), each search in its own transaction with the product's settings (iterative scan, relaxed order) as SET LOCAL, after 10 warm-up queries.`,
    `Every statement takes the index's pool of ${POOL} nearest faces (the product's pool for one result). \`pool\`: those faces scored at full precision, the best kept per person (the product's statement before).`,
    "`people`: every face of the pool's people, read through the person index and scored at full precision (the product's statement now; sqrt(lists) probes is its full pass, and duplicate checks and charges use only that).",
    `\`two passes\` (the product's /recognize since this measurement): \`people\` at 0.3 x sqrt(lists) probes, and again at sqrt(lists) when the first found no one at the default match threshold (${DEFAULT_MATCH_THRESHOLD}); both statements timed.`,
    "recall@1: the top face is the exact scan's nearest face; person@1: it is a face of the probe's own person.",
    '',
  ];
  for (const report of reports) {
    lines.push(
      `**${report.size.toLocaleString('en-US')} faces, ${report.facesPerPerson} a person**: lists ${report.lists} (the product's rule), built in ${report.buildS.toFixed(0)} s; exact scan p50 ${ms(report.exactP50)} ms.`,
      '',
      '| probes | statement | p50 ms | p95 ms | recall@1 | person@1 | load |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...report.rows.map((r) => {
        const probes = r.statement === 'two passes' ? `${r.probes}, then ${probesForLists(report.lists)}` : String(r.probes);
        const statement = r.secondPass === undefined ? r.statement : `${r.statement} (second pass: ${(100 * r.secondPass).toFixed(1)}%)`;
        return `| ${probes} | ${statement} | ${ms(r.p50)} | ${ms(r.p95)} | ${r.recall1.toFixed(3)} | ${r.person1.toFixed(3)} | ${r.load.toFixed(1)} |`;
      }),
      '',
    );
    const before = fastest(report.rows, 'pool');
    const after = fastest(report.rows, 'people');
    const describe = (r: Row | undefined) => (r ? `probes ${r.probes}, p50 ${ms(r.p50)} ms (recall@1 ${r.recall1.toFixed(3)})` : `none of the probes measured`);
    const rule = report.rows.find((r) => r.statement === 'people' && r.probes === probesForLists(report.lists));
    const ruleLine = rule ? ` The product's default (\`people\` at ${rule.probes} probes): p50 ${ms(rule.p50)} ms, recall@1 ${rule.recall1.toFixed(3)}.` : '';
    const product = report.rows.find((r) => r.statement === 'two passes');
    const productLine = product
      ? ` Two passes (the product's /recognize): p50 ${ms(product.p50)} ms, recall@1 ${product.recall1.toFixed(3)}, ${(100 * (product.secondPass ?? 0)).toFixed(1)}% of searches took the second pass.`
      : '';
    lines.push(`Fastest with recall@1 ≥ ${TARGET_RECALL}: \`pool\` ${describe(before)}; \`people\` ${describe(after)}.${ruleLine}${productLine}`, '');
  }
  return lines.join('\n');
}

/** --render: rewrite the section from docs/bench/rerank-results.json (after a change of the product's rules). */
function renderStored(): void {
  const raw = JSON.parse(readFileSync(join(ROOT, 'docs', 'bench', 'rerank-results.json'), 'utf8')) as {
    machine: string;
    server: string;
    args: Args;
    reports: SizeReport[];
  };
  writeSection('rerank', markdown(raw.args, raw.server, raw.reports, raw.machine));
  log('rendered the "rerank" section from docs/bench/rerank-results.json');
}

async function main() {
  if (process.argv.includes('--render')) return renderStored();
  const args = parseArgs(process.argv.slice(2));
  const database = args.quick ? 'facegate_bench_rerank_quick' : 'facegate_bench_rerank';
  log(`sizes ${args.sizes.join(', ')}, ${args.queries} probes${args.quick ? ' (quick)' : ''}`);
  await prepareDatabase(database, args.keep);
  const clients = [await connect(database), await connect(database)];
  const reports: SizeReport[] = [];
  try {
    const [client] = clients;
    await prepareBuildSession(client);
    const versions = await serverVersions(client);
    const server = `${versions.postgres}, pgvector ${versions.pgvector}`;
    await seedSet(client, args.keep, log);
    await ensurePeople(clients, Math.ceil(Math.max(...args.sizes) / Math.min(...args.facesPerPerson)));
    for (const size of args.sizes) for (const fpp of args.facesPerPerson) reports.push(await benchSize(clients, args, size, fpp));
    const md = markdown(args, server, reports);
    const dir = args.quick ? '/tmp/fg' : join(ROOT, 'docs', 'bench');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'rerank-results.json'), JSON.stringify({ machine: machineLine(), server, args, reports }, null, 2));
    if (args.quick) console.log(md);
    else writeSection('rerank', md);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    if (!args.keep) await dropDatabase(database);
  }
  log('done');
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
