import { join } from 'node:path';
import { DomainError } from '@facegate/common';
import { WorkerPool } from './worker-pool';

const script = join(__dirname, '__fixtures__', 'test.worker.ts');

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'resolved';
  } catch (error) {
    return error instanceof DomainError ? error.code : `not coded: ${String(error)}`;
  }
};

describe('WorkerPool', () => {
  let pool: WorkerPool;
  const logs: string[] = [];

  beforeAll(async () => {
    pool = new WorkerPool({ script, size: 2, jobTimeoutMs: 1500, maxQueue: 5, onLog: (_l, m) => logs.push(m) });
    await pool.start();
  });
  afterAll(() => pool.close());

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

  it('kills and replaces a worker whose job overruns the timeout', async () => {
    expect(await codeOf(pool.run('hang', null))).toBe('ENGINE_TIMEOUT');
    await expect(pool.run('echo', 'after')).resolves.toBe('after');
  });

  it('refuses work beyond the queue limit with ENGINE_BUSY instead of queueing without bound', async () => {
    // The worker replaced by the previous test must be up, so both hanging jobs start and leave the queue.
    while (pool.stats().ready < 2) await new Promise((r) => setTimeout(r, 20));
    const hangs = [pool.run('hang', null), pool.run('hang', null)];
    const queued = Array.from({ length: 5 }, (_, i) => pool.run('echo', i));
    expect(await codeOf(pool.run('echo', 'overflow'))).toBe('ENGINE_BUSY');
    expect((await Promise.all(hangs.map(codeOf)))).toEqual(['ENGINE_TIMEOUT', 'ENGINE_TIMEOUT']);
    await expect(Promise.all(queued)).resolves.toEqual([0, 1, 2, 3, 4]);
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
