/** JSON bytes a person's metadata may take: the API's rule, and the import's. */
export const MAX_METADATA_BYTES = 16 * 1024;

/**
 * Why this metadata cannot be stored, or null. JSON.parse reads 1e400 as Infinity, which JSON (and so the database)
 * cannot hold: it would be saved as null, so it is refused like an oversized object.
 */
export function metadataProblem(metadata: object): string | null {
  if (hasNonFiniteNumber(metadata)) return 'metadata numbers must be finite (1e400 overflows a double)';
  if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) return `metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`;
  return null;
}

/** Iterative, as the other walks of request input: the depth is capped upstream, a stack of our own costs nothing. */
function hasNonFiniteNumber(root: unknown): boolean {
  const stack = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'number' && !Number.isFinite(value)) return true;
    if (value !== null && typeof value === 'object') stack.push(...(Object.values(value) as unknown[]));
  }
  return false;
}
