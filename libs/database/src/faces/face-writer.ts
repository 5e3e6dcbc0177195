import { Prisma, PrismaClient } from '../generated/prisma/client';

/** The typed client or an interactive transaction's client: both run raw SQL. */
export type FaceWriter = Prisma.TransactionClient | PrismaClient;

/** Every face in the table (the stats' total). */
export async function countAll(client: FaceWriter): Promise<number> {
  const [{ count }] = await client.$queryRaw<Array<{ count: number }>>`SELECT count(*)::int AS count FROM faces`;
  return count;
}
