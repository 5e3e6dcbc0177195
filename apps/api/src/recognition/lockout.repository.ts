import { Injectable } from '@nestjs/common';
import { PrismaService } from '@facegate/database';

/** Failed-verification counters per person. Each statement is atomic, so parallel guesses cannot under-count. */
@Injectable()
export class LockoutRepository {
  constructor(private readonly prisma: PrismaService) {}

  async lockedUntil(userId: string): Promise<Date | null> {
    const row = await this.prisma.client.verificationLockout.findFirst({
      where: { userId, lockedUntil: { gt: new Date() } },
      select: { lockedUntil: true },
    });
    return row?.lockedUntil ?? null;
  }

  /** Counts one failure, restarting the count when the window has passed; returns the failures in the window. */
  async addFailure(userId: string, windowSeconds: number): Promise<number> {
    const rows = await this.prisma.client.$queryRaw<Array<{ failures: number }>>`
      INSERT INTO verification_lockouts (user_id, failures, window_started_at)
      VALUES (${userId}::uuid, 1, now())
      ON CONFLICT (user_id) DO UPDATE SET
        failures = CASE WHEN verification_lockouts.window_started_at < now() - make_interval(secs => ${windowSeconds})
                        THEN 1 ELSE verification_lockouts.failures + 1 END,
        window_started_at = CASE WHEN verification_lockouts.window_started_at < now() - make_interval(secs => ${windowSeconds})
                                 THEN now() ELSE verification_lockouts.window_started_at END
      RETURNING failures`;
    return rows[0]?.failures ?? 1;
  }

  /** Locks verification of the person for the cool-down and starts a fresh count. */
  async lock(userId: string, cooldownSeconds: number): Promise<Date> {
    const rows = await this.prisma.client.$queryRaw<Array<{ lockedUntil: Date }>>`
      UPDATE verification_lockouts
      SET locked_until = now() + make_interval(secs => ${cooldownSeconds}), failures = 0, window_started_at = now()
      WHERE user_id = ${userId}::uuid
      RETURNING locked_until AS "lockedUntil"`;
    return rows[0].lockedUntil;
  }

  /** A successful verification clears the count. */
  async reset(userId: string): Promise<void> {
    await this.prisma.client.verificationLockout.updateMany({ where: { userId, failures: { gt: 0 } }, data: { failures: 0 } });
  }
}
