/**
 * What the database layer reports about the statements on a request's path, for the app's metrics: which operation
 * and how long it took, never its parameters (embeddings, ids). The app binds DATABASE_OBSERVER; without one (the
 * CLI, unit tests) nothing is reported.
 */
export const DATABASE_OBSERVER = Symbol('DATABASE_OBSERVER');

/**
 * - vector_search: a collection's nearest people (/recognize, the enrolment's duplicate check), settings and
 *   statement together, on the primary or a replica.
 * - user_match: one person's best face against a probe (/verify).
 * - audit_write: one audit entry.
 */
export const DATABASE_OPERATIONS = ['vector_search', 'user_match', 'audit_write'] as const;
export type DatabaseOperation = (typeof DATABASE_OPERATIONS)[number];

export interface DatabaseObserver {
  /** Cheap, synchronous, never throws. */
  operationTimed(operation: DatabaseOperation, ms: number): void;
}

/** Runs `work` and reports its duration, whether it succeeded or failed. */
export async function timedOperation<T>(observer: DatabaseObserver | undefined, operation: DatabaseOperation, work: () => Promise<T>): Promise<T> {
  if (!observer) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    observer.operationTimed(operation, performance.now() - started);
  }
}
