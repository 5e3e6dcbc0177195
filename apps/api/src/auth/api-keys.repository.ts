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
}

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  findActiveByPrefix(prefix: string): Promise<StoredKey | null> {
    return this.prisma.client.apiKey.findFirst({ where: { prefix, revokedAt: null } });
  }

  countActive(): Promise<number> {
    return this.prisma.client.apiKey.count({ where: { revokedAt: null } });
  }

  async create(input: { name: string; prefix: string; hash: string; scopes: string[]; collections: string[] }): Promise<StoredKey> {
    return this.prisma.client.apiKey.create({ data: input });
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.client.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }
}
