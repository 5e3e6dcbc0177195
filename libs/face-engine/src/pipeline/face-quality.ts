import { RgbImage, luma } from '../image/raw-image';
import { FaceQuality, FivePoints } from './face.types';

const DEG = 180 / Math.PI;
// In the ArcFace template the nose tip sits 49.4% of the way from the eye line to the mouth line.
const FRONTAL_NOSE_RATIO = (71.7366 - 51.599) / (92.2848 - 51.599);

/**
 * Head pose from five points, by a weak-perspective model: the nose tip stands out of the face plane by about half
 * the eye distance, so its offset from where a frontal nose would be gives the angle. Rough (+-10 degrees), but
 * enough to reject profile shots and to drive a head-turn challenge.
 */
export function estimatePose(p: FivePoints): { yaw: number; pitch: number; roll: number } {
  const roll = Math.atan2(p.rightEye.y - p.leftEye.y, p.rightEye.x - p.leftEye.x);
  const cos = Math.cos(-roll);
  const sin = Math.sin(-roll);
  const eyeMid = { x: (p.leftEye.x + p.rightEye.x) / 2, y: (p.leftEye.y + p.rightEye.y) / 2 };
  const derotate = (q: { x: number; y: number }) => ({
    x: cos * (q.x - eyeMid.x) - sin * (q.y - eyeMid.y),
    y: sin * (q.x - eyeMid.x) + cos * (q.y - eyeMid.y),
  });
  const le = derotate(p.leftEye),
    re = derotate(p.rightEye),
    nose = derotate(p.nose);
  const mouth = derotate({ x: (p.mouthLeft.x + p.mouthRight.x) / 2, y: (p.mouthLeft.y + p.mouthRight.y) / 2 });
  const eyeDistance = Math.max(1e-6, re.x - le.x);
  const faceHeight = Math.max(1e-6, mouth.y);
  const yaw = Math.atan((2 * nose.x) / eyeDistance);
  const pitch = Math.atan((2 * (nose.y - FRONTAL_NOSE_RATIO * faceHeight)) / faceHeight);
  return { yaw: round1(yaw * DEG), pitch: round1(pitch * DEG), roll: round1(roll * DEG) };
}

/** Variance of the 4-neighbour Laplacian over the aligned face's grey values: low means blurred. */
export function laplacianVariance(aligned: RgbImage): number {
  const { data, width, height } = aligned;
  const grey = new Float32Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = luma(data[i * 3], data[i * 3 + 1], data[i * 3 + 2]);
  let sum = 0,
    sumSq = 0,
    n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const lap = grey[i - 1] + grey[i + 1] + grey[i - width] + grey[i + width] - 4 * grey[i];
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

export function meanBrightness(aligned: RgbImage): number {
  const { data } = aligned;
  let sum = 0;
  for (let i = 0; i < data.length; i += 3) sum += luma(data[i], data[i + 1], data[i + 2]);
  return sum / (data.length / 3) / 255;
}

export function measureQuality(sizePx: number, detectorScore: number, aligned: RgbImage, points: FivePoints): FaceQuality {
  return {
    sizePx: Math.round(sizePx),
    detectorScore: round3(detectorScore),
    sharpness: round1(laplacianVariance(aligned)),
    brightness: round3(meanBrightness(aligned)),
    ...estimatePose(points),
  };
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const round3 = (v: number) => Math.round(v * 1000) / 1000;
