import { Logger, OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';

// The record type is not exported from the package root; derive it rather than deep-import from dist/.
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export interface RedisThrottlerStorageOptions {
  /** Namespace for every key; instances that share it (and the Redis) share one rate-limit budget. */
  prefix?: string;
}

export const DEFAULT_THROTTLE_PREFIX = 'facegate:throttle';

/**
 * One round trip, atomic, so concurrent requests from several app instances can neither lose hits nor double-block.
 * KEYS: hit counter, block flag. ARGV: ttl ms, limit, blockDuration ms. Returns {hits, counter PTTL, blocked, block PTTL}.
 *
 * It mirrors @nestjs/throttler's in-memory ThrottlerStorageService:
 * - while blocked, hits are not counted and the block runs its full blockDuration, whatever the window does;
 * - the hit that goes over the limit starts the block; once the block has expired the next hit starts over at 1
 *   (a live counter above limit + 1 can only be left over from an expired block, since blocked hits are not counted);
 * - blockDuration <= 0 means "no block": a hit at the limit is refused, not counted, and reported as hits + 1, and
 *   it may retry when the window ends.
 * One difference: the in-memory store expires each hit ttl after it was made (a sliding log); this counter expires
 * all hits together at the end of a fixed window that starts at the first hit, so across a window edge a client can
 * get up to 2 x limit through in little more than ttl. That is the usual price of an O(1) Redis counter.
 */
const INCREMENT_SCRIPT = `
local hitsKey, blockKey = KEYS[1], KEYS[2]
local ttl, limit, blockDuration = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])

local blockTtl = redis.call('PTTL', blockKey)
if blockTtl > 0 then
  return {tonumber(redis.call('GET', hitsKey) or '0'), redis.call('PTTL', hitsKey), 1, blockTtl}
end

if blockDuration <= 0 then
  local hits = tonumber(redis.call('GET', hitsKey) or '0')
  if hits >= limit then
    return {hits + 1, redis.call('PTTL', hitsKey), 1, 0}
  end
end

local hits = redis.call('INCR', hitsKey)
-- A new counter has no expiry yet; checking PTTL rather than hits == 1 also heals a counter that somehow lost it.
if redis.call('PTTL', hitsKey) == -1 then
  redis.call('PEXPIRE', hitsKey, ttl)
end

if blockDuration > 0 and hits > limit + 1 then
  redis.call('SET', hitsKey, 1, 'KEEPTTL')
  hits = 1
elseif blockDuration > 0 and hits > limit then
  redis.call('SET', blockKey, 1, 'PX', blockDuration, 'NX')
  return {hits, redis.call('PTTL', hitsKey), 1, redis.call('PTTL', blockKey)}
end
return {hits, redis.call('PTTL', hitsKey), 0, 0}
`;

type IncrementReply = [hits: number, windowTtlMs: number, blocked: 0 | 1, blockTtlMs: number];

interface ThrottleClient extends Redis {
  throttleIncrement(hitsKey: string, blockKey: string, ttl: number, limit: number, blockDuration: number): Promise<IncrementReply>;
}

/**
 * ThrottlerStorage for @nestjs/throttler v6 backed by Redis, so every app instance draws on one budget per client.
 *
 * If Redis is unreachable, increment() rejects (after ioredis's single reconnect attempt) and the request fails with
 * a 500, i.e. throttled routes fail CLOSED. This is an authentication service: the throttle is what bounds spoof and
 * guessing attempts against a face and floods of CPU-heavy inference, and failing open would silently drop both
 * protections for as long as the outage lasts (which an attacker may also be able to prolong). Failing closed makes
 * the outage loud and keeps the guarantee; a deployment that prefers availability can run without REDIS_URL and use
 * the per-instance in-memory storage instead.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: ThrottleClient;
  private readonly prefix: string;
  /** Log an outage once, not on every reconnect attempt. */
  private reportedDown = false;
  private closing?: Promise<void>;

  constructor(redisUrl: string, options: RedisThrottlerStorageOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_THROTTLE_PREFIX;
    // Offline queue on, one retry: a request made during a brief reconnect waits for it instead of failing at once,
    // but one made during a real outage fails after a single reconnect attempt rather than hanging.
    this.redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true }) as ThrottleClient;
    this.redis.defineCommand('throttleIncrement', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
    this.watchConnection();
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const hitsKey = this.keyFor(throttlerName, key);
    const reply = await this.redis.throttleIncrement(hitsKey, `${hitsKey}:blocked`, ttl, limit, blockDuration).catch((cause: unknown) => {
      throw new Error('Rate-limit store (Redis) is unavailable; refusing the request rather than not throttling it', { cause });
    });
    return toRecord(reply, ttl);
  }

  /** The Redis key of a throttler's hit counter; its block flag is the same key plus ":blocked". */
  keyFor(throttlerName: string, key: string): string {
    return `${this.prefix}:${throttlerName}:${key}`;
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** Idempotent, so Nest's shutdown hook and a test's afterAll can both call it. */
  close(): Promise<void> {
    this.closing ??= this.quit();
    return this.closing;
  }

  private async quit(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      // QUIT cannot be sent while Redis is down; dropping the socket and stopping reconnects is all that is left.
      this.redis.disconnect();
    }
  }

  // Without an 'error' listener ioredis prints every failed reconnect to the console.
  private watchConnection(): void {
    this.redis.on('error', (error: Error) => {
      if (this.reportedDown) return;
      this.reportedDown = true;
      this.logger.error(`Redis connection failed; throttled routes will fail until it is back: ${error.message}`);
    });
    this.redis.on('ready', () => {
      if (this.reportedDown) this.logger.log('Redis connection restored');
      this.reportedDown = false;
    });
  }
}

/** Redis reports milliseconds; the throttler wants whole seconds rounded up, as the in-memory store reports them. */
function toRecord([hits, windowTtlMs, blocked, blockTtlMs]: IncrementReply, ttl: number): ThrottlerStorageRecord {
  const isBlocked = blocked === 1;
  // No counter (blocked past the end of its window): report a fresh window, as the in-memory store does.
  const timeToExpire = toSeconds(windowTtlMs > 0 ? windowTtlMs : ttl);
  // A refusal without a block (blockDuration <= 0) may retry when the window ends.
  const blockSeconds = blockTtlMs > 0 ? toSeconds(blockTtlMs) : timeToExpire;
  return { totalHits: hits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? blockSeconds : 0 };
}

function toSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}
