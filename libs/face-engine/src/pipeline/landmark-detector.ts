import type { InferenceSession } from 'onnxruntime-node';
import { Box, Point } from '../geometry/geometry.types';
import { resizeRgb } from '../image/image-decoder';
import { luma, RgbImage } from '../image/raw-image';
import { runSingle } from '../runtime/onnx-session.factory';
import { FivePoints } from './face.types';

const SIZE = 64;

/** 68-point landmark regressor on a 64x64 grey crop of the square face box. */
export class LandmarkDetector {
  constructor(private readonly session: InferenceSession) {}

  /** Returns the 68 points in image pixels. */
  async detect(image: RgbImage, square: Box): Promise<Point[]> {
    const crop = await resizeRgb(image, SIZE, SIZE, square);
    const input = new Float32Array(SIZE * SIZE);
    for (let i = 0; i < input.length; i++) {
      input[i] = luma(crop.data[i * 3], crop.data[i * 3 + 1], crop.data[i * 3 + 2]) / 256;
    }
    const out = await runSingle(this.session, input, [1, 1, SIZE, SIZE]);
    const values = Object.values(out)[0];
    const points: Point[] = [];
    for (let i = 0; i < 68; i++) {
      points.push({ x: square.x + values[i * 2] * square.width, y: square.y + values[i * 2 + 1] * square.height });
    }
    return points;
  }
}

/** Reduces the 68-point (iBUG) layout to the five ArcFace points. Indices are 0-based. */
export function toFivePoints(p: readonly Point[]): FivePoints {
  const mean = (...idx: number[]): Point => ({
    x: idx.reduce((s, i) => s + p[i].x, 0) / idx.length,
    y: idx.reduce((s, i) => s + p[i].y, 0) / idx.length,
  });
  return {
    leftEye: mean(37, 38, 40, 41),
    rightEye: mean(43, 44, 46, 47),
    nose: { ...p[30] },
    mouthLeft: mean(48, 60),
    mouthRight: mean(54, 64),
  };
}
