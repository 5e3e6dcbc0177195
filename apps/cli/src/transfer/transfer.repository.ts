import { Injectable } from '@nestjs/common';
import { PrismaService } from '@facegate/database';

const PERSON_FIELDS = {
  id: true,
  externalId: true,
  name: true,
  metadata: true,
  collection: { select: { name: true } },
  faces: { select: { id: true, box: true, score: true, quality: true, modelId: true }, orderBy: { createdAt: 'asc' as const } },
} as const;

/** The reads export and import need beyond the API's repositories. Embeddings are read by FaceVectorRepository. */
@Injectable()
export class TransferRepository {
  constructor(private readonly prisma: PrismaService) {}

  collections(name?: string) {
    return this.prisma.client.collection.findMany({
      where: name ? { name } : {},
      orderBy: { name: 'asc' },
      select: { id: true, name: true, description: true, settings: true },
    });
  }

  /** Keyset page on the user id: constant cost per page however far into a large gallery, no OFFSET scans. */
  usersPage(collectionIds: string[], afterId: string | undefined, limit: number) {
    return this.prisma.client.user.findMany({
      where: { collectionId: { in: collectionIds }, ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take: limit,
      select: PERSON_FIELDS,
    });
  }

  /** Which of these externalIds already exist in the collection. */
  async existingExternalIds(collectionId: string, externalIds: string[]): Promise<Set<string>> {
    if (externalIds.length === 0) return new Set();
    const rows = await this.prisma.client.user.findMany({ where: { collectionId, externalId: { in: externalIds } }, select: { externalId: true } });
    return new Set(rows.map((r) => r.externalId as string));
  }

  async findCollection(name: string) {
    return this.prisma.client.collection.findUnique({ where: { name }, select: { id: true, name: true } });
  }
}
