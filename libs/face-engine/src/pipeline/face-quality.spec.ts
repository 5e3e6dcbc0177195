import { ARCFACE_TEMPLATE, warpAffine } from './face-aligner';
import { estimatePose, laplacianVariance, meanBrightness } from './face-quality';
import { FivePoints } from './face.types';
import { selectPrimaryFace } from './primary-face';
import { toFivePoints } from './landmark-detector';

const template: FivePoints = {
  leftEye: ARCFACE_TEMPLATE[0],
  rightEye: ARCFACE_TEMPLATE[1],
  nose: ARCFACE_TEMPLATE[2],
  mouthLeft: ARCFACE_TEMPLATE[3],
  mouthRight: ARCFACE_TEMPLATE[4],
};
const rotate = (p: FivePoints, deg: number): FivePoints => {
  const a = (deg * Math.PI) / 180;
  const r = (q: { x: number; y: number }) => ({ x: q.x * Math.cos(a) - q.y * Math.sin(a), y: q.x * Math.sin(a) + q.y * Math.cos(a) });
  return { leftEye: r(p.leftEye), rightEye: r(p.rightEye), nose: r(p.nose), mouthLeft: r(p.mouthLeft), mouthRight: r(p.mouthRight) };
};

describe('estimatePose', () => {
  it('reads a frontal face as roughly zero yaw, pitch and roll', () => {
    const pose = estimatePose(template);
    expect(Math.abs(pose.yaw)).toBeLessThan(2);
    expect(Math.abs(pose.pitch)).toBeLessThan(2);
    expect(Math.abs(pose.roll)).toBeLessThan(1);
  });

  it('reads in-plane rotation as roll and nothing else', () => {
    const pose = estimatePose(rotate(template, 20));
    expect(pose.roll).toBeCloseTo(20, 0);
    expect(Math.abs(pose.yaw)).toBeLessThan(2);
  });

  it('reads a nose shifted to the side as yaw, with the sign of the shift', () => {
    const turned = { ...template, nose: { x: template.nose.x + 15, y: template.nose.y } };
    expect(estimatePose(turned).yaw).toBeGreaterThan(25);
    const other = { ...template, nose: { x: template.nose.x - 15, y: template.nose.y } };
    expect(estimatePose(other).yaw).toBeLessThan(-25);
  });
});

describe('image statistics', () => {
  const flat = { data: new Uint8Array(16 * 16 * 3).fill(128), width: 16, height: 16 };
  const checker = {
    data: Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => (((Math.floor(i / 3) % 16) + Math.floor(i / 48)) % 2 ? 255 : 0)),
    width: 16,
    height: 16,
  };

  it('a flat image has no sharpness and a checkerboard a lot', () => {
    expect(laplacianVariance(flat)).toBe(0);
    expect(laplacianVariance(checker)).toBeGreaterThan(10000);
  });

  it('brightness is the mean grey level in 0..1', () => {
    expect(meanBrightness(flat)).toBeCloseTo(128 / 255, 6);
  });

  it('an identity warp copies the image and pixels outside the source are black', () => {
    const same = warpAffine(checker, [1, 0, 0, 0, 1, 0], 16, 16);
    expect(Array.from(same.data)).toEqual(Array.from(checker.data));
    const shifted = warpAffine(flat, [1, 0, 8, 0, 1, 0], 16, 16);
    expect(shifted.data[0]).toBe(0);
    expect(shifted.data[(0 * 16 + 15) * 3]).toBe(128);
  });
});

describe('selectPrimaryFace', () => {
  const b = (x: number, y: number, s: number) => ({ x, y, width: s, height: s });
  it('prefers the largest face containing the image centre over a larger one elsewhere', () => {
    expect(selectPrimaryFace([b(0, 0, 45), b(40, 40, 30)], 100, 100)).toBe(1);
  });
  it('falls back to the largest face when none contains the centre', () => {
    expect(selectPrimaryFace([b(0, 0, 10), b(70, 70, 25)], 100, 100)).toBe(1);
  });
  it('returns -1 without faces', () => {
    expect(selectPrimaryFace([], 100, 100)).toBe(-1);
  });
});

describe('toFivePoints', () => {
  it('averages the eye contours and mouth corners of the 68-point layout', () => {
    const points = Array.from({ length: 68 }, (_, i) => ({ x: i, y: 2 * i }));
    const five = toFivePoints(points);
    expect(five.leftEye).toEqual({ x: (37 + 38 + 40 + 41) / 4, y: (2 * (37 + 38 + 40 + 41)) / 4 });
    expect(five.nose).toEqual({ x: 30, y: 60 });
    expect(five.mouthRight).toEqual({ x: 59, y: 118 });
  });
});
