import {
  acceptRate,
  auc,
  bestAccuracyThreshold,
  bestBalancedAccuracy,
  confidentThresholdAtFar,
  eer,
  minMax,
  percentile,
  rateUpperBound,
  rocCurve,
  ScoreSets,
  sortScores,
  tarAtFar,
  thresholdAtFar,
} from './metrics';

const sorted = (sets: ScoreSets) => sortScores(sets);
const asc = (values: number[]) => Float64Array.from(values).sort();

describe('verification metrics', () => {
  it('AUC is 1 for perfect separation, 0 for reversed, 0.5 for identical sets', () => {
    expect(auc(sorted({ genuine: [0.9, 0.8, 0.7], impostor: [0.1, 0.2, 0.3] }))).toBe(1);
    expect(auc(sorted({ genuine: [0.1, 0.2], impostor: [0.8, 0.9] }))).toBe(0);
    expect(auc(sorted({ genuine: [0.5, 0.5], impostor: [0.5, 0.5] }))).toBe(0.5);
  });

  it('AUC counts one overlapping pair out of nine', () => {
    // genuine 0.4 is below impostor 0.5; the other 8 of 9 comparisons are correct.
    expect(auc(sorted({ genuine: [0.9, 0.8, 0.4], impostor: [0.5, 0.2, 0.1] }))).toBeCloseTo(8 / 9, 10);
  });

  it('EER is 0 when the sets separate and interpolates the crossing otherwise', () => {
    expect(eer(sorted({ genuine: [0.9, 0.8], impostor: [0.1, 0.2] })).eer).toBe(0);
    // 4 genuine, 4 impostor, one of each on the wrong side: FAR = FRR = 25% at the crossing.
    const result = eer(sorted({ genuine: [0.9, 0.8, 0.7, 0.3], impostor: [0.6, 0.2, 0.1, 0.05] }));
    expect(result.eer).toBeCloseTo(0.25, 10);
  });

  it('threshold at FAR allows floor(far x n) impostors through', () => {
    const impostor = asc(Array.from({ length: 1000 }, (_, i) => i / 1000)); // 0.000 .. 0.999
    const t = thresholdAtFar(impostor, 1e-2); // 10 allowed: 0.990..0.999
    expect(acceptRate(impostor, t)).toBeLessThanOrEqual(1e-2);
    expect(t).toBeGreaterThan(0.989);
    expect(t).toBeLessThanOrEqual(0.99);
    expect(thresholdAtFar(impostor, 1)).toBe(-Infinity);
  });

  it('TAR at FAR counts genuine scores at or above that threshold', () => {
    const impostor = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
    const genuine = [0.99, 0.97, 0.9, 0.85];
    const { tar, threshold } = tarAtFar(sorted({ genuine, impostor }), 0.1); // one impostor may pass: just above 0.9
    expect(threshold).toBeGreaterThan(0.9);
    expect(tar).toBe(0.5);
  });

  it('best balanced accuracy finds the separating threshold', () => {
    const best = bestBalancedAccuracy(sorted({ genuine: [0.9, 0.8, 0.7], impostor: [0.6, 0.1, 0.1, 0.1, 0.1] }));
    expect(best.accuracy).toBe(1);
    expect(best.threshold).toBe(0.7);
  });

  it('best accuracy threshold sits in the middle of the gap below the best score', () => {
    const best = bestAccuracyThreshold(sorted({ genuine: [0.9, 0.8, 0.7, 0.2], impostor: [0.6, 0.5, 0.3, 0.1] }));
    expect(best.accuracy).toBe(7 / 8);
    expect(best.threshold).toBeCloseTo(0.65, 10);
    // Ties across the sets: accepting at 0.5 takes one genuine and one impostor, so it never helps.
    const tied = bestAccuracyThreshold(sorted({ genuine: [0.9, 0.5], impostor: [0.5, 0.1] }));
    expect(tied.accuracy).toBe(3 / 4);
    expect(tied.threshold).toBeCloseTo(0.7, 10);
  });

  it('the ROC curve runs from (0,0) to (1,1) monotonically', () => {
    const roc = rocCurve(sorted({ genuine: [0.9, 0.5, 0.4], impostor: [0.6, 0.3] }));
    expect(roc[0]).toMatchObject({ far: 0, tar: 0 });
    expect(roc[roc.length - 1]).toMatchObject({ far: 1, tar: 1 });
    for (let i = 1; i < roc.length; i++) {
      expect(roc[i].far).toBeGreaterThanOrEqual(roc[i - 1].far);
      expect(roc[i].tar).toBeGreaterThanOrEqual(roc[i - 1].tar);
    }
  });

  it('percentile interpolates between ranks of a sorted array', () => {
    expect(percentile(asc([1, 2, 3, 4, 5]), 50)).toBe(3);
    expect(percentile(asc([1, 2, 3, 4]), 50)).toBe(2.5);
    expect(percentile(asc([10, 20]), 95)).toBeCloseTo(19.5, 10);
  });

  it('minMax reads a million values without spreading them into arguments', () => {
    const values = new Float32Array(1_000_000).map((_, i) => Math.sin(i));
    const { min, max } = minMax(values);
    expect(min).toBeCloseTo(-1, 6);
    expect(max).toBeCloseTo(1, 6);
  });

  it('refuses NaN scores instead of sorting them silently to one end', () => {
    expect(() => sortScores({ genuine: [0.5, NaN], impostor: [0.1] })).toThrow('NaN');
  });

  it('a confident threshold is stricter than the plain one', () => {
    const impostor = asc(Array.from({ length: 20000 }, (_, i) => (i % 1000) / 1000 - 0.5));
    const plain = thresholdAtFar(impostor, 1e-3);
    const confident = confidentThresholdAtFar(impostor, 1e-3);
    expect(confident.enoughPairs).toBe(true);
    expect(confident.threshold).toBeGreaterThanOrEqual(plain);
    expect(rateUpperBound(confident.accepted, impostor.length)).toBeLessThanOrEqual(1e-3);
  });

  it('says when a set is too small to show a FAR with confidence', () => {
    const impostor = asc(Array.from({ length: 20000 }, (_, i) => i / 20000));
    // 0 false accepts in 20,000 pairs bounds the FAR only at 3.0/20,000 = 1.5e-4 with 95% confidence.
    expect(confidentThresholdAtFar(impostor, 1e-4).enoughPairs).toBe(false);
  });
});

describe('verification metrics agree with their definitions on small random sets with ties', () => {
  // The definitions, written the slow and obvious way.
  const naiveAuc = ({ genuine, impostor }: { genuine: number[]; impostor: number[] }) => {
    let wins = 0;
    for (const g of genuine) for (const i of impostor) wins += g > i ? 1 : g === i ? 0.5 : 0;
    return wins / (genuine.length * impostor.length);
  };
  const naiveBestBalanced = ({ genuine, impostor }: { genuine: number[]; impostor: number[] }) => {
    let best = 0.5;
    for (const t of [...genuine, ...impostor]) {
      const tar = genuine.filter((s) => s >= t).length / genuine.length;
      const far = impostor.filter((s) => s >= t).length / impostor.length;
      best = Math.max(best, (tar + 1 - far) / 2);
    }
    return best;
  };
  const naiveBestAccuracy = ({ genuine, impostor }: { genuine: number[]; impostor: number[] }, t: number) =>
    (genuine.filter((s) => s >= t).length + impostor.filter((s) => s < t).length) / (genuine.length + impostor.length);

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i', (seed) => {
    let state = seed * 7919;
    const next = () => (state = (state * 48271) % 2147483647) / 2147483647;
    // Scores on a coarse grid so that ties within and across the sets are common.
    const genuine = Array.from({ length: 40 }, () => Math.round((0.3 + next()) * 20) / 20);
    const impostor = Array.from({ length: 60 }, () => Math.round(next() * 20) / 20);
    const s = sorted({ genuine, impostor });
    expect(auc(s)).toBeCloseTo(naiveAuc({ genuine, impostor }), 12);
    expect(bestBalancedAccuracy(s).accuracy).toBeCloseTo(naiveBestBalanced({ genuine, impostor }), 12);
    const best = bestAccuracyThreshold(s);
    expect(naiveBestAccuracy({ genuine, impostor }, best.threshold)).toBeCloseTo(best.accuracy, 12);
    for (const t of [...genuine, ...impostor]) expect(naiveBestAccuracy({ genuine, impostor }, t)).toBeLessThanOrEqual(best.accuracy + 1e-12);
    const e = eer(s);
    expect(e.eer).toBeGreaterThanOrEqual(0);
    expect(e.eer).toBeLessThanOrEqual(0.5);
  });
});
