import { DomainError } from '@facegate/common';

export const LIVENESS_MODES = ['off', 'advisory', 'enforce'] as const;
export type LivenessMode = (typeof LIVENESS_MODES)[number];

export interface LivenessVerdict {
  mode: LivenessMode;
  /** Passive liveness score of the probe (0..1), null when the policy is off. */
  score: number | null;
  live: boolean | null;
  threshold: number;
}

/**
 * Applies a collection's passive liveness policy to a probe. The passive model is one weak signal (AUC 0.93 on camera
 * frames, chance on tight crops), so the default is "advisory": reported and audited, not enforced.
 */
export function judgeLiveness(score: number | undefined, mode: LivenessMode, threshold: number): LivenessVerdict {
  if (mode === 'off' || score === undefined) return { mode, score: null, live: null, threshold };
  const verdict = { mode, score: Math.round(score * 10000) / 10000, live: score >= threshold, threshold };
  if (mode === 'enforce' && !verdict.live) {
    // No score in the refusal: it would let a caller tune a photo or a screen until the model passes it.
    throw new DomainError('SPOOF_SUSPECTED', `The face does not look live (passive score below ${threshold}).`, { livenessThreshold: threshold });
  }
  return verdict;
}
