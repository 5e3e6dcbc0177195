import { join } from 'node:path';
import { DomainError } from '@facegate/common';
import { codeOf } from '../../../../test/error-code';
import { JobSettledEvent, WorkerPool } from './worker-pool';

/*
 * Real worker threads, so the integration tier (the unit tier has no threads). Every test starts its own pool, so
 * none depends on what another left behind, and waits for conditions instead of sleeping fixed times.
 */
const script = join(__dirname, '__fixtures__', 'test.worker.ts');

/** Polls `condition` every 20 ms until it holds; fails after `ms`. */
async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('WorkerPool', () => {
  let pool: WorkerPool;
  let logs: string[];

  beforeEach(async () => {
    logs = [];
    pool = new WorkerPool({ script, size: 2, jobTimeoutMs: 1500, maxQueue: 5, stuckAfterMs: 2000, onLog: (_l, m) => logs.push(m) });
    await pool.start();
  });
  afterEach(() => pool.close());

  it('runs jobs and returns their results', async () => {
    await expect(pool.run('echo', { a: 1 })).resolves.toEqual({ a: 1 });
    expect(pool.info.provider).toBe('test');
  });

  it('passes coded errors through with their details', async () => {
    const error = (await pool.run('coded', null).catch((e: unknown) => e)) as DomainError;
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('NO_FACE');
    expect(error.details).toEqual({ index: 2 });
  });

  it('turns unexpected errors into ENGINE_FAILURE without leaking their message', async () => {
    const error = (await pool.run('throw', null).catch((e: unknown) => e)) as DomainError;
    expect(error.code).toBe('ENGINE_FAILURE');
    expect(error.message).not.toContain('secret');
  });

  it('survives a job that crashes its worker and keeps serving', async () => {
    const before = pool.stats().restarts;
    expect(await codeOf(pool.run('crash', null))).toBe('ENGINE_FAILURE');
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.run('echo', i)));
    expect(results).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pool.stats().restarts).toBe(before + 1);
    expect(pool.healthy).toBe(true);
  });

  it('answers ENGINE_TIMEOUT for a job that hangs, replaces its worker, and stops the stuck one later', async () => {
    const restarts = pool.stats().restarts;
    expect(await codeOf(pool.run('hang', null))).toBe('ENGINE_TIMEOUT');
    await expect(pool.run('echo', 'after')).resolves.toBe('after');
    expect(pool.stats().restarts).toBe(restarts + 1);
    await until(() => logs.some((m) => m.includes('stuck')));
  });

  it('refuses work beyond the queue limit with ENGINE_BUSY instead of queueing without bound', async () => {
    // Both workers up, so both hanging jobs start and leave the queue.
    await until(() => pool.stats().ready === 2);
    const hangs = [pool.run('hang', null), pool.run('hang', null)];
    const queued = Array.from({ length: 5 }, (_, i) => pool.run('echo', i));
    expect(await codeOf(pool.run('echo', 'overflow'))).toBe('ENGINE_BUSY');
    expect(await Promise.all(hangs.map(codeOf))).toEqual(['ENGINE_TIMEOUT', 'ENGINE_TIMEOUT']);
    await expect(Promise.all(queued)).resolves.toEqual([0, 1, 2, 3, 4]);
  });
});

describe('WorkerPool sharing a job between workers', () => {
  let pool: WorkerPool;
  beforeEach(async () => {
    pool = new WorkerPool({ script, size: 2, jobTimeoutMs: 1500, maxQueue: 5, stuckAfterMs: 2000, partOps: ['whoami', 'crash', 'hang'] });
    await pool.start();
    await until(() => pool.stats().ready === 2);
  });
  afterEach(() => pool.close());

  it('runs the offered part on the idle worker while the offering one works', async () => {
    const { self, remote, built } = await pool.run<{ self: number; remote: number | null; built: boolean }>('split', 'whoami');
    expect(built).toBe(true);
    expect(remote).toEqual(expect.any(Number));
    expect(remote).not.toBe(self);
    expect(pool.shared).toBe(1);
    // A part is not a job of its own in the pool's counts.
    expect(pool.stats().completed).toBe(1);
  });

  it('declines the offer when the other worker is busy, and the job still completes', async () => {
    const slow = pool.run('slow', 'x');
    await until(() => pool.stats().busy === 1);
    // The pool's idle count is 0, so the worker does not even build the part's payload.
    await expect(pool.run('split', 'whoami')).resolves.toMatchObject({ remote: null, built: false });
    await slow;
    expect(pool.shared).toBe(0);
  });

  it('answers the offering worker "run it yourself" when the part crashes its worker', async () => {
    await expect(pool.run('split', 'crash')).resolves.toMatchObject({ remote: null });
    await until(() => pool.stats().ready === 2);
    expect(pool.stats()).toMatchObject({ completed: 1, failed: 0, restarts: 1 });
    await expect(pool.run('echo', 'after')).resolves.toBe('after');
  });
});

describe('WorkerPool parts that misbehave', () => {
  it('answers "run it yourself" when a part hangs, before the job that offered it times out', async () => {
    const pool = new WorkerPool({ script, size: 2, jobTimeoutMs: 1500, maxQueue: 5, stuckAfterMs: 2000, partOps: ['hang'] });
    await pool.start();
    try {
      await until(() => pool.stats().ready === 2);
      await expect(pool.run('split', 'hang')).resolves.toMatchObject({ remote: null, built: true });
      expect(pool.stats()).toMatchObject({ completed: 1, failed: 0 });
    } finally {
      await pool.close();
    }
  });

  it('never runs an operation it was not told parts may use', async () => {
    const pool = new WorkerPool({ script, size: 2, jobTimeoutMs: 1500, maxQueue: 5, partOps: ['whoami'] });
    await pool.start();
    try {
      await until(() => pool.stats().ready === 2);
      await expect(pool.run('split', 'crash')).resolves.toMatchObject({ remote: null, built: true });
      expect(pool.stats().restarts).toBe(0);
      expect(pool.shared).toBe(0);
    } finally {
      await pool.close();
    }
  });
});

describe('WorkerPool lifecycle', () => {
  it('close() lets a running job finish instead of leaving it pending', async () => {
    const pool = new WorkerPool({ script, size: 1, jobTimeoutMs: 5000, maxQueue: 5 });
    await pool.start();
    const running = pool.run('slow', 'done');
    await until(() => pool.stats().busy === 1);
    const queued = codeOf(pool.run('echo', 'never started'));
    await pool.close();
    await expect(running).resolves.toBe('done');
    expect(await queued).toBe('ENGINE_FAILURE');
    expect(await codeOf(pool.run('echo', 1))).toBe('ENGINE_FAILURE');
  });

  it('answers a late job ENGINE_TIMEOUT at once, then retires its worker when the job ends', async () => {
    const pool = new WorkerPool({ script, size: 1, jobTimeoutMs: 150, maxQueue: 5 });
    await pool.start();
    try {
      expect(await codeOf(pool.run('slow', 'late'))).toBe('ENGINE_TIMEOUT');
      // A replacement serves while the late worker is still busy.
      await expect(pool.run('echo', 'next')).resolves.toBe('next');
      await until(() => pool.stats().busy === 0);
      expect(pool.stats()).toMatchObject({ size: 1, ready: 1, busy: 0, restarts: 1 });
    } finally {
      await pool.close();
    }
  });
});

describe('WorkerPool start-up failure', () => {
  it('rejects start() with the reason when the worker cannot initialise', async () => {
    const pool = new WorkerPool({ script: join(__dirname, '__fixtures__', 'missing.worker.ts'), size: 1, jobTimeoutMs: 1000, maxQueue: 1 });
    await expect(pool.start()).rejects.toThrow();
    expect(await codeOf(pool.run('echo', 1))).toBe('ENGINE_FAILURE');
    await pool.close();
  });
});

describe('WorkerPool job events', () => {
  it('reports each job once with its outcome, queue wait and run time', async () => {
    const events: JobSettledEvent[] = [];
    const pool = new WorkerPool({ script, size: 1, jobTimeoutMs: 5000, maxQueue: 1, onJobSettled: (e) => events.push(e) });
    await pool.start();
    try {
      const slow = pool.run('slow', 'a');
      const queued = pool.run('echo', 'b');
      expect(await codeOf(pool.run('echo', 'overflow'))).toBe('ENGINE_BUSY');
      await Promise.all([slow, queued]);
      expect(await codeOf(pool.run('coded', null))).toBe('NO_FACE');
    } finally {
      await pool.close();
    }
    expect(events.map((e) => [e.op, e.outcome])).toEqual([
      ['echo', 'rejected'],
      ['slow', 'ok'],
      ['echo', 'ok'],
      ['coded', 'error'],
    ]);
    const [, slowEvent, queuedEvent] = events;
    expect(slowEvent.runMs).toBeGreaterThan(0);
    // The echo waited in the queue while the slow job ran.
    expect(queuedEvent.waitMs).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ waitMs: 0, runMs: 0 });
  });
});
