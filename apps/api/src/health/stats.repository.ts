import { Injectable } from '@nestjs/common';
import { PrismaService } from '@facegate/database';

export interface GalleryCounts {
  collections: number;
  users: number;
  faces: number;
}

/** Gallery counts for /stats, over every collection or only the ones a bound key may see (by id). */
@Injectable()
export class StatsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async counts(onlyIds?: string[]): Promise<GalleryCounts> {
    const client = this.prisma.client;
    const inCollections = onlyIds ? { collectionId: { in: onlyIds } } : {};
    const [collections, users, faces] = await Promise.all([
      client.collection.count({ where: onlyIds ? { id: { in: onlyIds } } : {} }),
      client.user.count({ where: inCollections }),
      client.face.count({ where: inCollections }),
    ]);
    return { collections, users, faces };
  }
}
