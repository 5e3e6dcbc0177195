/**
 * Verification metrics over similarity scores, where higher means "more likely the same person".
 * A pair is accepted when its score is >= the threshold.
 */
export interface ScoreSets {
  genuine: readonly number[];
  impostor: readonly number[];
}

export interface RocPoint {
  threshold: number;
  far: number;
  tar: number;
}

/** Area under the ROC curve = P(genuine score > impostor score), ties counting one half (Mann-Whitney U). */
export function auc({ genuine, impostor }: ScoreSets): number {
  if (genuine.length === 0 || impostor.length === 0) return NaN;
  const all = [...genuine.map((s) => ({ s, g: 1 })), ...impostor.map((s) => ({ s, g: 0 }))].sort((a, b) => a.s - b.s);
  // Average ranks over ties, then U = sum of genuine ranks - nG(nG+1)/2.
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k].g) rankSum += avgRank;
    i = j;
  }
  const nG = genuine.length;
  return (rankSum - (nG * (nG + 1)) / 2) / (nG * impostor.length);
}

/** The ROC curve with one point per distinct score, from the strictest threshold to the most lenient. */
export function rocCurve({ genuine, impostor }: ScoreSets): RocPoint[] {
  const all = [...genuine.map((s) => ({ s, g: true })), ...impostor.map((s) => ({ s, g: false }))].sort((a, b) => b.s - a.s);
  const points: RocPoint[] = [{ threshold: Infinity, far: 0, tar: 0 }];
  let tp = 0, fp = 0;
  for (let i = 0; i < all.length; ) {
    const threshold = all[i].s;
    while (i < all.length && all[i].s === threshold) {
      if (all[i].g) tp++;
      else fp++;
      i++;
    }
    points.push({ threshold, far: fp / impostor.length, tar: tp / genuine.length });
  }
  return points;
}

/**
 * Equal error rate: where the false accept rate equals the false reject rate, linearly interpolated between the two
 * ROC points that bracket the crossing.
 */
export function eer(scores: ScoreSets): { eer: number; threshold: number } {
  const roc = rocCurve(scores);
  for (let i = 1; i < roc.length; i++) {
    const prev = roc[i - 1], cur = roc[i];
    const dPrev = prev.far - (1 - prev.tar);
    const dCur = cur.far - (1 - cur.tar);
    if (dCur >= 0) {
      const t = dPrev === dCur ? 0 : -dPrev / (dCur - dPrev);
      const far = prev.far + t * (cur.far - prev.far);
      const frr = 1 - (prev.tar + t * (cur.tar - prev.tar));
      return { eer: (far + frr) / 2, threshold: cur.threshold };
    }
  }
  return { eer: 0.5, threshold: NaN };
}

/**
 * The lowest threshold whose false accept rate is at most `far`: just above the score of the (k+1)-th best impostor,
 * where k = floor(far x impostors) false accepts are allowed.
 */
export function thresholdAtFar(impostor: readonly number[], far: number): number {
  const sorted = [...impostor].sort((a, b) => b - a);
  const allowed = Math.floor(far * sorted.length + 1e-9);
  if (allowed >= sorted.length) return -Infinity;
  return nextAbove(sorted[allowed]);
}

export function acceptRate(scores: readonly number[], threshold: number): number {
  if (scores.length === 0) return NaN;
  return scores.filter((s) => s >= threshold).length / scores.length;
}

export function tarAtFar(scores: ScoreSets, far: number): { tar: number; threshold: number } {
  const threshold = thresholdAtFar(scores.impostor, far);
  return { tar: acceptRate(scores.genuine, threshold), threshold };
}

/**
 * Best balanced accuracy, (TAR + TNR) / 2, over all thresholds. Balanced because the cross-identity pairs outnumber
 * the genuine ones ~30 to 1, and plain accuracy would reward rejecting everything.
 */
export function bestBalancedAccuracy(scores: ScoreSets): { accuracy: number; threshold: number } {
  let best = { accuracy: 0.5, threshold: Infinity };
  for (const p of rocCurve(scores)) {
    const accuracy = (p.tar + (1 - p.far)) / 2;
    if (accuracy > best.accuracy) best = { accuracy, threshold: p.threshold };
  }
  return best;
}

/** Percentile by linear interpolation between closest ranks (p in [0, 100]). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
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
 * One-sided upper confidence bound of a rate from `k` events in `n` trials (Poisson approximation, exact for the
 * small rates that matter here): the rate at which seeing k or fewer events has probability 1 - confidence.
 */
export function rateUpperBound(k: number, n: number, confidence = 0.95): number {
  const alpha = 1 - confidence;
  const cdf = (lambda: number) => {
    let term = Math.exp(-lambda), sum = term;
    for (let i = 1; i <= k; i++) sum += (term *= lambda / i);
    return sum;
  };
  let lo = 0, hi = k + 10 * Math.sqrt(k + 1) + 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) > alpha) lo = mid;
    else hi = mid;
  }
  return hi / n;
}

/**
 * The lowest threshold at which we are 95% confident the false accept rate is at most `far`: a dev set of ~20k
 * impostor pairs holds only ~20 false accepts at FAR 1e-3, so the plain estimate is noisy.
 */
export function confidentThresholdAtFar(impostor: readonly number[], far: number, confidence = 0.95): number {
  const sorted = [...impostor].sort((a, b) => b - a);
  let k = 0;
  while (k < sorted.length && rateUpperBound(k + 1, sorted.length, confidence) <= far) k++;
  if (rateUpperBound(0, sorted.length, confidence) > far) return sorted.length ? nextAbove(sorted[0]) : NaN;
  return k >= sorted.length ? -Infinity : nextAbove(sorted[k]);
}
