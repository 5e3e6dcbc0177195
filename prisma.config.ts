// Prisma 7 CLI configuration: the datasource URL moved here from schema.prisma.
// `prisma generate` needs no database, so a missing DATABASE_URL must not fail it (env() from prisma/config would
// throw); migrate commands would use it, but here migrations are applied by libs/database's own runner
// (npm run db:migrate) because Prisma's schema engine cannot be downloaded offline.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
