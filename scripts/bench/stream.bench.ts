/**
 * Live streams against the real server (main.ts in a process of its own, on a fresh PostgreSQL database): 1, 4, 8 and
 * 16 WebSocket clients at once, each sending webcam frames (../shared/faces/live, 640x480 JPEG, as the web page's
 * camera sends them) at 10 frames a second as binary messages, answered as `recognize` frames in a photo-search
 * collection of 3 people (the door-entry kiosk). For each level:
 *  - per-frame latency, from sending a frame to its answer, p50/p95 (the client's view), and the server's own `ms`;
 *  - frames answered, dropped (superseded by a newer frame while one was in the engine, or over the frame rate) and
 *    refused, per second over all streams;
 *  - GET /health latency (back-to-back requests) meanwhile, p50/p99, and the server's resident memory after the level.
 * Prints a markdown section and writes it to BENCHMARKS.md (not in --quick mode, which CI runs).
 *
 *   npx tsx scripts/bench/stream.bench.ts [--quick]
 */
import { Agent } from 'node:http';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import WebSocket from 'ws';
import { facePath } from '../../test/shared-faces';
import { machineLine, ms, percentile, writeSection } from './bench-report';
import { ADMIN_KEY, createDatabase, get, rssMb, withServer } from './bench-server';

const ROOT = resolve(__dirname, '..', '..');
const QUICK = process.argv.includes('--quick');
const LEVELS = QUICK ? [1, 4] : [1, 4, 8, 16];
const FPS = 10;
const SECONDS = QUICK ? 3 : 20;
/** Answers still on their way when a level stops sending are waited for this long. */
const SETTLE_MS = 3000;
const COLLECTION = 'door';

interface Level {
  streams: number;
  sent: number;
  answered: number;
  superseded: number;
  rate: number;
  refused: Record<string, number>;
  latency: number[];
  serverMs: number[];
  health: number[];
  rssMb: number;
}

async function main(): Promise<void> {
  const frames = await cameraFrames();
  const db = await createDatabase();
  const levels: Level[] = [];
  try {
    await withServer(
      ROOT,
      db.url,
      async (port, server) => {
        await enrolDoor(port);
        for (const streams of LEVELS) {
          const level = await runLevel(port, streams, frames);
          level.rssMb = rssMb(server.pid!);
          console.log(`${streams} stream(s): ${summary(level)}`);
          levels.push(level);
        }
      },
      // 16 streams of one key: the default cap is 4 per key.
      { FACEGATE_STREAM_MAX_CONNECTIONS_PER_KEY: '64', LOG_LEVEL: 'warn' },
    );
  } finally {
    await db.drop();
  }
  const section = markdown(levels);
  console.log(`\n${section}`);
  if (!QUICK) writeSection('stream', section);
}

/** The camera's frames: the webcam captures of ../shared/faces/live as a 640x480 camera delivers them, JPEG 85. */
async function cameraFrames(): Promise<Buffer[]> {
  const files = readdirSync(facePath('live')).filter((f) => f.endsWith('.jpg'));
  return Promise.all(
    files.map((f) =>
      sharp(facePath(`live/${f}`))
        .resize(640, 480, { fit: 'cover' })
        .jpeg({ quality: 85 })
        .toBuffer(),
    ),
  );
}

/** A photo-search collection with three people (enrolled over HTTP, as an operator would). */
async function enrolDoor(port: number): Promise<void> {
  const post = async (path: string, body: object) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': ADMIN_KEY },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  const b64 = async (path: string) => (await sharp(facePath(path)).jpeg().toBuffer()).toString('base64');
  await post('/collections', { name: COLLECTION, settings: { purpose: 'photo_search' } });
  for (const [name, photos] of [
    ['Camera Person', ['live/028.jpg', 'live/036.jpg']],
    ['Tony Blair', ['Tony_Blair/002.jpg', 'Tony_Blair/003.jpg']],
    ['Colin Powell', ['Colin_Powell/002.jpg', 'Colin_Powell/005.jpg']],
  ] as const) {
    await post('/users', { name, collection: COLLECTION, images: await Promise.all(photos.map(b64)) });
  }
}

async function runLevel(port: number, streams: number, frames: Buffer[]): Promise<Level> {
  const level: Level = { streams, sent: 0, answered: 0, superseded: 0, rate: 0, refused: {}, latency: [], serverMs: [], health: [], rssMb: 0 };
  const clients = await Promise.all(Array.from({ length: streams }, () => openClient(port, level)));
  const started = performance.now();
  const timers = clients.map((client, i) => {
    let next = i; // each stream starts at its own frame
    return setInterval(() => client.send(frames[next++ % frames.length]), 1000 / FPS);
  });
  const health = probeHealth(port, level, started + SECONDS * 1000);
  await sleep(SECONDS * 1000);
  for (const t of timers) clearInterval(t);
  await health;
  await sleep(SETTLE_MS);
  for (const client of clients) client.close();
  return level;
}

/** One stream: frames are binary (a 4-byte sequence number, then the JPEG), answers matched by their seq. */
async function openClient(port: number, level: Level): Promise<{ send(frame: Buffer): void; close(): void }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/stream`, ['facegate.v1', `facegate.key.${ADMIN_KEY}`]);
  const sentAt = new Map<number, number>();
  let seq = 0;
  await new Promise<void>((resolveReady, reject) => {
    socket.once('error', reject);
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as {
        type: string;
        seq?: number;
        ms?: number;
        code?: string;
        reason?: string;
        settings?: { op?: string };
      };
      if (message.type === 'ready' && message.settings?.op === 'recognize') return resolveReady();
      if (message.seq === undefined) return;
      const at = sentAt.get(message.seq);
      sentAt.delete(message.seq);
      if (message.type === 'result' && at !== undefined) {
        level.answered++;
        level.latency.push(performance.now() - at);
        level.serverMs.push(message.ms ?? NaN);
      } else if (message.type === 'dropped') {
        if (message.reason === 'rate') level.rate++;
        else level.superseded++;
      } else if (message.type === 'error') {
        level.refused[message.code ?? '?'] = (level.refused[message.code ?? '?'] ?? 0) + 1;
      }
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'config', op: 'recognize', collection: COLLECTION })));
  });
  return {
    send(frame) {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(++seq);
      sentAt.set(seq, performance.now());
      level.sent++;
      socket.send(Buffer.concat([head, frame]));
    },
    close: () => socket.close(),
  };
}

async function probeHealth(port: number, level: Level, until: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  while (performance.now() < until) {
    const started = performance.now();
    const res = await get(port, '/health', agent);
    if (res.status === 200) level.health.push(performance.now() - started);
  }
  agent.destroy();
}

function summary(l: Level): string {
  return JSON.stringify({
    sent: l.sent,
    answered: l.answered,
    superseded: l.superseded,
    rate: l.rate,
    refused: l.refused,
    p50: ms(percentile(l.latency, 50)),
    p95: ms(percentile(l.latency, 95)),
    healthP99: ms(percentile(l.health, 99)),
    rssMb: l.rssMb,
  });
}

function markdown(levels: Level[]): string {
  const perSecond = (n: number) => (n / SECONDS).toFixed(1);
  const rows = levels.map((l) => {
    const refused = Object.entries(l.refused)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    return (
      `| ${l.streams} | ${perSecond(l.sent)} | ${perSecond(l.answered)} | ${perSecond(l.superseded + l.rate)}${l.rate > 0 ? ` (rate ${l.rate})` : ''} | ${refused || '0'} | ` +
      `${ms(percentile(l.latency, 50))} | ${ms(percentile(l.latency, 95))} | ${ms(percentile(l.serverMs, 50))} | ${ms(percentile(l.health, 50))} | ${ms(percentile(l.health, 99))} | ${l.rssMb} |`
    );
  });
  return [
    '## Live streams (WebSocket)',
    '',
    `${machineLine()}. \`npm run bench -- --only stream\` (scripts/bench/stream.bench.ts): the server as \`npm start\` runs it, on PostgreSQL, default engine settings; ` +
      `each stream sends ${FPS} webcam frames a second (640x480 JPEG, binary messages) for ${SECONDS} s as \`recognize\` frames in a photo-search collection of 3 people; ` +
      'the clients and a back-to-back `GET /health` prober run in the bench process on the same machine. Latency is from sending a frame to its answer; ' +
      '"engine" is the server\'s own time for the frame (`ms`). Dropped frames were replaced by a newer one while the connection had one in the engine (latest frame wins).',
    '',
    '| streams | frames sent/s | answered/s | dropped/s | refused | latency p50 | latency p95 | engine p50 | /health p50 | /health p99 | server RSS MB |',
    '|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
