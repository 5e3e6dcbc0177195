import { Affine, Point } from './geometry.types';
import { applyAffine, estimateSimilarity, invertAffine } from './umeyama';

const similarity = (angleDeg: number, scale: number, tx: number, ty: number): Affine => {
  const a = (angleDeg * Math.PI) / 180;
  return [scale * Math.cos(a), -scale * Math.sin(a), tx, scale * Math.sin(a), scale * Math.cos(a), ty];
};
const src: Point[] = [
  { x: 10, y: 20 },
  { x: 60, y: 22 },
  { x: 35, y: 45 },
  { x: 15, y: 70 },
  { x: 55, y: 72 },
];

describe('estimateSimilarity (Umeyama)', () => {
  it.each([
    [0, 1, 0, 0],
    [30, 1.7, 12, -5],
    [-75, 0.25, 100, 40],
    [180, 2, -3, 9],
  ])('recovers rotation %d deg, scale %d, translation (%d, %d) exactly', (angle, scale, tx, ty) => {
    const truth = similarity(angle, scale, tx, ty);
    const estimated = estimateSimilarity(
      src,
      src.map((p) => applyAffine(truth, p)),
    );
    estimated.forEach((v, i) => expect(v).toBeCloseTo(truth[i], 9));
  });

  it('gives the least-squares fit when the points are noisy', () => {
    const truth = similarity(12, 1.3, 4, 7);
    const noise = [0.4, -0.3, 0.2, -0.5, 0.1];
    const dst = src.map((p, i) => {
      const q = applyAffine(truth, p);
      return { x: q.x + noise[i], y: q.y - noise[(i + 2) % 5] };
    });
    const estimated = estimateSimilarity(src, dst);
    const residual = (m: Affine) => src.reduce((s, p, i) => s + (applyAffine(m, p).x - dst[i].x) ** 2 + (applyAffine(m, p).y - dst[i].y) ** 2, 0);
    expect(residual(estimated)).toBeLessThanOrEqual(residual(truth));
    expect(Math.hypot(estimated[0], estimated[3])).toBeCloseTo(1.3, 1);
  });

  it('never returns a reflection, even for mirrored points', () => {
    const mirrored = src.map((p) => ({ x: -p.x, y: p.y }));
    const m = estimateSimilarity(src, mirrored);
    expect(m[0] * m[4] - m[1] * m[3]).toBeGreaterThan(0);
  });

  it('rejects degenerate input', () => {
    expect(() => estimateSimilarity([{ x: 1, y: 1 }], [{ x: 1, y: 1 }])).toThrow();
    expect(() =>
      estimateSimilarity(
        [
          { x: 1, y: 1 },
          { x: 1, y: 1 },
        ],
        [
          { x: 0, y: 0 },
          { x: 2, y: 2 },
        ],
      ),
    ).toThrow();
  });

  it('inverts an affine transform', () => {
    const m = similarity(40, 2.5, 3, -8);
    const back = invertAffine(m);
    const p = { x: 17, y: -4 };
    const q = applyAffine(back, applyAffine(m, p));
    expect(q.x).toBeCloseTo(p.x, 9);
    expect(q.y).toBeCloseTo(p.y, 9);
  });
});
