import { acceptRate, auc, bestBalancedAccuracy, confidentThresholdAtFar, eer, percentile, rateUpperBound, rocCurve, sortScores, tarAtFar } from './metrics';
import { normalCdf, normalQuantile } from './rate-bound';

/**
 * Ten million synthetic scores with a ROC known in closed form: impostor ~ N(0, 0.1^2) and genuine ~ N(0.6, 0.1^2),
 * 9 million and 1 million of them. Then FAR(t) = 1 - Phi(t / 0.1) and TAR(t) = 1 - Phi((t - 0.6) / 0.1).
 *
 * Tolerances are about five standard errors of the sample: EER 3e-4 (its sample s.e. is ~4e-5), TAR at FAR 1e-4
 * 2e-3 (s.e. ~2e-4: 900 impostors pass there, and the threshold moves with their count), TAR at FAR 1e-5 1.2e-2
 * (s.e. ~2.2e-3: only 90 pass), AUC 2e-6.
 */
const SIGMA = 0.1,
  MEAN_GENUINE = 0.6;
const IMPOSTORS = 9_000_000,
  GENUINE = 1_000_000;

const farAt = (t: number) => 1 - normalCdf(t / SIGMA);
const tarAt = (t: number) => 1 - normalCdf((t - MEAN_GENUINE) / SIGMA);
const thresholdFor = (far: number) => SIGMA * normalQuantile(1 - far);

// xorshift32 then Box-Muller: deterministic, so a failure is reproducible.
function gaussians(count: number, mean: number, sigma: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return (state + 0.5) / 4294967296;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const phi = 2 * Math.PI * uniform();
    out[i] = mean + sigma * r * Math.cos(phi);
    if (i + 1 < count) out[i + 1] = mean + sigma * r * Math.sin(phi);
  }
  return out;
}

describe('verification metrics on ten million scores', () => {
  const started = Date.now();
  const impostor = gaussians(IMPOSTORS, 0, SIGMA, 12345);
  const genuine = gaussians(GENUINE, MEAN_GENUINE, SIGMA, 67890);
  // Sorting in place keeps memory at one copy of the scores.
  const s = sortScores({ genuine, impostor }, { inPlace: true });

  it('sorts in place without a second copy', () => {
    expect(s.impostor).toBe(impostor);
    for (let i = 1; i < 1000; i++) expect(s.impostor[i]).toBeGreaterThanOrEqual(s.impostor[i - 1]);
  });

  it('finds the EER of the known ROC', () => {
    // Symmetric normals: the curves cross at t = 0.3 where FAR = FRR = 1 - Phi(3).
    const expected = farAt(MEAN_GENUINE / 2);
    const result = eer(s);
    expect(Math.abs(result.eer - expected)).toBeLessThan(3e-4);
    expect(Math.abs(result.threshold - MEAN_GENUINE / 2)).toBeLessThan(5e-3);
  });

  it.each([
    [1e-3, 1e-3],
    [1e-4, 2e-3],
    [1e-5, 1.2e-2],
  ])('finds the TAR at FAR %s within %s', (far, tolerance) => {
    const result = tarAtFar(s, far);
    expect(Math.abs(result.tar - tarAt(thresholdFor(far)))).toBeLessThan(tolerance);
    expect(acceptRate(s.impostor, result.threshold)).toBeLessThanOrEqual(far);
  });

  it('finds the AUC, the best balanced accuracy and the percentiles', () => {
    const expectedAuc = normalCdf(MEAN_GENUINE / (SIGMA * Math.SQRT2));
    expect(Math.abs(auc(s) - expectedAuc)).toBeLessThan(2e-6);
    expect(Math.abs(bestBalancedAccuracy(s).accuracy - (1 - farAt(0.3)))).toBeLessThan(3e-4);
    expect(Math.abs(percentile(s.impostor, 50))).toBeLessThan(1e-3);
    expect(Math.abs(percentile(s.impostor, 99.9) - thresholdFor(1e-3))).toBeLessThan(2e-3);
  });

  it('finds a confident threshold and a thinned ROC curve', () => {
    const confident = confidentThresholdAtFar(s.impostor, 1e-4);
    expect(confident.enoughPairs).toBe(true);
    expect(rateUpperBound(confident.accepted, IMPOSTORS)).toBeLessThanOrEqual(1e-4);
    // ~900 pass at FAR 1e-4; the 95% bound allows about 1.645 x sqrt(900) = 49 fewer.
    expect(confident.accepted).toBeGreaterThan(800);
    expect(confident.accepted).toBeLessThan(900);
    const roc = rocCurve(s);
    expect(roc.length).toBeLessThan(5000);
    expect(roc[roc.length - 1]).toMatchObject({ far: 1, tar: 1 });
  });

  it('does all of it in seconds', () => {
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
