import { acceptRate, auc, bestBalancedAccuracy, confidentThresholdAtFar, eer, percentile, rateUpperBound, rocCurve, tarAtFar, thresholdAtFar } from './metrics';

describe('verification metrics', () => {
  it('AUC is 1 for perfect separation, 0 for reversed, 0.5 for identical sets', () => {
    expect(auc({ genuine: [0.9, 0.8, 0.7], impostor: [0.1, 0.2, 0.3] })).toBe(1);
    expect(auc({ genuine: [0.1, 0.2], impostor: [0.8, 0.9] })).toBe(0);
    expect(auc({ genuine: [0.5, 0.5], impostor: [0.5, 0.5] })).toBe(0.5);
  });

  it('AUC counts one overlapping pair out of nine', () => {
    // genuine 0.4 is below impostor 0.5; the other 8 of 9 comparisons are correct.
    expect(auc({ genuine: [0.9, 0.8, 0.4], impostor: [0.5, 0.2, 0.1] })).toBeCloseTo(8 / 9, 10);
  });

  it('EER is 0 when the sets separate and interpolates the crossing otherwise', () => {
    expect(eer({ genuine: [0.9, 0.8], impostor: [0.1, 0.2] }).eer).toBe(0);
    // 4 genuine, 4 impostor, one of each on the wrong side: FAR = FRR = 25% at the crossing.
    const result = eer({ genuine: [0.9, 0.8, 0.7, 0.3], impostor: [0.6, 0.2, 0.1, 0.05] });
    expect(result.eer).toBeCloseTo(0.25, 10);
  });

  it('threshold at FAR allows floor(far x n) impostors through', () => {
    const impostor = Array.from({ length: 1000 }, (_, i) => i / 1000); // 0.000 .. 0.999
    const t = thresholdAtFar(impostor, 1e-2); // 10 allowed: 0.990..0.999
    expect(acceptRate(impostor, t)).toBeLessThanOrEqual(1e-2);
    expect(t).toBeGreaterThan(0.989);
    expect(t).toBeLessThanOrEqual(0.99);
    expect(thresholdAtFar(impostor, 1)).toBe(-Infinity);
  });

  it('TAR at FAR counts genuine scores at or above that threshold', () => {
    const impostor = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
    const genuine = [0.99, 0.97, 0.9, 0.85];
    const { tar, threshold } = tarAtFar({ genuine, impostor }, 0.1); // one impostor may pass: threshold just above 0.9
    expect(threshold).toBeGreaterThan(0.9);
    expect(tar).toBe(0.5);
  });

  it('best balanced accuracy finds the separating threshold', () => {
    const best = bestBalancedAccuracy({ genuine: [0.9, 0.8, 0.7], impostor: [0.6, 0.1, 0.1, 0.1, 0.1] });
    expect(best.accuracy).toBe(1);
    expect(best.threshold).toBe(0.7);
  });

  it('the ROC curve runs from (0,0) to (1,1) monotonically', () => {
    const roc = rocCurve({ genuine: [0.9, 0.5, 0.4], impostor: [0.6, 0.3] });
    expect(roc[0]).toMatchObject({ far: 0, tar: 0 });
    expect(roc[roc.length - 1]).toMatchObject({ far: 1, tar: 1 });
    for (let i = 1; i < roc.length; i++) {
      expect(roc[i].far).toBeGreaterThanOrEqual(roc[i - 1].far);
      expect(roc[i].tar).toBeGreaterThanOrEqual(roc[i - 1].tar);
    }
  });

  it('percentile interpolates between ranks', () => {
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20], 95)).toBeCloseTo(19.5, 10);
  });

  it('upper bound of a rate follows the rule of three for zero events', () => {
    expect(rateUpperBound(0, 1000)).toBeCloseTo(2.996 / 1000, 5);
    expect(rateUpperBound(10, 1000)).toBeGreaterThan(10 / 1000);
    expect(rateUpperBound(10, 1000)).toBeLessThan(18 / 1000);
  });

  it('a confident threshold is stricter than the plain one', () => {
    const impostor = Array.from({ length: 20000 }, (_, i) => (i % 1000) / 1000 - 0.5);
    const plain = thresholdAtFar(impostor, 1e-3);
    const confident = confidentThresholdAtFar(impostor, 1e-3);
    expect(confident).toBeGreaterThanOrEqual(plain);
    expect(rateUpperBound(impostor.filter((s) => s >= confident).length, impostor.length)).toBeLessThanOrEqual(1e-3);
  });
});
