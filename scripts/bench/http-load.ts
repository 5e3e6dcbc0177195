/**
 * The HTTP load the API benchmarks send, with no dependency on the app (so a process of its own can run it): closed-loop
 * callers, and a client that sends bodies serialised once up front over kept-alive node:http connections, so that
 * each request costs the client a write and a read, not a JSON.stringify of a photo.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from './bench-report';

export interface LoadResult {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  requests: number;
  errors: number;
}

export interface HealthResult {
  healthP50: number;
  healthP99: number;
  healthMax: number;
  /** Answers other than 200 (a refused connection too): a fast 503 must not pass for a fast health check. */
  healthErrors: number;
}

/** One load level: `clients` callers POSTing `bodies` in turn to `base/route` for `seconds`, after a warm-up. */
export interface LoadJob {
  base: string;
  route: string;
  apiKey: string;
  clients: number;
  seconds: number;
  /** JSON request bodies, serialised. */
  bodies: string[];
  /** GET /health every this many ms while the level runs; none when absent. */
  healthEveryMs?: number;
}

/**
 * `callers` closed-loop callers (each calls again as soon as its last call answered) for `seconds`: latency
 * percentiles of every call, and the rate of those that succeeded (`call` resolves false for a failure).
 */
export async function closedLoop(callers: number, seconds: number, call: (i: number) => Promise<boolean>): Promise<LoadResult> {
  const times: number[] = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) {
        const begun = performance.now();
        const ok = await call(next++);
        times.push(performance.now() - begun);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return {
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    rps: (times.length - errors) / elapsed,
    requests: times.length,
    errors,
  };
}

/** Resolves the status code once the whole answer is read (0 when the connection failed). */
function send(agent: Agent, url: URL, method: 'GET' | 'POST', headers: Record<string, string | number>, body?: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent, method, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Runs one job: the warm-up (two requests a client), the level, and /health meanwhile when asked. */
export async function runLoadJob(job: LoadJob): Promise<{ load: LoadResult; health?: HealthResult }> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.clients + 1 });
  const url = new URL(`${job.base}/${job.route}`);
  const bodies = job.bodies.map((b) => Buffer.from(b));
  const post = async (i: number) => {
    const body = bodies[i % bodies.length];
    const headers = { 'Content-Type': 'application/json', 'Content-Length': body.length, 'X-API-Key': job.apiKey };
    return (await send(agent, url, 'POST', headers, body)) === 200;
  };
  try {
    for (let i = 0; i < job.clients * 2; i++) await post(i);
    const health: number[] = [];
    let healthErrors = 0;
    let running = job.healthEveryMs !== undefined;
    const probing = (async () => {
      while (running) {
        const start = performance.now();
        if ((await send(agent, new URL(`${job.base}/health`), 'GET', {})) !== 200) healthErrors++;
        health.push(performance.now() - start);
        await new Promise((r) => setTimeout(r, job.healthEveryMs));
      }
    })();
    const load = await closedLoop(job.clients, job.seconds, post);
    running = false;
    await probing;
    if (job.healthEveryMs === undefined) return { load };
    return { load, health: { healthP50: percentile(health, 50), healthP99: percentile(health, 99), healthMax: Math.max(...health), healthErrors } };
  } finally {
    agent.destroy();
  }
}
