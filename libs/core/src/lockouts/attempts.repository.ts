import { Injectable } from '@nestjs/common';
import { isForeignKeyViolation, Prisma, PrismaService } from '@facegate/database';

/** The budget rules the statements apply, from the configuration. */
export interface BudgetRules {
  maxFailures: number;
  windowSeconds: number;
  cooldownSeconds: number;
  /**
   * The slow budget: a leaky bucket of failures that drains dailyFailures per daySeconds. It holds dailyFailures at
   * most; a failure that fills it locks the key out of the person until one failure's worth has drained.
   */
  dailyFailures: number;
  daySeconds: number;
  /** After this, attempts still marked in flight are taken as abandoned (an instance died mid-verification). */
  staleSeconds: number;
}

/** A lock a failure caused: until when, after how many failures, and which budget it spent. */
export interface Lock {
  lockedUntil: Date;
  failures: number;
  horizon: 'window' | 'day';
}

export type AttemptOutcome = 'success' | 'failure' | 'void';

export interface Refusal {
  /** Locked (true) or only out of budget while attempts are in flight (false). */
  locked: boolean;
  retryAfterSeconds: number;
}

/**
 * Verification attempts per (person, API key), in the database so that every instance shares them. Each statement
 * or transaction locks the one row it works on, so concurrent requests, on PostgreSQL or on the single-backend
 * embedded database, are counted one after the other.
 */
@Injectable()
export class AttemptsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Reserves one attempt if the key's budget for the person allows it: not locked, and failures in the window plus
   * attempts in flight below the window's maximum, and the day's failures plus attempts in flight below the day's. One INSERT ... ON CONFLICT DO UPDATE ... WHERE: the conflicting row is
   * locked and the WHERE is evaluated on its newest version, so a burst of N requests reserves at most the budget.
   * 'gone' when the person (or the key) was deleted a moment ago.
   */
  async reserve(userId: string, keyId: string, rules: BudgetRules): Promise<'reserved' | 'refused' | 'gone'> {
    try {
      return (await this.insertReservation(userId, keyId, rules)) ? 'reserved' : 'refused';
    } catch (error) {
      if (isForeignKeyViolation(error)) return 'gone';
      throw error;
    }
  }

  private async insertReservation(userId: string, keyId: string, rules: BudgetRules): Promise<boolean> {
    const { maxFailures, windowSeconds, staleSeconds } = rules;
    const rows = await this.prisma.client.$queryRaw<Array<{ reserved: number }>>`
      INSERT INTO verification_lockouts AS v (user_id, key_id, failures, window_started_at, in_flight, in_flight_until)
      VALUES (${userId}::uuid, ${keyId}::uuid, 0, now(), 1, now() + make_interval(secs => ${staleSeconds}))
      ON CONFLICT (user_id, key_id) DO UPDATE SET
        failures = CASE WHEN v.window_started_at < now() - make_interval(secs => ${windowSeconds}) THEN 0 ELSE v.failures END,
        window_started_at = CASE WHEN v.window_started_at < now() - make_interval(secs => ${windowSeconds}) THEN now() ELSE v.window_started_at END,
        in_flight = CASE WHEN v.in_flight_until IS NULL OR v.in_flight_until < now() THEN 1 ELSE v.in_flight + 1 END,
        -- The row keeps one deadline for all its attempts in flight: the latest (a liveness session's outlives a
        -- /verify's). GREATEST skips a NULL, and a lapsed deadline is earlier than the new one.
        in_flight_until = GREATEST(v.in_flight_until, now() + make_interval(secs => ${staleSeconds}))
      WHERE (v.locked_until IS NULL OR v.locked_until <= now())
        AND (CASE WHEN v.window_started_at < now() - make_interval(secs => ${windowSeconds}) THEN 0 ELSE v.failures END)
          + (CASE WHEN v.in_flight_until IS NULL OR v.in_flight_until < now() THEN 0 ELSE v.in_flight END) < ${maxFailures}
        AND ${roomForOneMore(
          Prisma.sql`${dayLevelNow(rules, 'v')} + (CASE WHEN v.in_flight_until IS NULL OR v.in_flight_until < now() THEN 0 ELSE v.in_flight END)`,
          rules,
        )}
      RETURNING 1 AS reserved`;
    return rows.length === 1;
  }

  /**
   * Why a reservation was refused, and when to try again (seconds, from the database's clock): a lock, a slow budget
   * with no room for one more failure (locked too: it happens without a lock when the budget was lowered), or
   * attempts in flight.
   */
  async refusal(userId: string, keyId: string, rules: BudgetRules): Promise<Refusal> {
    const rows = await this.prisma.client.$queryRaw<Array<{ locked: boolean; noRoom: boolean; retry: number }>>`
      SELECT locked, no_room AS "noRoom",
             GREATEST(1, ceil(CASE
               WHEN locked THEN extract(epoch FROM locked_until - now())
               WHEN no_room THEN (level + 1 - ${rules.dailyFailures}) / ${drainPerSecond(rules)}::float8
               ELSE extract(epoch FROM coalesce(in_flight_until, now()) - now()) END))::int AS retry
      FROM (SELECT locked_until, in_flight_until, level, coalesce(locked_until > now(), false) AS locked,
                   NOT ${roomForOneMore(Prisma.sql`level`, rules)} AS no_room
            FROM (SELECT locked_until, in_flight_until, ${dayLevelNow(rules)} AS level FROM verification_lockouts
                  WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid) AS budget) AS v`;
    const row = rows[0];
    return { locked: (row?.locked || row?.noRoom) ?? false, retryAfterSeconds: row?.retry ?? 1 };
  }

  /**
   * Settles a reserved attempt: a failure counts (see countFailure), a success clears this key's failures in the short
   * window only (never the slow budget: an attacker's budget must not grow each time the person signs in), a void
   * attempt (no face, engine busy...) only frees its reservation. An attempt settled while the key is locked out of
   * the person (a charge locked it meanwhile) counts nothing and must not be answered: 'withheld'. Otherwise the lock
   * this attempt caused, if any.
   */
  async settle(userId: string, keyId: string, outcome: AttemptOutcome, rules: BudgetRules): Promise<Lock | 'withheld' | null> {
    return this.prisma.client.$transaction(async (tx) => {
      const row = await lockedRow(tx, userId, keyId, rules);
      if (!row) return null;
      if (outcome === 'failure' && !row.locked) return countFailure(tx, userId, keyId, row, rules, 1);
      const success = outcome === 'success' && !row.locked;
      await tx.$executeRaw`
        UPDATE verification_lockouts SET
          in_flight = GREATEST(in_flight - 1, 0),
          failures = CASE WHEN ${success} THEN 0 ELSE failures END,
          window_started_at = CASE WHEN ${success} THEN now() ELSE window_started_at END
        WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid`;
      return row.locked && outcome !== 'void' ? 'withheld' : null;
    });
  }

  /**
   * Settles a liveness session's reserved attempt as a failure. As settle() does, except on a key locked out of the
   * person meanwhile: the session's verdicts were given, so it still fills the slow budget (countDuringLock), as a
   * charge does, and frees its slot.
   */
  async settleJudged(userId: string, keyId: string, rules: BudgetRules): Promise<Lock | null> {
    return this.prisma.client.$transaction(async (tx) => {
      const row = await lockedRow(tx, userId, keyId, rules);
      return row ? countJudged(tx, userId, keyId, row, rules, 1) : null;
    });
  }

  /**
   * Counts one failure judged elsewhere (a liveness session that failed on frames of this person), outside the
   * reservations: it neither needs nor frees a slot, so attempts kept in flight cannot crowd it out. Locks the key out
   * of the person when it spends a budget, as settle() does. On a key already locked it still fills the slow budget
   * (countDuringLock): sessions judged during a lock are no free tries. 'gone' when the person (or the key) was deleted
   * a moment ago.
   */
  async charge(
    userId: string,
    keyId: string,
    rules: BudgetRules,
  ): Promise<{ outcome: 'charged' | 'already_locked' | 'gone' } | { outcome: 'locked'; lock: Lock }> {
    try {
      return await this.prisma.client.$transaction(async (tx) => {
        await tx.$executeRaw`
          INSERT INTO verification_lockouts (user_id, key_id, failures, window_started_at)
          VALUES (${userId}::uuid, ${keyId}::uuid, 0, now()) ON CONFLICT (user_id, key_id) DO NOTHING`;
        const row = await lockedRow(tx, userId, keyId, rules);
        if (!row) return { outcome: 'gone' as const }; // deleted (with its person) between the insert and the read
        const lock = await countJudged(tx, userId, keyId, row, rules, 0);
        if (row.locked) return { outcome: 'already_locked' as const };
        return lock ? { outcome: 'locked' as const, lock } : { outcome: 'charged' as const };
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) return { outcome: 'gone' };
      throw error;
    }
  }

  /**
   * Of these people, the ones this key was locked out of at any time after `at` (their latest lock ended later), or,
   * without `at`, the ones it is locked out of now (the database's clock: 1:N must not name them either).
   */
  async lockedAfter(keyId: string, userIds: readonly string[], at?: Date): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.prisma.client.$queryRaw<Array<{ userId: string }>>`
      SELECT user_id::text AS "userId" FROM verification_lockouts
      WHERE key_id = ${keyId}::uuid AND user_id = ANY(${userIds as string[]}::uuid[])
        AND locked_until > coalesce(${at ?? null}::timestamptz, now())`;
    return new Set(rows.map((r) => r.userId));
  }

  /** Of these people, the ones this key is locked out of now. */
  lockedFor(keyId: string, userIds: readonly string[]): Promise<Set<string>> {
    return this.lockedAfter(keyId, userIds);
  }
}

/** Levels are fractional (the bucket drains continuously): comparisons allow for rounding. */
const LEVEL_TOLERANCE = 1e-6;

/**
 * The slow budget's one rule, in SQL (reservations, refusals) and in JS (a failure being counted): a level leaves room
 * for one more failure while it is at most one below the budget.
 */
function roomForOneMore(level: Prisma.Sql, rules: BudgetRules): Prisma.Sql {
  return Prisma.sql`(${level} + 1 <= ${rules.dailyFailures + LEVEL_TOLERANCE})`;
}

function hasRoomForOneMore(level: number, rules: BudgetRules): boolean {
  return level + 1 <= rules.dailyFailures + LEVEL_TOLERANCE;
}

function drainPerSecond(rules: BudgetRules): number {
  return rules.dailyFailures / rules.daySeconds;
}

/** The slow budget's level now: what it held at day_level_at, less what has drained since. */
function dayLevelNow(rules: BudgetRules, alias?: string): Prisma.Sql {
  const at = Prisma.raw(alias ? `${alias}.day_level_at` : 'day_level_at');
  const level = Prisma.raw(alias ? `${alias}.day_level` : 'day_level');
  return Prisma.sql`GREATEST(0, ${level} - extract(epoch FROM now() - ${at}) * ${drainPerSecond(rules)}::float8)`;
}

/** A budget row read under FOR UPDATE, with its window and level already judged against the database's clock. */
interface BudgetRow {
  failures: number;
  expired: boolean;
  dayLevel: number;
  locked: boolean;
}

type Tx = Parameters<Parameters<PrismaService['client']['$transaction']>[0]>[0];

async function lockedRow(tx: Tx, userId: string, keyId: string, rules: BudgetRules): Promise<BudgetRow | undefined> {
  const rows = await tx.$queryRaw<BudgetRow[]>`
    SELECT failures, window_started_at < now() - make_interval(secs => ${rules.windowSeconds}) AS expired,
           ${dayLevelNow(rules)}::float8 AS "dayLevel", coalesce(locked_until > now(), false) AS locked
    FROM verification_lockouts WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid FOR UPDATE`;
  return rows[0];
}

/**
 * A charge on a key already locked out of the person: a liveness session judged during the lock (or one that ran
 * before it and was charged after) was a verdict all the same. It fills the slow budget, and once that holds no room
 * for one more failure, the lock lasts at least until there is (never shortened). The short window is left alone.
 * `released`: the reservation this failure settles (1), none for a charge (0).
 */
async function countDuringLock(tx: Tx, userId: string, keyId: string, row: BudgetRow, rules: BudgetRules, released: 0 | 1): Promise<void> {
  const dayLevel = row.dayLevel + 1;
  const drainSeconds = hasRoomForOneMore(dayLevel, rules) ? 0 : (dayLevel - (rules.dailyFailures - 1)) / drainPerSecond(rules);
  await tx.$executeRaw`
    UPDATE verification_lockouts SET
      in_flight = GREATEST(in_flight - ${released}, 0),
      day_level = ${dayLevel}::float8,
      day_level_at = now(),
      locked_until = GREATEST(locked_until, now() + make_interval(secs => ${drainSeconds}::float8))
    WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid`;
}

/**
 * A failure whose verdict was answered (a charge, `released` 0, or a liveness session's reserved attempt, 1): counted
 * by the one rule on a key not locked out of the person, and in the slow budget during a lock. Returns the lock it
 * caused, if any.
 */
async function countJudged(tx: Tx, userId: string, keyId: string, row: BudgetRow, rules: BudgetRules, released: 0 | 1): Promise<Lock | null> {
  if (!row.locked) return countFailure(tx, userId, keyId, row, rules, released);
  await countDuringLock(tx, userId, keyId, row, rules, released);
  return null;
}

/**
 * The one rule for a failure, whether a settled attempt or a charge, on a key not locked out of the person: it counts
 * in the short window and in the slow budget. Spending the window's budget locks the key out for the cool-down and
 * starts a fresh window; filling the slow budget locks it until one failure's worth has drained (a day's budget of
 * 20 drains one every 72 minutes), and for the cool-down at least. `released`: the reservation this failure settles
 * (1), none for a charge (0).
 */
async function countFailure(tx: Tx, userId: string, keyId: string, row: BudgetRow, rules: BudgetRules, released: 0 | 1): Promise<Lock | null> {
  const failures = (row.expired ? 0 : row.failures) + 1;
  const dayLevel = row.dayLevel + 1;
  // Locked as soon as there is no room for one more failure (the reservation's own test), until there is.
  const daily = !hasRoomForOneMore(dayLevel, rules);
  const lock = daily || failures >= rules.maxFailures;
  const lockSeconds = Math.max(lock ? rules.cooldownSeconds : 0, daily ? (dayLevel - (rules.dailyFailures - 1)) / drainPerSecond(rules) : 0);
  const updated = await tx.$queryRaw<Array<{ lockedUntil: Date | null }>>`
    UPDATE verification_lockouts SET
      in_flight = GREATEST(in_flight - ${released}, 0),
      failures = ${lock ? 0 : failures},
      window_started_at = CASE WHEN ${row.expired || lock} THEN now() ELSE window_started_at END,
      day_level = ${dayLevel}::float8,
      day_level_at = now(),
      locked_until = CASE WHEN ${lock} THEN now() + make_interval(secs => ${lockSeconds}::float8) ELSE locked_until END
    WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid
    RETURNING locked_until AS "lockedUntil"`;
  const lockedUntil = updated[0]?.lockedUntil;
  if (!lock || !lockedUntil) return null;
  return { lockedUntil, failures: daily ? Math.round(dayLevel) : failures, horizon: daily ? 'day' : 'window' };
}
