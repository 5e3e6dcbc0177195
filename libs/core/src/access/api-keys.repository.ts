import { Injectable } from '@nestjs/common';
import { PrismaService } from '@facegate/database';

export interface StoredKey {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string[];
  collections: string[];
  lastUsedAt: Date | null;
  createdAt: Date;
  revokedAt: Date | null;
}

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  findActiveByPrefix(prefix: string): Promise<StoredKey | null> {
    return this.prisma.client.apiKey.findFirst({ where: { prefix, revokedAt: null } });
  }

  /** Active or revoked: prefixes are unique across all keys ever issued. */
  findByPrefix(prefix: string): Promise<StoredKey | null> {
    return this.prisma.client.apiKey.findUnique({ where: { prefix } });
  }

  countActive(): Promise<number> {
    return this.prisma.client.apiKey.count({ where: { revokedAt: null } });
  }

  async create(input: { name: string; prefix: string; hash: string; scopes: string[]; collections: string[] }): Promise<StoredKey> {
    return this.prisma.client.apiKey.create({ data: input });
  }

  list(): Promise<StoredKey[]> {
    return this.prisma.client.apiKey.findMany({ orderBy: { createdAt: 'asc' } });
  }

  findById(id: string): Promise<StoredKey | null> {
    return this.prisma.client.apiKey.findUnique({ where: { id } });
  }

  /** Revocation is immediate: every request looks the key up, nothing caches it. */
  async revoke(id: string, at: Date): Promise<boolean> {
    const { count } = await this.prisma.client.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    return count > 0;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.client.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }
}
