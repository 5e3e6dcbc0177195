import { bestAccuracyThreshold, sortScores } from './metrics';

/** One View 2 pair with its similarity, or null when either photo had no detected face. */
export interface ScoredPair {
  same: boolean;
  score: number | null;
  /** One of the website's known label errors (see LFW_LABEL_ERRORS). */
  knownLabelError: boolean;
}

export interface FoldResult {
  fold: number;
  /** Chosen on the other folds: the threshold with the most pairs right there. */
  threshold: number;
  /** Accuracy of the other folds at that threshold. */
  trainAccuracy: number;
  accuracy: number;
  correct: number;
  pairs: number;
  /** Pairs of this fold on the wrong side of the threshold (index within the fold). */
  errors: Array<{ index: number; same: boolean; score: number | null }>;
}

export interface ProtocolSummary {
  folds: FoldResult[];
  meanAccuracy: number;
  /** Sample standard deviation over the folds (n - 1). */
  sd: number;
  standardError: number;
}

export interface LfwProtocolResult extends ProtocolSummary {
  /** Pairs in which a photo had no detected face: scored NO_FACE_SCORE, i.e. rejected, as the service answers. */
  noFacePairs: number;
  /** The same thresholds, with every pair that lacks a face counted as an error whatever its label (the strictest reading). */
  noFaceAsError: ProtocolSummary;
  /** Thresholds chosen and accuracy measured without the known label errors. */
  withoutLabelErrors: ProtocolSummary & { pairsLeftOut: number };
}

/** A pair without a face is a rejection: below every cosine similarity a face pair can have. */
export const NO_FACE_SCORE = -1;

/**
 * The View 2 protocol: for each fold, the threshold is chosen on the other folds (the one classifying most of their
 * pairs right) and accuracy is measured on this fold; the result is the mean and standard deviation over folds.
 */
export function runLfwProtocol(folds: ScoredPair[][]): LfwProtocolResult {
  const all = () => true;
  const asLabelled = crossValidate(folds, all, () => false);
  const strict = crossValidate(folds, all, (p) => p.score === null);
  const clean = crossValidate(
    folds,
    (p) => !p.knownLabelError,
    () => false,
  );
  return {
    ...asLabelled,
    noFacePairs: folds.flat().filter((p) => p.score === null).length,
    noFaceAsError: strict,
    withoutLabelErrors: { ...clean, pairsLeftOut: folds.flat().filter((p) => p.knownLabelError).length },
  };
}

function crossValidate(folds: ScoredPair[][], include: (p: ScoredPair) => boolean, forcedError: (p: ScoredPair) => boolean): ProtocolSummary {
  const results = folds.map((_, k) => {
    const train = folds
      .filter((_, j) => j !== k)
      .flat()
      .filter(include);
    const chosen = bestAccuracyThreshold(sortScores(scoreSets(train)));
    return testFold(folds[k], k + 1, chosen, include, forcedError);
  });
  return summarise(results);
}

function scoreSets(pairs: ScoredPair[]): { genuine: Float64Array; impostor: Float64Array } {
  const score = (p: ScoredPair) => p.score ?? NO_FACE_SCORE;
  return {
    genuine: Float64Array.from(
      pairs.filter((p) => p.same),
      score,
    ),
    impostor: Float64Array.from(
      pairs.filter((p) => !p.same),
      score,
    ),
  };
}

function testFold(
  fold: ScoredPair[],
  number: number,
  chosen: { threshold: number; accuracy: number },
  include: (p: ScoredPair) => boolean,
  forcedError: (p: ScoredPair) => boolean,
): FoldResult {
  const errors: FoldResult['errors'] = [];
  let pairs = 0;
  fold.forEach((p, index) => {
    if (!include(p)) return;
    pairs++;
    const accepted = (p.score ?? NO_FACE_SCORE) >= chosen.threshold;
    if (forcedError(p) || accepted !== p.same) errors.push({ index, same: p.same, score: p.score });
  });
  const correct = pairs - errors.length;
  return { fold: number, threshold: chosen.threshold, trainAccuracy: chosen.accuracy, accuracy: pairs > 0 ? correct / pairs : NaN, correct, pairs, errors };
}

function summarise(folds: FoldResult[]): ProtocolSummary {
  const n = folds.length;
  const mean = folds.reduce((s, f) => s + f.accuracy, 0) / n;
  const sd = n > 1 ? Math.sqrt(folds.reduce((s, f) => s + (f.accuracy - mean) ** 2, 0) / (n - 1)) : 0;
  return { folds, meanAccuracy: mean, sd, standardError: sd / Math.sqrt(n) };
}
