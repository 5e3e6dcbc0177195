export * from './database.options';
export * from './database.module';
export type { DatabaseLogger } from './database.logger';
export { DATABASE_MODES, PrismaService } from './prisma/prisma.service';
export { isForeignKeyViolation, isUniqueViolation } from './prisma/prisma-errors';
export type { DatabaseMode, DatabasePoolStats, PrismaClientProvider } from './prisma/prisma.service';
export { FaceVectorRepository, IVFFLAT_INDEX_NAME } from './faces/face-vector.repository';
export type { FaceWriter } from './faces/face-vector.repository';
export * from './faces/face-vector.types';
export { EMBEDDING_DIMENSIONS } from './faces/vector-sql';
export { MAX_TOP_K } from './faces/ivfflat-tuning';
export { EmbeddedPostgres } from './embedded/embedded-postgres';
export type { EmbeddedPostgresOptions } from './embedded/embedded-postgres';
export { runMigrations, migrationStatus } from './migrations/migration-runner';
export type { MigrationResult, MigrationStatus } from './migrations/migration-runner';
export { findMigrationsDir } from './migrations/migration-files';
// Generated Prisma client: the client class, the Prisma namespace (errors, TransactionClient, input types) and models.
export { PrismaClient, Prisma } from './generated/prisma/client';
export type { Collection, User, Face, ApiKey, VectorIndexState } from './generated/prisma/client';
