import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@facegate/database';

const FIELDS = {
  id: true,
  name: true,
  description: true,
  settings: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { users: true, faces: true } },
} as const;

export type CollectionRecord = Prisma.CollectionGetPayload<{ select: typeof FIELDS }>;

const SETTINGS_FIELDS = { id: true, name: true, settings: true } as const;
export type CollectionSettingsRecord = Prisma.CollectionGetPayload<{ select: typeof SETTINGS_FIELDS }>;

@Injectable()
export class CollectionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: { name: string; description?: string; settings: object }): Promise<CollectionRecord> {
    return this.prisma.client.collection.create({ data: { ...data, settings: data.settings }, select: FIELDS });
  }

  /** Every collection, or only these (by id). */
  list(ids?: string[]): Promise<CollectionRecord[]> {
    return this.prisma.client.collection.findMany({ where: ids ? { id: { in: ids } } : {}, orderBy: { name: 'asc' }, select: FIELDS });
  }

  /** What access checks need: id, name and the stored settings, by name. */
  findSettings(name: string): Promise<CollectionSettingsRecord | null> {
    return this.prisma.client.collection.findUnique({ where: { name }, select: SETTINGS_FIELDS });
  }

  /** What access checks need, of every collection or only these (by id). */
  listSettings(ids?: readonly string[]): Promise<CollectionSettingsRecord[]> {
    return this.prisma.client.collection.findMany({ where: ids ? { id: { in: [...ids] } } : {}, orderBy: { name: 'asc' }, select: SETTINGS_FIELDS });
  }

  findSettingsById(id: string): Promise<CollectionSettingsRecord | null> {
    return this.prisma.client.collection.findUnique({ where: { id }, select: SETTINGS_FIELDS });
  }

  find(name: string): Promise<CollectionRecord | null> {
    return this.prisma.client.collection.findUnique({ where: { name }, select: FIELDS });
  }

  /** By id: the collection the caller was checked against, not whichever holds its name by now. */
  async update(id: string, data: { description?: string; settings?: object }): Promise<CollectionRecord | null> {
    const { count } = await this.prisma.client.collection.updateMany({
      where: { id },
      data: {
        ...(data.description !== undefined ? { description: data.description } : {}),
        ...(data.settings !== undefined ? { settings: data.settings } : {}),
      },
    });
    return count === 0 ? null : this.prisma.client.collection.findUnique({ where: { id }, select: FIELDS });
  }

  /**
   * Deletes the collection with its people, faces and lockouts (ON DELETE CASCADE), and the keys' bindings to it in
   * the same transaction. A key bound to this collection alone is revoked (removing its only binding would make it
   * unbound: every collection); a key bound to others too loses this one. Keys bind by id, so a collection created
   * later under this name is never the old keys' anyway; this keeps the key list honest and the keys' rights exact.
   * By id: the collection the caller was checked against, not whichever holds its name by now.
   */
  async delete(id: string): Promise<{ users: number; faces: number; keysRevoked: number; keysUnbound: number } | null> {
    return this.prisma.client.$transaction(async (tx) => {
      const found = await tx.collection.findUnique({ where: { id }, select: { name: true, _count: { select: { users: true, faces: true } } } });
      if (!found) return null;
      const name = found.name;
      await tx.collection.delete({ where: { id } });
      // One statement decides revoke or unbind per row: when another delete changed the row meanwhile, PostgreSQL
      // re-evaluates both against the row as it is now (two statements could each skip a key bound to both).
      const [keys] = await tx.$queryRaw<Array<{ revoked: number; unbound: number }>>`
        WITH changed AS (
          UPDATE api_keys SET
            revoked_at = CASE WHEN cardinality(array_remove(collection_ids, ${id}::uuid)) = 0 THEN now() ELSE revoked_at END,
            collection_ids = CASE WHEN cardinality(array_remove(collection_ids, ${id}::uuid)) = 0 THEN collection_ids
              ELSE array_remove(collection_ids, ${id}::uuid) END,
            -- The names, read by instances of the previous release during a rolling upgrade, follow the ids.
            collections = CASE WHEN cardinality(array_remove(collection_ids, ${id}::uuid)) = 0 THEN collections
              ELSE array_remove(collections, ${name}) END
          WHERE revoked_at IS NULL AND ${id}::uuid = ANY (collection_ids)
          RETURNING revoked_at IS NOT NULL AS revoked
        )
        SELECT count(*) FILTER (WHERE revoked)::int AS revoked, count(*) FILTER (WHERE NOT revoked)::int AS unbound FROM changed`;
      return { users: found._count.users, faces: found._count.faces, keysRevoked: keys.revoked, keysUnbound: keys.unbound };
    });
  }
}
