import { cosineSimilarity } from '@facegate/face-engine';

/** A photo of one enrolment that does not match the others. */
export interface Mismatch {
  /** The photo at odds with the most others (the later one on a tie). */
  index: number;
  /** A photo it fails to match. */
  otherIndex: number;
}

/**
 * All faces of one person must match each other at the threshold: an enrolment that mixes two people would let the
 * second one verify as the first. Returns the photo to blame, or null when every pair matches. With two photos the
 * later one is blamed; with more, the one that fails against the most others (the odd one out).
 */
export function findMismatch(embeddings: Float32Array[], threshold: number): Mismatch | null {
  const failures = embeddings.map(() => [] as number[]);
  for (let i = 0; i < embeddings.length; i++) {
    for (let j = i + 1; j < embeddings.length; j++) {
      if (cosineSimilarity(embeddings[i], embeddings[j]) >= threshold) continue;
      failures[i].push(j);
      failures[j].push(i);
    }
  }
  let worst = -1;
  for (let i = 0; i < failures.length; i++) {
    if (failures[i].length > 0 && (worst < 0 || failures[i].length >= failures[worst].length)) worst = i;
  }
  return worst < 0 ? null : { index: worst, otherIndex: failures[worst][0] };
}
