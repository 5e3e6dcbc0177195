import { Point } from './geometry.types';
import { fitHeadPose, interOcular, projectMeanFace } from './head-pose-3d';

const NOSE = [27, 28, 29, 30, 31, 32, 33, 34, 35];
const MOUTH = Array.from({ length: 20 }, (_, i) => 48 + i);

function shifted(points: Point[], indices: number[], dx: number, dy: number): Point[] {
  const moved = new Set(indices);
  return points.map((p, i) => (moved.has(i) ? { x: p.x + dx, y: p.y + dy } : p));
}

describe('fitHeadPose', () => {
  it.each([
    [0, 0, 0],
    [30, 0, 0],
    [-30, 0, 0],
    [45, 10, 0],
    [-20, -25, 8],
    [10, 20, -15],
  ])('recovers yaw %d, pitch %d, roll %d from a projection of the mean face', (yaw, pitch, roll) => {
    const pose = fitHeadPose(projectMeanFace(yaw, pitch, roll, 2.5, { x: 320, y: 240 }));
    expect(Math.abs(pose.yaw - yaw)).toBeLessThan(2);
    expect(Math.abs(pose.pitch - pitch)).toBeLessThan(2);
    expect(Math.abs(pose.roll - roll)).toBeLessThan(2);
    expect(pose.residual).toBeLessThan(0.005);
  });

  it('reads a nose moved to the image right as a positive yaw and a nose moved down as a positive pitch', () => {
    const right = fitHeadPose(projectMeanFace(25, 0, 0));
    expect(projectMeanFace(25, 0, 0)[30].x).toBeGreaterThan(projectMeanFace(0, 0, 0)[30].x);
    expect(right.yaw).toBeGreaterThan(20);
    expect(projectMeanFace(0, 20, 0)[30].y).toBeGreaterThan(projectMeanFace(0, 0, 0)[30].y);
    expect(fitHeadPose(projectMeanFace(0, 20, 0)).pitch).toBeGreaterThan(15);
    expect(fitHeadPose(projectMeanFace(0, 0, 10)).roll).toBeGreaterThan(5);
  });

  it('gives a clearly larger residual when nose and mouth are shifted sideways against eyes and jaw', () => {
    for (const yaw of [0, 20, -20]) {
      const face = projectMeanFace(yaw, 5, 0, 3, { x: 300, y: 200 });
      const real = fitHeadPose(face).residual;
      const edited = fitHeadPose(shifted(face, [...NOSE, ...MOUTH], 0.15 * interOcular(face), 0)).residual;
      expect(edited).toBeGreaterThan(0.03);
      expect(edited).toBeGreaterThan(10 * real + 0.02);
    }
  });

  it('is invariant to image scale and translation', () => {
    const a = fitHeadPose(projectMeanFace(15, -10, 5, 1));
    const b = fitHeadPose(projectMeanFace(15, -10, 5, 7, { x: 900, y: -40 }));
    expect(b.yaw).toBeCloseTo(a.yaw, 3);
    expect(b.residual).toBeCloseTo(a.residual, 5);
  });

  it('rejects a point list that is not the 68-point layout', () => {
    expect(() => fitHeadPose([{ x: 0, y: 0 }])).toThrow();
  });

  it('runs well under a millisecond', () => {
    const face = projectMeanFace(20, 10, 5, 3);
    // Best of several batches, so a busy CI machine does not fail it (unloaded: ~0.05 ms a fit).
    const batches = Array.from({ length: 5 }, () => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) fitHeadPose(face);
      return Number(process.hrtime.bigint() - start) / 1e6 / 200;
    });
    expect(Math.min(...batches)).toBeLessThan(1);
  });
});
