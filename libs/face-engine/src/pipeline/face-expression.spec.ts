import { Point } from '../geometry/geometry.types';
import { eyeAspectRatio, measureExpression } from './face-expression';

/** 68 points with two eyes of the given lid gap and a mouth of the given width; everything else at the origin. */
function face(lidGap: number, mouthWidth: number, scale = 1): Point[] {
  const p: Point[] = Array.from({ length: 68 }, () => ({ x: 0, y: 0 }));
  const eye = (first: number, cx: number) => {
    // iBUG order: outer corner, two upper lid points, inner corner, two lower lid points.
    p[first] = { x: cx - 15, y: 0 };
    p[first + 1] = { x: cx - 5, y: -lidGap / 2 };
    p[first + 2] = { x: cx + 5, y: -lidGap / 2 };
    p[first + 3] = { x: cx + 15, y: 0 };
    p[first + 4] = { x: cx + 5, y: lidGap / 2 };
    p[first + 5] = { x: cx - 5, y: lidGap / 2 };
  };
  eye(36, -30);
  eye(42, 30);
  p[48] = { x: -mouthWidth / 2, y: 60 };
  p[54] = { x: mouthWidth / 2, y: 60 };
  return p.map((q) => ({ x: q.x * scale, y: q.y * scale }));
}

describe('face expression', () => {
  it('gives the eye aspect ratio: lid gap over corner-to-corner width', () => {
    expect(eyeAspectRatio(face(9, 48), 36)).toBeCloseTo(0.3);
    expect(eyeAspectRatio(face(2, 48), 42)).toBeCloseTo(2 / 30);
  });

  it('drops eye opening when the eyes close and widens the mouth measure with a smile', () => {
    const open = measureExpression(face(9, 48));
    const shut = measureExpression(face(2, 48));
    const smile = measureExpression(face(9, 66));
    expect(shut.eyeOpening).toBeLessThan(0.5 * open.eyeOpening);
    expect(smile.mouthWidth / open.mouthWidth).toBeCloseTo(66 / 48, 2);
    expect(open.mouthWidth).toBeCloseTo(48 / 60, 3);
  });

  it('does not depend on the size of the face', () => {
    expect(measureExpression(face(9, 48, 3))).toEqual(measureExpression(face(9, 48)));
  });
});
