import { Point } from '../geometry/geometry.types';
import { FaceExpression } from './face.types';

const dist = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * Eye aspect ratio (Soukupová & Čech, 2016) of one eye in the iBUG 68-point layout: the two lid-to-lid heights over
 * the corner-to-corner width. About 0.25-0.35 for an open eye, under ~0.15 for a closed one. It does not depend on
 * face size, so frames compare with a ratio; a head turn foreshortens the width and raises it, which is why the
 * challenge reads it only on roughly frontal frames.
 */
export function eyeAspectRatio(p: readonly Point[], first: number): number {
  const [p1, p2, p3, p4, p5, p6] = [0, 1, 2, 3, 4, 5].map((i) => p[first + i]);
  const width = Math.max(1e-6, dist(p1, p4));
  return (dist(p2, p6) + dist(p3, p5)) / (2 * width);
}

/**
 * Expression measures from the 68 points, for the active liveness challenge. Widths are divided by the distance
 * between the eye centres, so they compare across frames whatever the face size.
 */
export function measureExpression(p: readonly Point[]): FaceExpression {
  const leftEye = eyeAspectRatio(p, 36);
  const rightEye = eyeAspectRatio(p, 42);
  const eyeCentre = (first: number) => ({
    x: [0, 1, 2, 3, 4, 5].reduce((s, i) => s + p[first + i].x, 0) / 6,
    y: [0, 1, 2, 3, 4, 5].reduce((s, i) => s + p[first + i].y, 0) / 6,
  });
  const interocular = Math.max(1e-6, dist(eyeCentre(36), eyeCentre(42)));
  return {
    eyeOpening: round3((leftEye + rightEye) / 2),
    mouthWidth: round3(dist(p[48], p[54]) / interocular),
    mouthOpening: round3((dist(p[61], p[67]) + dist(p[62], p[66]) + dist(p[63], p[65])) / 3 / interocular),
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
