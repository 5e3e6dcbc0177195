import { Injectable } from '@nestjs/common';
import { PrismaService } from '@facegate/database';

export interface LockoutRow {
  userId: string;
  externalId: string | null;
  name: string;
  collection: string;
  keyId: string;
  keyPrefix: string;
  keyName: string;
  /** The locked key's own collection ids (who may see which key is a rule of its own: mayManageKey). */
  keyCollectionIds: string[];
  lockedUntil: Date;
}

export interface LockoutFilter {
  /** Only these collections, by id (a key bound to collections); undefined = all. */
  collectionIds?: string[];
  collection?: string;
  userId?: string;
  limit: number;
}

/** The operator's view of locks: who is locked, by which key's failures, until when; and clearing them. */
@Injectable()
export class LockoutsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Locks in force now, soonest to end first. "Now" is the database's clock, as for every lock decision (and clear(),
   * which ends a lock at the database's now): the app's clock may lag it, and a just-lifted lock would still be listed.
   */
  async active(filter: LockoutFilter): Promise<LockoutRow[]> {
    const [{ now }] = await this.prisma.client.$queryRaw<Array<{ now: Date }>>`SELECT now() AS now`;
    const rows = await this.prisma.client.verificationLockout.findMany({
      where: {
        lockedUntil: { gt: now },
        userId: filter.userId,
        user: { collectionId: filter.collectionIds ? { in: filter.collectionIds } : undefined, collection: { name: filter.collection } },
      },
      orderBy: [{ lockedUntil: 'asc' }, { userId: 'asc' }],
      take: filter.limit,
      select: {
        userId: true,
        lockedUntil: true,
        user: { select: { externalId: true, name: true, collection: { select: { name: true } } } },
        key: { select: { id: true, prefix: true, name: true, collectionIds: true } },
      },
    });
    return rows.map((r) => ({
      userId: r.userId,
      externalId: r.user.externalId,
      name: r.user.name,
      collection: r.user.collection.name,
      keyId: r.key.id,
      keyPrefix: r.key.prefix,
      keyName: r.key.name,
      keyCollectionIds: r.key.collectionIds,
      lockedUntil: r.lockedUntil!,
    }));
  }

  /**
   * Lifts the person's locks and forgets their failures, the slow budget's too (for one key, or all); attempts in
   * flight stay counted. A lock in force ends now rather than being erased: a liveness token from a session that was
   * open while the key was locked out (lockedAfter: the lock ended after the session opened) stays refused, so the
   * free tries a lock gave (its sessions charge nothing) do not become usable when an operator clears it. The end is
   * cut to the millisecond: the column keeps milliseconds, and a rounded-up end would read as "still locked" for an
   * instant after now.
   */
  async clear(userId: string, keyId?: string): Promise<number> {
    return this.prisma.client.$executeRaw`
      UPDATE verification_lockouts
      SET locked_until = CASE WHEN locked_until > now() THEN date_trunc('milliseconds', now()) ELSE locked_until END, failures = 0, day_level = 0
      WHERE user_id = ${userId}::uuid AND (${keyId ?? null}::uuid IS NULL OR key_id = ${keyId ?? null}::uuid)
        AND (locked_until > now() OR failures > 0 OR day_level > 0)`;
  }
}
