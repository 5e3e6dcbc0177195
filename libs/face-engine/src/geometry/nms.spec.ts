import { nonMaxSuppression } from './nms';
import { clampBox, intersectionOverUnion, overlapOfSmaller, scaledCrop, squareBox } from './box';

const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });

describe('nonMaxSuppression', () => {
  it('keeps the best of overlapping boxes and every separate box', () => {
    const kept = nonMaxSuppression(
      [
        { box: box(0, 0, 100, 100), score: 0.9 },
        { box: box(5, 5, 100, 100), score: 0.95 },
        { box: box(300, 300, 50, 50), score: 0.85 },
      ],
      0.4,
    );
    expect(kept.map((k) => k.score)).toEqual([0.95, 0.85]);
  });

  it('keeps boxes whose overlap is at or below the threshold', () => {
    const a = box(0, 0, 100, 100);
    const b = box(60, 0, 100, 100); // IoU = 4000 / 16000 = 0.25
    expect(intersectionOverUnion(a, b)).toBeCloseTo(0.25, 6);
    expect(
      nonMaxSuppression(
        [
          { box: a, score: 0.9 },
          { box: b, score: 0.8 },
        ],
        0.4,
      ),
    ).toHaveLength(2);
    expect(
      nonMaxSuppression(
        [
          { box: a, score: 0.9 },
          { box: b, score: 0.8 },
        ],
        0.2,
      ),
    ).toHaveLength(1);
  });

  it('returns nothing for nothing', () => {
    expect(nonMaxSuppression([], 0.4)).toEqual([]);
  });
});

describe('face boxes', () => {
  it('makes a square of the box height, centred, shifted inside the image', () => {
    expect(squareBox(box(40, 20, 20, 40), 200, 200)).toEqual(box(30, 20, 40, 40));
    expect(squareBox(box(-10, 0, 30, 50), 100, 100)).toEqual(box(0, 0, 50, 50));
  });

  it('limits the liveness context crop to the image', () => {
    const crop = scaledCrop(box(40, 40, 20, 20), 2.7, 100, 100);
    expect(crop.width).toBe(54);
    expect(crop.x).toBe(23);
    const limited = scaledCrop(box(10, 10, 60, 60), 2.7, 100, 100);
    expect(limited.width).toBeLessThanOrEqual(100);
    expect(limited.x).toBeGreaterThanOrEqual(0);
  });

  it('measures how much of the smaller box lies inside the other', () => {
    expect(overlapOfSmaller(box(0, 0, 100, 100), box(10, 10, 20, 20))).toBe(1);
    expect(overlapOfSmaller(box(0, 0, 100, 100), box(90, 0, 20, 20))).toBeCloseTo(0.5, 10);
    expect(overlapOfSmaller(box(0, 0, 10, 10), box(50, 50, 10, 10))).toBe(0);
  });

  it('clamps boxes to the image', () => {
    expect(clampBox(box(-5, 90, 20, 20), 100, 100)).toEqual(box(0, 90, 15, 10));
  });
});
