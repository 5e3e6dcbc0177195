import { intersectionOverUnion } from './box';
import { Box } from './geometry.types';

export interface ScoredBox {
  box: Box;
  score: number;
}

/** Hard non-maximum suppression: keep the best box, drop every box overlapping it above `iouThreshold`, repeat. */
export function nonMaxSuppression<T extends ScoredBox>(candidates: readonly T[], iouThreshold: number): T[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const candidate of sorted) {
    if (kept.every((k) => intersectionOverUnion(k.box, candidate.box) <= iouThreshold)) kept.push(candidate);
  }
  return kept;
}
