/**
 * Request bodies against the real server (main.ts in a process of its own, on a fresh PostgreSQL database), with plain
 * node:http clients in other processes:
 *  1. one 48 MiB JSON body of `{}` objects, unauthenticated (POST /users) and authenticated (POST /detect): time to the
 *     answer, and the server's RSS before, at its peak (sampled every 20 ms) and after;
 *  2. /health latency (back-to-back requests) with no load, then while 8 clients keep sending 4 MiB bodies:
 *     unauthenticated `{}` objects, authenticated POST /detect bodies refused by validation once parsed (the cost of
 *     parsing alone), and legal POST /detect requests; the server's own event-loop delay over each phase comes from its
 *     /metrics;
 *  3. in this process, the parsing of a legal maximum body (10 images of 4.5 MB base64): JSON.parse against the
 *     scanner and assembler, total time and longest block of the event loop.
 * Prints a markdown section; --write also puts it in BENCHMARKS.md (not in --quick mode). With --baseline <git ref>,
 * the same server measurements are also taken on that commit (extracted with git archive) for a before/after table.
 *
 *   npx tsx scripts/bench/body.bench.ts [--quick] [--baseline <git ref>] [--write]
 */
import { ChildProcess, execFileSync, fork } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { JsonBodyReader } from '../../apps/api/src/common/json-body.reader';
import type { AppConfig } from '@facegate/core';
import { freePort } from '../../test/server-process';
import { prometheusSamples, sampleValue } from '../../test/prometheus-text';
import { facePath } from '../../test/shared-faces';
import { machineLine, ms, percentile, writeSection } from './bench-report';
import { ADMIN_KEY, createDatabase, get, rssMb, startServer, stop, waitReady, withServer } from './bench-server';

const ROOT = resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const BASELINE = valueOf('--baseline');
const WRITE = args.includes('--write') && !QUICK;
const MiB = 1024 * 1024;
const FLOOD_BYTES = 48 * MiB;
const LOAD_BYTES = 4 * MiB;
const CLIENTS = 8;
const LOAD_SECONDS = QUICK ? 4 : 20;
const IDLE_SECONDS = QUICK ? 2 : 10;
/** A flood still unanswered after this long is reported as such (the old code took 80 s and 4.6 GB over one). */
const FLOOD_TIMEOUT_MS = (QUICK ? 60 : 240) * 1000;

type LoadMode = 'unauthenticated' | 'parsed' | 'detect';
interface Flood {
  label: string;
  status: number;
  code: string;
  ms: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
}
interface Health {
  label: string;
  p50: number;
  p99: number;
  max: number;
  probes: number;
  loopMaxMs: number;
  answered: Record<string, number>;
  perSecond: number;
}
interface ServerRun {
  code: string;
  floods: Flood[];
  health: Health[];
}
interface Parsing {
  bodyMb: number;
  jsonParseMs: number;
  readerTotalMs: number;
  readerLongestMs: number;
}

if (args[0] === '--load') void loadClient(JSON.parse(args[1]) as { port: number; mode: LoadMode });
else void main();

async function main(): Promise<void> {
  const parsing = await measureParsing();
  console.log(`parsing: ${JSON.stringify(parsing)}`);
  const baseline = BASELINE ? checkout(BASELINE) : undefined;
  const targets = [...(baseline ? [{ dir: baseline, code: `before (${gitShort(BASELINE!)})` }] : []), { dir: ROOT, code: `after (${gitShort('HEAD')})` }];
  try {
    const section = markdown(await benchServers(targets), parsing);
    console.log(`\n${section}`);
    if (WRITE) writeSection('body', section);
  } finally {
    if (baseline) rmSync(baseline, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the servers

const FLOODS: Array<[string, string, string | undefined]> = [
  ['unauthenticated, POST /users', '/users', undefined],
  ['authenticated, POST /detect', '/detect', ADMIN_KEY],
];
const PHASES: Array<[string, LoadMode | undefined]> = [
  ['no load', undefined],
  ['8 clients, unauthenticated 4 MiB `{}` bodies', 'unauthenticated'],
  ['8 clients, 4 MiB POST /detect parsed, then refused by validation', 'parsed'],
  ['8 clients, legal 4 MiB POST /detect', 'detect'],
];

/**
 * Each flood on a fresh server (the old code could take minutes and gigabytes over one), then the /health phases on
 * one server per version, both running, the versions taking turns phase by phase so that a machine shared with other
 * work treats them alike.
 */
async function benchServers(targets: Array<{ dir: string; code: string }>): Promise<ServerRun[]> {
  const db = await createDatabase();
  const runs: ServerRun[] = targets.map((t) => ({ code: t.code, floods: [], health: [] }));
  try {
    for (const [label, path, key] of FLOODS) {
      for (const [i, target] of targets.entries())
        runs[i].floods.push(await withServer(target.dir, db.url, (port, server) => flood(port, server, `${label}`, path, key)));
    }
    const servers: Array<{ port: number; server: ChildProcess }> = [];
    try {
      // One after the other: both run the migrations of one database at start-up.
      for (const target of targets) {
        const port = await freePort();
        servers.push({ port, server: startServer(target.dir, port, db.url) });
        await waitReady(port, servers[servers.length - 1].server);
      }
      for (const [label, mode] of PHASES) {
        for (const [i, { port }] of servers.entries()) runs[i].health.push(await healthUnder(port, label, mode));
      }
    } finally {
      for (const { server } of servers) await stop(server);
    }
    return runs;
  } finally {
    await db.drop();
  }
}

/** Another commit's sources, with this checkout's node_modules, generated Prisma client and models. */
function checkout(ref: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'facegate-baseline-'));
  execFileSync('bash', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'archive', ROOT, ref, dir]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const generated = join('libs', 'database', 'src', 'generated');
  if (existsSync(join(ROOT, generated))) cpSync(join(ROOT, generated), join(dir, generated), { recursive: true });
  return dir;
}

function gitShort(ref: string): string {
  return execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', ref], { encoding: 'utf8' }).trim();
}

// ---------------------------------------------------------------------------------------------------------------
// 1. one 48 MiB body

/** `[{},{},...,{}]` of exactly `bytes` bytes (valid JSON: parsed in full by a server that parses first), in 1 MiB pieces. */
function* objectBody(bytes: number): Generator<Buffer> {
  const piece = Buffer.from('{},'.repeat(Math.floor(MiB / 3)));
  const filler = bytes - 4; // '[' and the closing '{}]'
  const whole = Math.floor(filler / 3) * 3;
  for (let sent = 0; sent < whole; sent += piece.length) {
    const chunk = piece.subarray(0, Math.min(piece.length, whole - sent));
    yield sent === 0 ? Buffer.concat([Buffer.from('['), chunk]) : chunk;
  }
  yield Buffer.from(`${' '.repeat(filler - whole)}{}]`);
}

async function flood(port: number, server: ChildProcess, label: string, path: string, key?: string): Promise<Flood> {
  await sleep(1000);
  const rssBeforeMb = rssMb(server.pid!);
  let rssPeakMb = rssBeforeMb;
  const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb(server.pid!))), 20);
  const started = performance.now();
  const answer = await new Promise<{ status: number; body: string; ms: number }>((resolveAnswer, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      resolveAnswer({ status: 0, body: '', ms: performance.now() - started });
    }, FLOOD_TIMEOUT_MS);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': FLOOD_BYTES, ...(key ? { 'X-API-Key': key } : {}) },
      },
      (res) => {
        const ms = performance.now() - started;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          req.destroy();
          resolveAnswer({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms });
        });
      },
    );
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (error) => {
      if (answered || req.destroyed) return;
      clearTimeout(timer);
      reject(error);
    });
    const body = objectBody(FLOOD_BYTES);
    const write = () => {
      for (let next = body.next(); !next.done; next = body.next()) {
        if (answered || req.destroyed) return;
        if (!req.write(next.value)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
  clearInterval(sampler);
  await sleep(1000);
  const rssAfterMb = rssMb(server.pid!);
  const code = safeCode(answer.body);
  console.log(`flood ${label}: ${answer.status} ${code} in ${ms(answer.ms)} ms; RSS ${rssBeforeMb} -> ${rssPeakMb} -> ${rssAfterMb} MB`);
  return { label, status: answer.status, code, ms: answer.ms, rssBeforeMb, rssPeakMb: Math.max(rssPeakMb, rssAfterMb), rssAfterMb };
}

function safeCode(body: string): string {
  try {
    return String((JSON.parse(body) as { code?: string }).code ?? '');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. /health under load

async function healthUnder(port: number, label: string, mode: LoadMode | undefined): Promise<Health> {
  await lagSinceLastScrape(port);
  const load = mode ? await startLoad(port, mode) : undefined;
  const seconds = mode ? LOAD_SECONDS : IDLE_SECONDS;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const started = performance.now();
    const res = await get(port, '/health', agent);
    if (res.status === 200) latencies.push(performance.now() - started);
  }
  agent.destroy();
  const answered = load ? await load.stop() : {};
  const loopMaxMs = await lagSinceLastScrape(port);
  const total = Object.values(answered).reduce((a, b) => a + b, 0);
  const result: Health = {
    label,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    probes: latencies.length,
    loopMaxMs,
    answered,
    perSecond: total / seconds,
  };
  console.log(`health, ${label}: ${JSON.stringify(result)}`);
  return result;
}

/** The server's largest event-loop delay since the previous scrape (prom-client resets it on every scrape). */
async function lagSinceLastScrape(port: number): Promise<number> {
  const res = await get(port, '/metrics', undefined, { 'X-API-Key': ADMIN_KEY });
  return (sampleValue(prometheusSamples(res.body), 'nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000;
}

function startLoad(port: number, mode: LoadMode): Promise<{ stop(): Promise<Record<string, number>> }> {
  const child = fork(__filename, ['--load', JSON.stringify({ port, mode })], { execArgv: process.execArgv, stdio: 'inherit' });
  return new Promise((resolveStarted, reject) => {
    child.once('error', reject);
    child.once('message', () =>
      resolveStarted({
        stop: () =>
          new Promise((resolveStopped) => {
            child.once('message', (counts) => resolveStopped(counts as Record<string, number>));
            child.send('stop');
          }),
      }),
    );
  });
}

/** The load generator (a process of its own, so that its work does not delay the /health probes). */
async function loadClient({ port, mode }: { port: number; mode: LoadMode }): Promise<void> {
  const authenticated = mode !== 'unauthenticated';
  const body = authenticated ? detectBody(LOAD_BYTES, mode === 'parsed') : Buffer.concat([...objectBody(LOAD_BYTES)]);
  const headers = { 'Content-Type': 'application/json', 'Content-Length': body.length, ...(authenticated ? { 'X-API-Key': ADMIN_KEY } : {}) };
  const path = authenticated ? '/detect' : '/users';
  const agent = authenticated ? new Agent({ keepAlive: true, maxSockets: CLIENTS }) : false;
  const counts: Record<string, number> = {};
  let running = true;
  const once = () =>
    new Promise<void>((done) => {
      let answered = false;
      const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent, headers }, (res) => {
        answered = true;
        counts[res.statusCode ?? 0] = (counts[res.statusCode ?? 0] ?? 0) + 1;
        res.resume();
        res.on('end', done);
        res.on('error', () => done());
      });
      // The server may close while the body is still going out; only a request that got no answer counts as reset.
      req.on('error', () => {
        if (answered) return;
        counts.reset = (counts.reset ?? 0) + 1;
        done();
      });
      req.end(body);
    });
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (running) await once();
  });
  process.on('message', () => {
    running = false;
    void Promise.all(clients).then(() => process.send!(counts, () => process.exit(0)));
  });
  process.send!('started');
}

/**
 * A POST /detect body of about `bytes`: a face photo with zero padding after its end, as a data URL. With `unknownField`
 * the DTO validation refuses it once it is parsed (the image is never decoded), which isolates the cost of parsing.
 */
function detectBody(bytes: number, unknownField = false): Buffer {
  const photo = readFileSync(facePath('Tony_Blair/004.jpg'));
  const padded = Buffer.concat([photo, Buffer.alloc(Math.floor(((bytes - 100) * 3) / 4) - photo.length)]);
  return Buffer.from(
    JSON.stringify({ image: `data:image/jpeg;base64,${padded.toString('base64')}`, smallFaces: false, ...(unknownField ? { unknown: true } : {}) }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// 3. parsing a legal maximum body, in this process

async function measureParsing(): Promise<Parsing> {
  const images = Array.from({ length: 10 }, () => randomBytes(Math.floor(4.5e6 * 0.75)).toString('base64'));
  const body = Buffer.from(JSON.stringify({ name: 'Ada Lovelace', externalId: 'emp-1', images, metadata: { team: 'engines' } }));
  const runs = QUICK ? 3 : 7;
  const jsonParse: number[] = [];
  const reader: Array<{ total: number; longest: number }> = [];
  const read = new JsonBodyReader({ limits: { maxSmallBodyBytes: 64 * 1024 } } as AppConfig);
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    JSON.parse(body.toString('utf8'));
    jsonParse.push(performance.now() - started);
    reader.push(await longestBlock(() => read.read(arriving(body), {} as Response, 50 * MiB)));
  }
  const median = (xs: number[]) => percentile(xs, 50);
  return {
    bodyMb: body.length / 1e6,
    jsonParseMs: median(jsonParse),
    readerTotalMs: median(reader.map((r) => r.total)),
    readerLongestMs: median(reader.map((r) => r.longest)),
  };
}

/** The body as a request stream whose 64 KiB chunks arrive one per turn of the event loop, as from a socket. */
function arriving(body: Buffer): Request {
  const stream = new PassThrough();
  Object.assign(stream, { headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
  void (async () => {
    for (let at = 0; at < body.length; at += 64 * 1024) {
      if (!stream.write(body.subarray(at, at + 64 * 1024))) await new Promise((r) => stream.once('drain', r));
      await nextTurn();
    }
    stream.end();
  })();
  return stream as unknown as Request;
}

/** Total time of `work`, and the longest time the event loop went without a turn meanwhile. */
async function longestBlock(work: () => Promise<unknown>): Promise<{ total: number; longest: number }> {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const started = performance.now();
  await work();
  const total = performance.now() - started;
  await nextTurn();
  running = false;
  return { total, longest };
}

// ---------------------------------------------------------------------------------------------------------------
// report

function markdown(runs: ServerRun[], parsing: Parsing): string {
  const mb = (v: number) => v.toLocaleString('en-US');
  const lines = [
    '## Request bodies: the API key first, limits per route class (body.bench)',
    '',
    `${machineLine()}, load average ${loadavg()[0].toFixed(2)} at the end${QUICK ? ' (quick run)' : ''}. The server is main.ts in a process of its own, on a fresh PostgreSQL database, default limits (50 MiB for image routes, 64 KiB for the others), rate limits raised; the clients are plain node:http in other processes.`,
    '',
    `One 48 MiB JSON body of \`{}\` objects (valid JSON), sent as fast as the server reads it, to a freshly started server (\`none\`: no answer within ${FLOOD_TIMEOUT_MS / 1000} s):`,
    '',
    '| code | request | answer | time to the answer | server RSS before → peak → after |',
    '| --- | --- | --- | ---: | --- |',
    ...runs.flatMap((r) =>
      r.floods.map(
        (f) =>
          `| ${r.code} | ${f.label} | ${f.status ? `${f.status} ${f.code}` : 'none'} | ${f.status ? `${ms(f.ms)} ms` : `> ${FLOOD_TIMEOUT_MS / 1000} s`} | ${mb(f.rssBeforeMb)} → ${mb(f.rssPeakMb)} → ${mb(f.rssAfterMb)} MB |`,
      ),
    ),
    '',
    `GET /health, back to back from one client, while 8 other clients keep sending 4 MiB bodies (${LOAD_SECONDS} s each; no load: ${IDLE_SECONDS} s). The /detect body is a 250×250 face photo padded to 3 MiB, as a data URL (with an unknown field for the parsed-then-refused row: validation answers 400 before the image is decoded); the event-loop delay is the server's own (nodejs_eventloop_lag_max_seconds over the phase).`,
    '',
    '| code | load | /health p50 | p99 | max | probes | server event-loop delay max | bodies answered |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...runs.flatMap((r) =>
      r.health.map(
        (h) => `| ${r.code} | ${h.label} | ${ms(h.p50)} ms | ${ms(h.p99)} ms | ${ms(h.max)} ms | ${h.probes} | ${ms(h.loopMaxMs)} ms | ${answeredText(h)} |`,
      ),
    ),
    '',
    `Parsing a legal maximum body in one process (${parsing.bodyMb.toFixed(1)} MB: 10 images of 4.5 MB base64, 64 KiB chunks arriving one per event-loop turn; medians of ${QUICK ? 3 : 7}): ` +
      `JSON.parse of the whole text ${ms(parsing.jsonParseMs)} ms in one block; the body reader (scanner while reading, then assembly) ${ms(parsing.readerTotalMs)} ms in all, ` +
      `the event loop never more than ${ms(parsing.readerLongestMs)} ms without a turn.`,
  ];
  return lines.join('\n');
}

function answeredText(h: Health): string {
  const entries = Object.entries(h.answered);
  if (entries.length === 0) return '';
  return `${entries.map(([status, n]) => `${n}× ${status}`).join(', ')} (${h.perSecond.toFixed(0)}/s)`;
}

function valueOf(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}
