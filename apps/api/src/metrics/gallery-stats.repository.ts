import { Inject, Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '@facegate/database';
import { APP_CONFIG, AppConfig } from '@facegate/core';

export interface CollectionSize {
  collection: string;
  users: number;
  faces: number;
}

/**
 * Users and faces per collection for /metrics, counted at most every FACEGATE_METRICS_GALLERY_SECONDS: counting a
 * million faces on every scrape (every 15 s per Prometheus server) would be a steady, pointless load.
 */
@Injectable()
export class GalleryStatsRepository {
  private readonly logger = new Logger('Metrics');
  private cached: CollectionSize[] = [];
  private countedAt = -Infinity;
  private refreshing?: Promise<void>;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The last counts, refreshed first when older than the setting; a failed count keeps the previous ones. */
  async sizes(): Promise<CollectionSize[]> {
    if (Date.now() - this.countedAt >= this.config.metrics.galleryRefreshSeconds * 1000) await this.refresh();
    return this.cached;
  }

  /** One refresh at a time: concurrent scrapes share it. */
  private refresh(): Promise<void> {
    this.refreshing ??= this.count()
      .then((sizes) => {
        this.cached = sizes;
        this.countedAt = Date.now();
      })
      .catch((error: unknown) => this.logger.warn(`gallery sizes not refreshed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private async count(): Promise<CollectionSize[]> {
    const client = this.prisma.client;
    const [collections, users, faces] = await Promise.all([
      client.collection.findMany({ select: { id: true, name: true } }),
      client.user.groupBy({ by: ['collectionId'], _count: { _all: true } }),
      client.face.groupBy({ by: ['collectionId'], _count: { _all: true } }),
    ]);
    const usersBy = new Map(users.map((u) => [u.collectionId, u._count._all]));
    const facesBy = new Map(faces.map((f) => [f.collectionId, f._count._all]));
    return collections.map((c) => ({ collection: c.name, users: usersBy.get(c.id) ?? 0, faces: facesBy.get(c.id) ?? 0 }));
  }
}
