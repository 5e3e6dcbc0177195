import { Injectable } from '@nestjs/common';
import { isForeignKeyViolation, PrismaService } from '@facegate/database';

/** The budget rules the statements apply, from the configuration. */
export interface BudgetRules {
  maxFailures: number;
  windowSeconds: number;
  cooldownSeconds: number;
  /** Failures over the long horizon (daySeconds) that lock the key out of the person until that horizon ends. */
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
    const { maxFailures, windowSeconds, dailyFailures, daySeconds, staleSeconds } = rules;
    const rows = await this.prisma.client.$queryRaw<Array<{ reserved: number }>>`
      INSERT INTO verification_lockouts AS v (user_id, key_id, failures, window_started_at, in_flight, in_flight_until)
      VALUES (${userId}::uuid, ${keyId}::uuid, 0, now(), 1, now() + make_interval(secs => ${staleSeconds}))
      ON CONFLICT (user_id, key_id) DO UPDATE SET
        failures = CASE WHEN v.window_started_at < now() - make_interval(secs => ${windowSeconds}) THEN 0 ELSE v.failures END,
        window_started_at = CASE WHEN v.window_started_at < now() - make_interval(secs => ${windowSeconds}) THEN now() ELSE v.window_started_at END,
        in_flight = CASE WHEN v.in_flight_until IS NULL OR v.in_flight_until < now() THEN 1 ELSE v.in_flight + 1 END,
        in_flight_until = now() + make_interval(secs => ${staleSeconds})
      WHERE (v.locked_until IS NULL OR v.locked_until <= now())
        AND (CASE WHEN v.window_started_at < now() - make_interval(secs => ${windowSeconds}) THEN 0 ELSE v.failures END)
          + (CASE WHEN v.in_flight_until IS NULL OR v.in_flight_until < now() THEN 0 ELSE v.in_flight END) < ${maxFailures}
        AND (CASE WHEN v.day_started_at < now() - make_interval(secs => ${daySeconds}) THEN 0 ELSE v.day_failures END)
          + (CASE WHEN v.in_flight_until IS NULL OR v.in_flight_until < now() THEN 0 ELSE v.in_flight END) < ${dailyFailures}
      RETURNING 1 AS reserved`;
    return rows.length === 1;
  }

  /** Why a reservation was refused, and when to try again (seconds, from the database's clock). */
  async refusal(userId: string, keyId: string): Promise<Refusal> {
    const rows = await this.prisma.client.$queryRaw<Array<{ locked: boolean; retry: number }>>`
      SELECT coalesce(locked_until > now(), false) AS locked,
             GREATEST(1, ceil(extract(epoch FROM coalesce(
               CASE WHEN locked_until > now() THEN locked_until ELSE in_flight_until END, now()) - now())))::int AS retry
      FROM verification_lockouts WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid`;
    const row = rows[0];
    return { locked: row?.locked ?? false, retryAfterSeconds: row?.retry ?? 1 };
  }

  /**
   * Settles a reserved attempt: a failure counts (see countFailure), a success clears this key's failures in the short
   * window only (not the day's: an attacker's budget must not grow each time the person signs in), a void attempt (no
   * face, engine busy...) only frees its reservation. Returns the lock when this attempt caused one.
   */
  async settle(userId: string, keyId: string, outcome: AttemptOutcome, rules: BudgetRules): Promise<Lock | null> {
    return this.prisma.client.$transaction(async (tx) => {
      const row = await lockedRow(tx, userId, keyId, rules);
      if (!row) return null;
      if (outcome === 'failure') return countFailure(tx, userId, keyId, row, rules, 1);
      const success = outcome === 'success';
      await tx.$executeRaw`
        UPDATE verification_lockouts SET
          in_flight = GREATEST(in_flight - 1, 0),
          failures = CASE WHEN ${success} THEN 0 ELSE failures END,
          window_started_at = CASE WHEN ${success} THEN now() ELSE window_started_at END
        WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid`;
      return null;
    });
  }

  /**
   * Counts one failure judged elsewhere (a liveness session that failed on frames of this person), outside the
   * reservations: it neither needs nor frees a slot, so attempts kept in flight cannot crowd it out. Locks the key out
   * of the person when it spends a budget, as settle() does; a key already locked is left as it is. 'gone' when the
   * person (or the key) was deleted a moment ago.
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
        if (row.locked) return { outcome: 'already_locked' as const };
        const lock = await countFailure(tx, userId, keyId, row, rules, 0);
        return lock ? { outcome: 'locked' as const, lock } : { outcome: 'charged' as const };
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) return { outcome: 'gone' };
      throw error;
    }
  }

  /** Whether this key was locked out of the person at any time after `at` (its latest lock ended later). */
  async lockedAfter(userId: string, keyId: string, at: Date): Promise<boolean> {
    const rows = await this.prisma.client.$queryRaw<Array<{ locked: boolean }>>`
      SELECT true AS locked FROM verification_lockouts
      WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid AND locked_until > ${at}`;
    return rows.length > 0;
  }

  /** Of these people, the ones this key is locked out of now (1:N must not name them either). */
  async lockedFor(keyId: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.prisma.client.$queryRaw<Array<{ userId: string }>>`
      SELECT user_id::text AS "userId" FROM verification_lockouts
      WHERE key_id = ${keyId}::uuid AND user_id = ANY(${userIds}::uuid[]) AND locked_until > now()`;
    return new Set(rows.map((r) => r.userId));
  }
}

/** A budget row read under FOR UPDATE, with its windows already judged against the database's clock. */
interface BudgetRow {
  failures: number;
  expired: boolean;
  dayFailures: number;
  dayExpired: boolean;
  locked: boolean;
}

type Tx = Parameters<Parameters<PrismaService['client']['$transaction']>[0]>[0];

async function lockedRow(tx: Tx, userId: string, keyId: string, rules: BudgetRules): Promise<BudgetRow | undefined> {
  const rows = await tx.$queryRaw<BudgetRow[]>`
    SELECT failures, window_started_at < now() - make_interval(secs => ${rules.windowSeconds}) AS expired,
           day_failures AS "dayFailures", day_started_at < now() - make_interval(secs => ${rules.daySeconds}) AS "dayExpired",
           coalesce(locked_until > now(), false) AS locked
    FROM verification_lockouts WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid FOR UPDATE`;
  return rows[0];
}

/**
 * The one rule for a failure, whether a settled attempt or a charge: it counts in the short window and in the day.
 * Spending the window's budget locks the key out of the person for the cool-down and starts a fresh window; spending
 * the day's locks it until the day ends (at least the cool-down), and the day's count starts over only then.
 * `released`: the reservation this failure settles (1), none for a charge (0).
 */
async function countFailure(tx: Tx, userId: string, keyId: string, row: BudgetRow, rules: BudgetRules, released: 0 | 1): Promise<Lock | null> {
  const failures = (row.expired ? 0 : row.failures) + 1;
  const dayFailures = (row.dayExpired ? 0 : row.dayFailures) + 1;
  const daily = dayFailures >= rules.dailyFailures;
  const lock = daily || failures >= rules.maxFailures;
  const updated = await tx.$queryRaw<Array<{ lockedUntil: Date | null }>>`
    UPDATE verification_lockouts SET
      in_flight = GREATEST(in_flight - ${released}, 0),
      failures = ${lock ? 0 : failures},
      window_started_at = CASE WHEN ${row.expired || lock} THEN now() ELSE window_started_at END,
      day_failures = ${dayFailures},
      day_started_at = CASE WHEN ${row.dayExpired} THEN now() ELSE day_started_at END,
      locked_until = CASE
        WHEN ${daily} THEN GREATEST(now() + make_interval(secs => ${rules.cooldownSeconds}),
          CASE WHEN ${row.dayExpired} THEN now() ELSE day_started_at END + make_interval(secs => ${rules.daySeconds}))
        WHEN ${lock} THEN now() + make_interval(secs => ${rules.cooldownSeconds})
        ELSE locked_until END
    WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid
    RETURNING locked_until AS "lockedUntil"`;
  const lockedUntil = updated[0]?.lockedUntil;
  return lock && lockedUntil ? { lockedUntil, failures: daily ? dayFailures : failures, horizon: daily ? 'day' : 'window' } : null;
}
