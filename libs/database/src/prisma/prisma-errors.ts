/** True for Prisma's unique-constraint violation (P2002), e.g. two enrolments racing for one externalId. */
/**
 * True for a foreign-key violation: Prisma's P2003 from the typed client, or PostgreSQL's 23503 surfacing through a
 * raw query (e.g. a row inserted for a parent deleted a moment before).
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const e = error as {
    code?: string;
    message?: string;
    meta?: { code?: string; driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } };
  } | null;
  if (!e) return false;
  if (e.code === 'P2003' || e.meta?.code === '23503') return true;
  const cause = e.meta?.driverAdapterError?.cause;
  return cause?.originalCode === '23503' || cause?.kind === 'ForeignKeyConstraintViolation' || /\b23503\b|foreign key constraint/i.test(e.message ?? '');
}

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'P2002';
}
