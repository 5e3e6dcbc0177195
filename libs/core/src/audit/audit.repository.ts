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
   * A bound key's collections: only the events of each collection as it exists now, written since it was created. A
   * deleted collection's history stays with it when another is created under the same name (another tenant).
   */
  collections?: string[];
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
    const named = filter.collection ? [filter.collection] : undefined;
    const scope = filter.collections ? await this.sinceCreated(named ?? filter.collections) : named ? { collection: filter.collection } : {};
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

  /** Events of these collections written since each one, as it exists now, was created (none for a missing one). */
  private async sinceCreated(names: string[]): Promise<Prisma.AuditEventWhereInput> {
    const current = await this.prisma.client.collection.findMany({ where: { name: { in: names } }, select: { name: true, createdAt: true } });
    // An empty OR matches nothing: a key whose collections are all gone sees no history.
    return { OR: current.map((c) => ({ collection: c.name, at: { gte: c.createdAt } })) };
  }

  async purgeBefore(cutoff: Date): Promise<number> {
    const { count } = await this.prisma.client.auditEvent.deleteMany({ where: { at: { lt: cutoff } } });
    return count;
  }
}
