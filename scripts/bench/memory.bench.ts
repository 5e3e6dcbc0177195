/**
 * The API's resident memory as `npm start` runs it: dist/apps/api/src/main.js in a process of its own, with the
 * environment and Node flags of package.json's start:prod (read from there, so the bench follows the product), on a
 * fresh PostgreSQL database. The identity folders of ../shared/faces are enrolled with 2 photos each, then 8
 * closed-loop clients (in this process) send their other photos to /recognize as base64 JSON. The server's VmRSS is
 * sampled every 100 ms: before the load, its peak during the load, and 3 s after it.
 * Variants alternate round by round: the product's settings, and glibc's default (dynamic) mmap threshold.
 * Prints a markdown section and writes it to BENCHMARKS.md (not in --quick mode, which CI runs).
 *
 *   npm run build && npx tsx scripts/bench/memory.bench.ts [--quick]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FACES_DIR } from '../../test/shared-faces';
import { machineLine, writeSection } from './bench-report';
import { ADMIN_KEY, createDatabase, productionStart, rssMb, withServer } from './bench-server';
import { closedLoop } from './http-load';

const ROOT = resolve(__dirname, '..', '..');
const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 20;
const CLIENTS = 8;
/** Photos per person enrolled; the rest are probes. */
const ENROLLED = 2;
const NOT_PEOPLE = new Set(['groups', 'live', 'noface', 'spoof']);
/** Photo search: the load is plain /recognize calls, with no liveness challenge to pass first. */
const SERVER_ENV = { FACEGATE_COLLECTION_PURPOSE: 'photo_search', LOG_LEVEL: 'warn' };

interface Variant {
  name: string;
  /** Variables of start:prod's environment to leave unset. */
  unset: string[];
}

const VARIANTS: Variant[] = [
  { name: 'npm start as shipped', unset: [] },
  { name: 'glibc default mmap threshold (dynamic)', unset: ['MALLOC_MMAP_THRESHOLD_'] },
];

interface Round {
  variant: string;
  round: number;
  /** People enrolled of those tried, and probes sent in turn. */
  people: string;
  probes: number;
  idle: number;
  peak: number;
  after: number;
  rps: number;
  errors: number;
}

/** Each identity folder's photos, sorted: the first ENROLLED enrol the person, the rest are probes. */
function people(): Array<{ name: string; photos: string[] }> {
  const folders = readdirSync(FACES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory() && !NOT_PEOPLE.has(d.name));
  const chosen = QUICK ? folders.slice(0, 4) : folders;
  return chosen.map((d) => ({
    name: d.name,
    photos: readdirSync(join(FACES_DIR, d.name))
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
      .map((f) => join(FACES_DIR, d.name, f)),
  }));
}

const base64 = (path: string) => readFileSync(path).toString('base64');

async function post(port: number, path: string, body: string): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'X-API-Key': ADMIN_KEY, 'Content-Type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  return res.ok;
}

/** A refused connection or reset counts as a failed request, not as the end of the bench. */
const attempt = (port: number, path: string, body: string) => post(port, path, body).catch(() => false);

async function runRound(variant: Variant, round: number): Promise<Round> {
  const db = await createDatabase();
  try {
    return await withServer(ROOT, db.url, (port, server) => measure(variant, round, port, server.pid!), SERVER_ENV, { entry: 'dist', unset: variant.unset });
  } finally {
    await db.drop();
  }
}

async function measure(variant: Variant, round: number, port: number, pid: number): Promise<Round> {
  const everyone = people();
  let enrolled = 0;
  for (const person of everyone) {
    const images = person.photos.slice(0, ENROLLED).map(base64);
    if (await attempt(port, '/users', JSON.stringify({ name: person.name, externalId: person.name, images }))) enrolled++;
  }
  const probes = everyone.flatMap((p) => p.photos.slice(ENROLLED)).map((path) => JSON.stringify({ image: base64(path) }));
  const idle = rssMb(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  const load = await closedLoop(CLIENTS, SECONDS, (i) => attempt(port, '/recognize', probes[i % probes.length])).finally(() => clearInterval(sampler));
  await sleep(3000);
  const after = rssMb(pid);
  if (after === 0) throw new Error('the server exited during the round');
  return {
    variant: variant.name,
    round,
    people: `${enrolled}/${everyone.length}`,
    probes: probes.length,
    idle,
    peak,
    after,
    rps: load.rps,
    errors: load.errors,
  };
}

function report(rounds: Round[]): string {
  const command = productionStart();
  const rows = rounds.map(
    (r) => `| ${r.variant} | ${r.round} | ${r.people} | ${r.probes} | ${r.idle} | ${r.peak} | ${r.after} | ${r.rps.toFixed(1)} | ${r.errors} |`,
  );
  return [
    '## API memory under load (the server as npm start runs it)',
    '',
    `Machine: ${machineLine()}. Command: \`npm run bench -- --only memory\` (after \`npm run build\`). The server: \`node ${command.flags.join(' ')} ${command.script}\``,
    `with ${Object.entries(command.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')} (package.json's start:prod), in its own process, on a fresh PostgreSQL database, photo-search collection;`,
    `${QUICK ? 'four' : 'the'} identity folders of ../shared/faces enrolled with ${ENROLLED} photos each, then ${CLIENTS} closed-loop clients in the bench's process`,
    `sending the other photos to /recognize as base64 JSON for ${SECONDS} s. RSS (VmRSS, MiB): before the load, peak (sampled every 100 ms),`,
    '3 s after it. Variants alternate round by round.',
    '',
    '| variant | round | people enrolled | probes | RSS before the load | RSS peak | RSS 3 s after | recognitions/s | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const rounds: Round[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which variant goes first, so a drift of the machine does not favour one.
    const order = round % 2 === 1 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) {
      const result = await runRound(variant, round);
      console.log(
        `${variant.name}, round ${round}: ${result.people} people, RSS ${result.idle} / peak ${result.peak} / after ${result.after} MiB, ${result.rps.toFixed(1)} req/s, ${result.errors} errors`,
      );
      rounds.push(result);
    }
  }
  const markdown = report(rounds);
  console.log(`\n${markdown}`);
  if (!QUICK) writeSection('memory', markdown);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
