import { rateUpperBound } from './rate-bound';

export { rateUpperBound } from './rate-bound';

/**
 * Verification metrics over similarity scores, where higher means "more likely the same person".
 * A pair is accepted when its score is >= the threshold.
 *
 * Built for tens of millions of pairs: the scores are sorted once into typed arrays (sortScores) and every metric
 * then reads them by binary search or by one merged pass. Nothing spreads arrays into arguments (V8 overflows its
 * stack past ~100k arguments) and nothing builds an object per score.
 */
export interface ScoreSets {
  genuine: ArrayLike<number>;
  impostor: ArrayLike<number>;
}

export type ScoreArray = Float32Array | Float64Array;

/** Both score sets, each sorted ascending. Produced by sortScores; every metric below takes this. */
export interface SortedScores {
  genuine: ScoreArray;
  impostor: ScoreArray;
}

export interface RocPoint {
  threshold: number;
  far: number;
  tar: number;
}

/**
 * Sorts both sets ascending. Plain arrays are copied into Float64Arrays (scores kept exactly); typed arrays are
 * copied too unless `inPlace`, which lets a caller holding 30 million Float32 scores avoid a second copy.
 */
export function sortScores(sets: ScoreSets, options: { inPlace?: boolean } = {}): SortedScores {
  return { genuine: sortedCopy(sets.genuine, options.inPlace), impostor: sortedCopy(sets.impostor, options.inPlace) };
}

function sortedCopy(values: ArrayLike<number>, inPlace = false): ScoreArray {
  const typed = values instanceof Float32Array || values instanceof Float64Array;
  const out = typed && inPlace ? values : typed ? values.slice() : Float64Array.from(values);
  out.sort(); // typed-array sort is numeric and runs natively
  if (out.length > 0 && Number.isNaN(out[out.length - 1])) throw new RangeError('a score is NaN');
  return out;
}

/** Index of the first value >= t in an ascending array (its length if none). */
export function lowerBound(sorted: ScoreArray, t: number): number {
  let lo = 0,
    hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many scores are at or above the threshold (accepted). */
export function countAtLeast(sorted: ScoreArray, threshold: number): number {
  return sorted.length - lowerBound(sorted, threshold);
}

export function acceptRate(sorted: ScoreArray, threshold: number): number {
  return sorted.length === 0 ? NaN : countAtLeast(sorted, threshold) / sorted.length;
}

/**
 * Visits every distinct threshold from the strictest to the most lenient with the counts accepted there (all scores
 * >= threshold), in one merged pass over both sorted sets. Returning true stops the walk.
 */
export function walkThresholds(s: SortedScores, visit: (threshold: number, genuineAccepted: number, impostorAccepted: number) => boolean | void): void {
  const g = s.genuine,
    im = s.impostor;
  let gi = g.length - 1,
    ii = im.length - 1;
  while (gi >= 0 || ii >= 0) {
    const threshold = gi < 0 ? im[ii] : ii < 0 ? g[gi] : Math.max(g[gi], im[ii]);
    while (gi >= 0 && g[gi] === threshold) gi--;
    while (ii >= 0 && im[ii] === threshold) ii--;
    if (visit(threshold, g.length - 1 - gi, im.length - 1 - ii)) return;
  }
}

/** Area under the ROC curve = P(genuine score > impostor score), ties counting one half (Mann-Whitney U). */
export function auc(s: SortedScores): number {
  const g = s.genuine,
    im = s.impostor;
  if (g.length === 0 || im.length === 0) return NaN;
  let below = 0; // impostors strictly below the current genuine score
  let wins = 0;
  for (let i = 0; i < g.length; i++) {
    while (below < im.length && im[below] < g[i]) below++;
    let tied = below;
    while (tied < im.length && im[tied] === g[i]) tied++;
    wins += below + (tied - below) / 2;
  }
  return wins / (g.length * im.length);
}

/**
 * The ROC curve from the strictest threshold to the most lenient, thinned for plotting: a point is kept when the
 * false accept rate moved by at least `logStep` decades or the true accept rate by `tarStep` since the last kept
 * point, and the last point is always kept. On 30 million pairs this is a few thousand points instead of millions;
 * the drawn staircase is off by at most one step of either size.
 */
export function rocCurve(s: SortedScores, options: { logStep?: number; tarStep?: number } = {}): RocPoint[] {
  const logStep = options.logStep ?? 0.005,
    tarStep = options.tarStep ?? 0.0005;
  const nG = s.genuine.length,
    nI = s.impostor.length;
  const points: RocPoint[] = [{ threshold: Infinity, far: 0, tar: 0 }];
  let pending: RocPoint | undefined;
  walkThresholds(s, (threshold, tp, fp) => {
    const p = { threshold, far: fp / nI, tar: tp / nG };
    const last = points[points.length - 1];
    const farMoved = last.far === 0 ? p.far > 0 : Math.log10(p.far / last.far) >= logStep;
    if (farMoved || p.tar - last.tar >= tarStep) {
      points.push(p);
      pending = undefined;
    } else pending = p;
  });
  if (pending) points.push(pending);
  return points;
}

/**
 * Equal error rate: where the false accept rate equals the false reject rate, linearly interpolated between the two
 * ROC points that bracket the crossing.
 */
export function eer(s: SortedScores): { eer: number; threshold: number } {
  const nG = s.genuine.length,
    nI = s.impostor.length;
  let prevFar = 0,
    prevTar = 0;
  let result = { eer: 0.5, threshold: NaN };
  walkThresholds(s, (threshold, tp, fp) => {
    const far = fp / nI,
      tar = tp / nG;
    const dPrev = prevFar - (1 - prevTar);
    const dCur = far - (1 - tar);
    if (dCur < 0) {
      prevFar = far;
      prevTar = tar;
      return false;
    }
    const t = dPrev === dCur ? 0 : -dPrev / (dCur - dPrev);
    const f = prevFar + t * (far - prevFar);
    const frr = 1 - (prevTar + t * (tar - prevTar));
    result = { eer: (f + frr) / 2, threshold };
    return true;
  });
  return result;
}

/**
 * The lowest threshold whose false accept rate is at most `far`: just above the score of the (k+1)-th best impostor,
 * where k = floor(far x impostors) false accepts are allowed.
 */
export function thresholdAtFar(impostor: ScoreArray, far: number): number {
  const allowed = Math.floor(far * impostor.length + 1e-9);
  if (allowed >= impostor.length) return -Infinity;
  return nextAbove(impostor[impostor.length - 1 - allowed]);
}

export function tarAtFar(s: SortedScores, far: number): { tar: number; threshold: number } {
  const threshold = thresholdAtFar(s.impostor, far);
  return { tar: acceptRate(s.genuine, threshold), threshold };
}

/**
 * Best balanced accuracy, (TAR + TNR) / 2, over all thresholds. Balanced because the cross-identity pairs outnumber
 * the genuine ones ~30 to 1, and plain accuracy would reward rejecting everything.
 */
export function bestBalancedAccuracy(s: SortedScores): { accuracy: number; threshold: number } {
  const nG = s.genuine.length,
    nI = s.impostor.length;
  let best = { accuracy: 0.5, threshold: Infinity };
  walkThresholds(s, (threshold, tp, fp) => {
    const accuracy = (tp / nG + (1 - fp / nI)) / 2;
    if (accuracy > best.accuracy) best = { accuracy, threshold };
  });
  return best;
}

/**
 * The threshold with the most pairs classified right, (accepted genuine + rejected impostor) / all, as the LFW
 * protocol chooses it on the training folds. Among equally good thresholds the first (strictest) wins, and the
 * threshold returned is the middle of the gap below its score, so that scores equal to either neighbour fall on
 * the side they were counted on.
 */
export function bestAccuracyThreshold(s: SortedScores): { accuracy: number; threshold: number } {
  const nG = s.genuine.length,
    nI = s.impostor.length;
  let bestCorrect = nI,
    bestScore = Infinity,
    nextLower = -Infinity;
  let found = false;
  walkThresholds(s, (threshold, tp, fp) => {
    if (found) {
      nextLower = threshold;
      found = false;
    }
    const correct = tp + (nI - fp);
    if (correct > bestCorrect) {
      bestCorrect = correct;
      bestScore = threshold;
      nextLower = -Infinity;
      found = true;
    }
  });
  const threshold = bestScore === Infinity ? Infinity : nextLower === -Infinity ? bestScore : (bestScore + nextLower) / 2;
  return { accuracy: bestCorrect / (nG + nI), threshold };
}

/** Percentile of an ascending array by linear interpolation between closest ranks (p in [0, 100]). */
export function percentile(sorted: ScoreArray, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

// Thresholds are reported with 4 decimals; "just above" must survive that rounding.
function nextAbove(score: number): number {
  return Math.ceil((score + 1e-9) * 10000) / 10000;
}

/**
 * The lowest threshold at which we are `confidence` sure the false accept rate is at most `far`: a dev set of ~20k
 * impostor pairs holds only ~20 false accepts at FAR 1e-3, so the plain estimate is noisy. The upper bound grows
 * with the number of accepted impostors k, so the largest admissible k is found by binary search (log2 n bounds).
 * When even k = 0 is not admissible (too few pairs), the threshold rejects every impostor seen, which proves nothing:
 * `enoughPairs` says so.
 */
export function confidentThresholdAtFar(impostor: ScoreArray, far: number, confidence = 0.95): { threshold: number; accepted: number; enoughPairs: boolean } {
  const n = impostor.length;
  if (n === 0) return { threshold: NaN, accepted: 0, enoughPairs: false };
  const admissible = (k: number) => rateUpperBound(k, n, confidence) <= far;
  if (!admissible(0)) return { threshold: nextAbove(impostor[n - 1]), accepted: 0, enoughPairs: false };
  let lo = 0,
    hi = n; // admissible(lo) holds; find the largest such k
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (admissible(mid)) lo = mid;
    else hi = mid - 1;
  }
  if (lo >= n) return { threshold: -Infinity, accepted: n, enoughPairs: true };
  // Just above the (k+1)-th best impostor: at most k accepted (fewer when scores tie).
  const threshold = nextAbove(impostor[n - 1 - lo]);
  return { threshold, accepted: countAtLeast(impostor, threshold), enoughPairs: true };
}

/** Smallest and largest of any array without spreading it into arguments. */
export function minMax(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity,
    max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  return { min, max };
}
