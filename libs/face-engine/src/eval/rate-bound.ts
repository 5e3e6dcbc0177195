/**
 * Confidence bounds of small rates (false accepts among impostor pairs). Everything is computed in log space or by a
 * closed-form approximation, so the bound stays finite for counts in the millions: summing Poisson terms from
 * exp(-lambda) underflows to 0 once the expected count passes ~745, which made an earlier version loop forever.
 */

/** Counts up to this use the exact Poisson limit; above it the Wilson-Hilferty form, whose error is then < 0.01 event. */
export const EXACT_POISSON_MAX = 100;

const LOG_FACTORIAL = buildLogFactorials(EXACT_POISSON_MAX);

/**
 * One-sided upper confidence bound of a rate from `k` events in `n` trials (Poisson approximation, exact for the
 * small rates that matter here): the rate at which seeing k or fewer events has probability 1 - confidence.
 */
export function rateUpperBound(k: number, n: number, confidence = 0.95): number {
  if (!(n > 0)) return NaN;
  return poissonUpperLimit(k, confidence) / n;
}

/** The mean lambda at which P(X <= k) = 1 - confidence for X ~ Poisson(lambda). Monotone increasing in k. */
export function poissonUpperLimit(k: number, confidence = 0.95): number {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`event count must be a whole number >= 0, got ${k}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const alpha = 1 - confidence;
  if (k === 0) return -Math.log(alpha);
  if (k <= EXACT_POISSON_MAX) return exactUpperLimit(k, alpha);
  return wilsonHilfertyUpperLimit(k, confidence);
}

// Bisection on the log of the Poisson CDF, which decreases as lambda grows.
function exactUpperLimit(k: number, alpha: number): number {
  const logAlpha = Math.log(alpha);
  let lo = 0,
    hi = k + 10 * Math.sqrt(k + 1) + 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (logPoissonCdf(k, mid) > logAlpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** log P(X <= k) for X ~ Poisson(lambda), by log-sum-exp over the k + 1 terms (no term ever underflows). */
export function logPoissonCdf(k: number, lambda: number): number {
  const logLambda = Math.log(lambda);
  const logTerm = (i: number) => -lambda + i * logLambda - logFactorial(i);
  let max = -Infinity;
  for (let i = 0; i <= k; i++) max = Math.max(max, logTerm(i));
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(logTerm(i) - max);
  return max + Math.log(sum);
}

function logFactorial(i: number): number {
  if (i < LOG_FACTORIAL.length) return LOG_FACTORIAL[i];
  let sum = LOG_FACTORIAL[LOG_FACTORIAL.length - 1];
  for (let j = LOG_FACTORIAL.length; j <= i; j++) sum += Math.log(j);
  return sum;
}

function buildLogFactorials(max: number): Float64Array {
  const table = new Float64Array(max + 1);
  for (let i = 1; i <= max; i++) table[i] = table[i - 1] + Math.log(i);
  return table;
}

/**
 * The Poisson upper limit is half the chi-square quantile with 2(k+1) degrees of freedom; Wilson and Hilferty's
 * cube-root normal approximation of that quantile is accurate to a few hundredths of an event above k = 100.
 */
function wilsonHilfertyUpperLimit(k: number, confidence: number): number {
  const m = k + 1;
  const z = cachedQuantile(confidence);
  return m * (1 - 1 / (9 * m) + z / (3 * Math.sqrt(m))) ** 3;
}

// A threshold search asks for the same confidence millions of times; the quantile costs a bisection.
const quantiles = new Map<number, number>();
function cachedQuantile(p: number): number {
  let z = quantiles.get(p);
  if (z === undefined) quantiles.set(p, (z = normalQuantile(p)));
  return z;
}

/** Standard normal CDF by its Taylor series around 0 (absolute error ~1e-15 for |x| < 8, saturated beyond). */
export function normalCdf(x: number): number {
  if (x <= -8) return 0;
  if (x >= 8) return 1;
  // Phi(x) = 1/2 + phi(x) * sum_n x^(2n+1) / (1*3*5*...*(2n+1)); every term is positive, so no cancellation.
  let term = x,
    sum = x;
  for (let n = 1; n < 500 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (x * x) / (2 * n + 1);
    sum += term;
  }
  return 0.5 + (sum * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
}

/** Inverse of normalCdf by bisection (60 halvings of [-8, 8]: error < 1e-16). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
  let lo = -8,
    hi = 8;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
