import { Inject, Injectable, Optional } from '@nestjs/common';
import { DATABASE_OBSERVER, DatabaseObserver, Prisma, PrismaService, timedOperation } from '@facegate/database';
import { KeysetCursor } from '../common/keyset-cursor';

export interface AuditEntry {
  action: string;
  outcome: string;
  keyId?: string | null;
  collection?: string | null;
  userId?: string | null;
  similarity?: number | null;
  liveness?: number | null;
  clientIp?: string | null;
  requestId?: string | null;
  details?: Record<string, string | number | boolean | null | string[]>;
}

export interface AuditFilter {
  collection?: string;
  /**
   * A bound key's collections, by id: only the events of each of them written since it was created. Audit rows carry
   * collection names, so a deleted collection's history stays with it when another is created under the same name
   * (another tenant): the new one's events start at its own creation.
   */
  collectionIds?: string[];
  userId?: string;
  outcome?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

@Injectable()
export class AuditRepository {
  constructor(
    private readonly prisma: PrismaService,
    @Optional() @Inject(DATABASE_OBSERVER) private readonly observer?: DatabaseObserver,
  ) {}

  async insert(entry: AuditEntry): Promise<void> {
    await timedOperation(this.observer, 'audit_write', () => this.prisma.client.auditEvent.create({ data: { ...entry, details: entry.details ?? {} } }));
  }

  /** Newest first, keyset-paginated on (at, id). */
  async list(filter: AuditFilter, limit: number, before?: KeysetCursor) {
    const scope = filter.collectionIds
      ? await this.sinceCreated(filter.collectionIds, filter.collection)
      : filter.collection
        ? { collection: filter.collection }
        : {};
    const where: Prisma.AuditEventWhereInput = {
      ...scope,
      ...(filter.userId ? { userId: filter.userId } : {}),
      ...(filter.outcome ? { outcome: filter.outcome } : {}),
      ...(filter.action ? { action: filter.action } : {}),
      ...(filter.from || filter.to ? { at: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } } : {}),
    };
    const page = before ? { OR: [{ at: { lt: before.at } }, { at: before.at, id: { lt: before.id } }] } : {};
    const rows = await this.prisma.client.auditEvent.findMany({
      where: { AND: [where, page] },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }

  /** Events of these collections (of them, the one named, if any) written since each was created; none of a missing one. */
  private async sinceCreated(ids: string[], name?: string): Promise<Prisma.AuditEventWhereInput> {
    const current = await this.prisma.client.collection.findMany({ where: { id: { in: ids }, name }, select: { name: true, createdAt: true } });
    // None left: match nothing. (Prisma drops an empty OR, which would match every event.)
    if (current.length === 0) return { id: { in: [] } };
    return { OR: current.map((c) => ({ collection: c.name, at: { gte: c.createdAt } })) };
  }

  async purgeBefore(cutoff: Date): Promise<number> {
    const { count } = await this.prisma.client.auditEvent.deleteMany({ where: { at: { lt: cutoff } } });
    return count;
  }
}
