/** True for Prisma's unique-constraint violation (P2002), e.g. two enrolments racing for one externalId. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'P2002';
}
