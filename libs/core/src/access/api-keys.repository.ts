import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@facegate/database';

export interface StoredKey {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string[];
  /** Names of the bound collections that exist now, in binding order; empty with empty ids = every collection. */
  collections: string[];
  /** What the key is bound to: collection ids, so a name reused after a deletion never reaches the old key. */
  collectionIds: string[];
  lastUsedAt: Date | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A key's columns, with its bindings' current names (one statement: the lookup runs on every request). */
const KEY_COLUMNS = Prisma.sql`k.id::text AS id, k.name, k.prefix, k.hash, k.scopes, k.collection_ids::text[] AS "collectionIds",
  ARRAY(SELECT c.name FROM collections c WHERE c.id = ANY (k.collection_ids) ORDER BY array_position(k.collection_ids, c.id)) AS collections,
  k.created_at AS "createdAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"`;

/**
 * Usable: not revoked, and unbound or bound to at least one collection that still exists. A key whose every
 * collection is gone (created while its only collection was being deleted) is bound to nothing, not to everything.
 */
const ACTIVE = Prisma.sql`k.revoked_at IS NULL
  AND (cardinality(k.collection_ids) = 0 OR EXISTS (SELECT 1 FROM collections c WHERE c.id = ANY (k.collection_ids)))`;

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  findActiveByPrefix(prefix: string): Promise<StoredKey | null> {
    return this.one(Prisma.sql`k.prefix = ${prefix} AND ${ACTIVE}`);
  }

  /** Active or revoked: prefixes are unique across all keys ever issued. */
  findByPrefix(prefix: string): Promise<StoredKey | null> {
    return this.one(Prisma.sql`k.prefix = ${prefix}`);
  }

  /** The key if it is still usable (a stream re-reads it before every frame: revocation and bindings as they are now). */
  findActiveById(id: string): Promise<StoredKey | null> {
    return this.one(Prisma.sql`k.id = ${id}::uuid AND ${ACTIVE}`);
  }

  countActive(): Promise<number> {
    return this.prisma.client.apiKey.count({ where: { revokedAt: null } });
  }

  /**
   * Stores a key bound to the named collections, or returns null when one of them does not exist (or, for a bound
   * creator, is not among `grantableIds`: a name deleted and reused since it authenticated). The collections are
   * locked (FOR KEY SHARE) until the key is stored, so a collection deleted meanwhile waits for it and then revokes or
   * unbinds it like any other key of its (see CollectionsRepository.delete).
   */
  async create(input: {
    name: string;
    prefix: string;
    hash: string;
    scopes: string[];
    collections: string[];
    /** The creating key's own collection ids: a bound key grants only those (empty: no such limit). */
    grantableIds?: string[];
  }): Promise<StoredKey | null> {
    const { collections, grantableIds = [], ...key } = input;
    return this.prisma.client.$transaction(async (tx) => {
      const found =
        collections.length === 0
          ? []
          : await tx.$queryRaw<Array<{ id: string; name: string }>>`
              SELECT id::text AS id, name FROM collections
              WHERE name = ANY (${collections}::text[]) AND (cardinality(${grantableIds}::uuid[]) = 0 OR id = ANY (${grantableIds}::uuid[]))
              FOR KEY SHARE`;
      if (found.length !== collections.length) return null;
      const idOf = new Map(found.map((c) => [c.name, c.id]));
      const collectionIds = collections.map((name) => idOf.get(name)!);
      // The names too, for instances of the previous release during a rolling upgrade (see the schema).
      const stored = await tx.apiKey.create({ data: { ...key, collectionIds, collections } });
      return { ...stored, collections };
    });
  }

  list(): Promise<StoredKey[]> {
    return this.prisma.client.$queryRaw<StoredKey[]>`SELECT ${KEY_COLUMNS} FROM api_keys k ORDER BY k.created_at, k.id`;
  }

  findById(id: string): Promise<StoredKey | null> {
    return this.one(Prisma.sql`k.id = ${id}::uuid`);
  }

  /** Revocation is immediate: every request looks the key up, nothing caches it. */
  async revoke(id: string, at: Date): Promise<boolean> {
    const { count } = await this.prisma.client.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    return count > 0;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.client.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }

  private async one(where: Prisma.Sql): Promise<StoredKey | null> {
    const [key] = await this.prisma.client.$queryRaw<StoredKey[]>`SELECT ${KEY_COLUMNS} FROM api_keys k WHERE ${where}`;
    return key ?? null;
  }
}
