import { acceptRate, auc, bestBalancedAccuracy, confidentThresholdAtFar, eer, percentile, SortedScores, tarAtFar, thresholdAtFar } from './metrics';

export const FAR_POINTS = { '1e-2': 1e-2, '1e-3': 1e-3, '1e-4': 1e-4, '1e-5': 1e-5 } as const;
export type FarKey = keyof typeof FAR_POINTS;

/** The operating point the service's default threshold is derived for (README, "Choosing the threshold"). */
export const DEFAULT_TARGET_FAR = 1e-4;
export const DEFAULT_TARGET_CONFIDENCE = 0.95;

export interface VerificationSummary {
  genuinePairs: number;
  impostorPairs: number;
  auc: number;
  eer: number;
  eerThreshold: number;
  /** TAR and threshold at each FAR; null where the set holds fewer than 1/FAR impostor pairs (no false accept allowed). */
  tarAtFar: Record<FarKey, number | null>;
  thresholdAtFar: Record<FarKey, number | null>;
  bestAccuracy: number;
  bestThreshold: number;
  /**
   * Lowest threshold whose FAR is at most `recommendation.far` with `recommendation.confidence` (a one-sided Poisson
   * upper bound on the false accepts observed), rounded up to 0.01: the default threshold's rule. Null when the set
   * has too few impostor pairs to show that FAR even with no false accept.
   */
  recommendedThreshold: number | null;
  recommendation: { far: number; confidence: number; acceptedImpostors: number; enoughPairs: boolean };
  atThreshold: { threshold: number; tar: number; far: number };
  genuine: { min: number; p1: number; median: number };
  impostor: { median: number; p999: number; max: number };
}

export interface SummaryOptions {
  /** The threshold the service uses, reported with its TAR and FAR. */
  threshold: number;
  targetFar?: number;
  targetConfidence?: number;
}

/** Every verification figure the README and the evaluation report quote, from sorted genuine and impostor scores. */
export function verificationSummary(s: SortedScores, options: SummaryOptions): VerificationSummary {
  const { genuine, impostor } = s;
  const best = bestBalancedAccuracy(s);
  const e = eer(s);
  const far = options.targetFar ?? DEFAULT_TARGET_FAR;
  const confidence = options.targetConfidence ?? DEFAULT_TARGET_CONFIDENCE;
  const confident = confidentThresholdAtFar(impostor, far, confidence);
  const measurable = (k: FarKey) => FAR_POINTS[k] * impostor.length >= 1;
  const perFar = <T>(f: (k: FarKey) => T) =>
    Object.fromEntries((Object.keys(FAR_POINTS) as FarKey[]).map((k) => [k, measurable(k) ? f(k) : null])) as Record<FarKey, T | null>;
  return {
    genuinePairs: genuine.length,
    impostorPairs: impostor.length,
    auc: round(auc(s), 6),
    eer: round(e.eer, 6),
    eerThreshold: round(e.threshold, 4),
    tarAtFar: perFar((k) => round(tarAtFar(s, FAR_POINTS[k]).tar, 6)),
    thresholdAtFar: perFar((k) => round(thresholdAtFar(impostor, FAR_POINTS[k]), 4)),
    bestAccuracy: round(best.accuracy, 6),
    bestThreshold: round(best.threshold, 4),
    recommendedThreshold: confident.enoughPairs ? roundUpToHundredth(confident.threshold) : null,
    recommendation: { far, confidence, acceptedImpostors: confident.accepted, enoughPairs: confident.enoughPairs },
    atThreshold: {
      threshold: options.threshold,
      tar: round(acceptRate(genuine, options.threshold), 6),
      far: round(acceptRate(impostor, options.threshold), 6),
    },
    genuine: { min: round(genuine[0] ?? NaN, 4), p1: round(percentile(genuine, 1), 4), median: round(percentile(genuine, 50), 4) },
    impostor: { median: round(percentile(impostor, 50), 4), p999: round(percentile(impostor, 99.9), 4), max: round(impostor[impostor.length - 1] ?? NaN, 4) },
  };
}

// Rounded up so that the rounded threshold is at least as strict as the computed one (1e-9 absorbs float noise).
const roundUpToHundredth = (v: number) => (Number.isFinite(v) ? Math.ceil(v * 100 - 1e-9) / 100 : v);
export const round = (v: number, digits: number) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : v);
