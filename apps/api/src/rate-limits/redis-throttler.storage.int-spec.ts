import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { RedisThrottlerStorage } from './redis-throttler.storage';

// Needs a real Redis (see docker-compose.yml); REDIS_URL overrides the local default.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MINUTE = 60_000;

type StorageRecord = Awaited<ReturnType<ThrottlerStorageService['increment']>>;
type Call = [key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string];

/** The in-memory store reports a meaningless timeToBlockExpire when not blocked (the guard ignores it), so drop it. */
function comparable(record: StorageRecord): StorageRecord {
  return { ...record, timeToBlockExpire: record.isBlocked ? record.timeToBlockExpire : 0 };
}

/** A port nothing listens on: bind an ephemeral one and release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('RedisThrottlerStorage (real Redis)', () => {
  let admin: Redis;
  let prefix: string;
  let opened: RedisThrottlerStorage[];
  let memory: ThrottlerStorageService;

  function storage(): RedisThrottlerStorage {
    const created = new RedisThrottlerStorage(REDIS_URL, { prefix });
    opened.push(created);
    return created;
  }

  /** Runs the same call on Redis and on the in-memory reference and expects the same answer. */
  async function both(redis: RedisThrottlerStorage, ...call: Call): Promise<StorageRecord> {
    const fromRedis = await redis.increment(...call);
    const fromMemory = await memory.increment(...call);
    expect(comparable(fromRedis)).toEqual(comparable(fromMemory));
    return fromRedis;
  }

  async function keysUnderPrefix(): Promise<string[]> {
    return admin.keys(`${prefix}:*`);
  }

  beforeAll(() => {
    admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await admin.quit();
  });

  beforeEach(() => {
    prefix = `facegate-test:throttle:${randomUUID()}`;
    opened = [];
    memory = new ThrottlerStorageService();
  });

  afterEach(async () => {
    memory.onApplicationShutdown();
    await Promise.all(opened.map((each) => each.close()));
    const keys = await keysUnderPrefix();
    if (keys.length > 0) await admin.del(...keys);
  });

  it('counts hits within a window and reports timeToExpire in seconds', async () => {
    const redis = storage();
    for (const expected of [1, 2, 3]) {
      const record = await both(redis, 'client-a', MINUTE, 5, MINUTE, 'default');
      expect(record).toEqual({ totalHits: expected, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    }
  });

  it('namespaces keys as prefix:throttlerName:key with a separate block key, all expiring', async () => {
    const redis = storage();
    await redis.increment('client-a', MINUTE, 1, 30_000, 'burst');
    await redis.increment('client-a', MINUTE, 1, 30_000, 'burst');

    expect((await keysUnderPrefix()).sort()).toEqual([`${prefix}:burst:client-a`, `${prefix}:burst:client-a:blocked`]);
    expect(await admin.pttl(`${prefix}:burst:client-a`)).toBeGreaterThan(MINUTE - 5_000);
    expect(await admin.pttl(`${prefix}:burst:client-a:blocked`)).toBeGreaterThan(25_000);
  });

  it('blocks the hit that exceeds the limit, stops counting, and reports timeToBlockExpire in seconds', async () => {
    const redis = storage();
    await both(redis, 'client-a', MINUTE, 2, 30_000, 'default');
    await both(redis, 'client-a', MINUTE, 2, 30_000, 'default');

    const over = await both(redis, 'client-a', MINUTE, 2, 30_000, 'default');
    expect(over).toEqual({ totalHits: 3, timeToExpire: 60, isBlocked: true, timeToBlockExpire: 30 });
    const again = await both(redis, 'client-a', MINUTE, 2, 30_000, 'default');
    expect(again).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 30 });
  });

  it('unblocks after blockDuration and starts counting again from 1, though the window is still open', async () => {
    const redis = storage();
    await both(redis, 'client-a', MINUTE, 1, 400, 'default');
    expect(await both(redis, 'client-a', MINUTE, 1, 400, 'default')).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });

    await sleep(700);
    expect(await both(redis, 'client-a', MINUTE, 1, 400, 'default')).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('stays blocked for the whole blockDuration even when the window rolls over first', async () => {
    const redis = storage();
    await both(redis, 'client-a', 300, 1, 1_500, 'default');
    expect(await both(redis, 'client-a', 300, 1, 1_500, 'default')).toMatchObject({ isBlocked: true, timeToBlockExpire: 2 });

    await sleep(600); // the 300 ms window is over, the 1.5 s block is not
    expect(await both(redis, 'client-a', 300, 1, 1_500, 'default')).toMatchObject({ isBlocked: true });

    await sleep(1_400);
    expect(await both(redis, 'client-a', 300, 1, 1_500, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('starts a new window once the ttl has passed', async () => {
    const redis = storage();
    await both(redis, 'client-a', 300, 2, 300, 'default');
    await both(redis, 'client-a', 300, 2, 300, 'default');

    await sleep(600);
    expect(await both(redis, 'client-a', 300, 2, 300, 'default')).toEqual({ totalHits: 1, timeToExpire: 1, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('with blockDuration 0 refuses hits over the limit without counting them or blocking beyond the window', async () => {
    const redis = storage();
    await both(redis, 'client-a', 500, 2, 0, 'default');
    await both(redis, 'client-a', 500, 2, 0, 'default');

    const refused = await both(redis, 'client-a', 500, 2, 0, 'default');
    expect(refused).toEqual({ totalHits: 3, timeToExpire: 1, isBlocked: true, timeToBlockExpire: 1 });
    expect(await both(redis, 'client-a', 500, 2, 0, 'default')).toMatchObject({ totalHits: 3, isBlocked: true });
    expect(await admin.exists(`${prefix}:default:client-a:blocked`)).toBe(0);

    await sleep(800);
    expect(await both(redis, 'client-a', 500, 2, 0, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps separate keys and separate throttler names independent', async () => {
    const redis = storage();
    await redis.increment('client-a', MINUTE, 1, MINUTE, 'default');
    expect(await redis.increment('client-a', MINUTE, 1, MINUTE, 'default')).toMatchObject({ isBlocked: true });

    expect(await redis.increment('client-b', MINUTE, 1, MINUTE, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await redis.increment('client-a', MINUTE, 1, MINUTE, 'long')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps separate prefixes independent', async () => {
    const redis = storage();
    const otherPrefix = `${prefix}-other`;
    const other = new RedisThrottlerStorage(REDIS_URL, { prefix: otherPrefix });
    opened.push(other);
    await redis.increment('client-a', MINUTE, 1, MINUTE, 'default');

    try {
      expect(await other.increment('client-a', MINUTE, 1, MINUTE, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
    } finally {
      await admin.del(other.keyFor('default', 'client-a'));
    }
  });

  it('lets two instances (two clients, one prefix) share one budget', async () => {
    const [first, second] = [storage(), storage()];
    expect(await first.increment('client-a', MINUTE, 3, MINUTE, 'default')).toMatchObject({ totalHits: 1 });
    expect(await second.increment('client-a', MINUTE, 3, MINUTE, 'default')).toMatchObject({ totalHits: 2 });
    expect(await first.increment('client-a', MINUTE, 3, MINUTE, 'default')).toMatchObject({ totalHits: 3, isBlocked: false });

    expect(await second.increment('client-a', MINUTE, 3, MINUTE, 'default')).toMatchObject({ totalHits: 4, isBlocked: true });
    expect(await first.increment('client-a', MINUTE, 3, MINUTE, 'default')).toMatchObject({ isBlocked: true, timeToBlockExpire: 60 });
  });

  it('admits exactly the limit when two instances race', async () => {
    const [first, second] = [storage(), storage()];
    const calls = Array.from({ length: 40 }, (_, i) => (i % 2 ? first : second).increment('client-a', MINUTE, 10, MINUTE, 'default'));

    const records = await Promise.all(calls);
    const admitted = records.filter((record) => !record.isBlocked).map((record) => record.totalHits);
    expect(admitted.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(records.filter((record) => record.isBlocked).every((record) => record.totalHits === 11)).toBe(true);
  });

  it('rejects (fails closed) when Redis is unreachable, and still closes', async () => {
    const down = new RedisThrottlerStorage(`redis://127.0.0.1:${await closedPort()}`, { prefix });
    try {
      await expect(down.increment('client-a', MINUTE, 1, MINUTE, 'default')).rejects.toThrow(/Redis\) is unavailable/);
    } finally {
      await down.close();
      // ioredis arms a disconnectTimeout (2 s) timer on the dead socket; let it run out so jest can exit cleanly.
      await sleep(2_100);
    }
  });
});
