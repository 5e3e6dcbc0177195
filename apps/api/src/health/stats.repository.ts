import { Injectable } from '@nestjs/common';
import { PrismaService } from '@facegate/database';

export interface GalleryCounts {
  collections: number;
  users: number;
  faces: number;
}

/** Gallery counts for /stats, over every collection or only the ones a bound key may see. */
@Injectable()
export class StatsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async counts(only?: string[]): Promise<GalleryCounts> {
    const client = this.prisma.client;
    const inCollections = only ? { collection: { name: { in: only } } } : {};
    const [collections, users, faces] = await Promise.all([
      client.collection.count({ where: only ? { name: { in: only } } : {} }),
      client.user.count({ where: inCollections }),
      client.face.count({ where: inCollections }),
    ]);
    return { collections, users, faces };
  }
}
