import { Injectable } from '@nestjs/common';
import { type DatabaseMode, type DatabasePoolStats, PrismaService, ReplicaRouter } from '@facegate/database';

export interface DatabaseStatus {
  ok: boolean;
  /** Migrations not applied yet; -1 when the database did not answer. */
  migrationsPending: number;
}

/** What readiness, stats and metrics ask the database: does it answer, is its schema current, which kind is it, its pool. */
@Injectable()
export class DatabaseStatusRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly replicas: ReplicaRouter,
  ) {}

  /** Read replicas as last polled (no query); undefined when none is configured. */
  replicaStatus() {
    return this.replicas.enabled ? this.replicas.status() : undefined;
  }

  get mode(): DatabaseMode {
    return this.prisma.mode;
  }

  /** The connection pool's occupancy (read from the driver, no query). */
  poolStats(): DatabasePoolStats {
    return this.prisma.poolStats();
  }

  async status(): Promise<DatabaseStatus> {
    try {
      await this.prisma.client.$queryRaw`SELECT 1`;
      return { ok: this.prisma.ready, migrationsPending: (await this.prisma.pendingMigrations()).length };
    } catch {
      return { ok: false, migrationsPending: -1 };
    }
  }
}
