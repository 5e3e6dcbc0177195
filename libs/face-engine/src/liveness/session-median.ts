/**
 * Median of a session's passive scores: one odd frame neither sinks nor rescues a session. The service judges a
 * challenge with it and the evaluation command measures sessions with it, so both use this one function.
 */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
