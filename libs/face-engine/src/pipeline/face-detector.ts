import type { InferenceSession } from 'onnxruntime-node';
import { clampBox } from '../geometry/box';
import { computeLetterbox, unletterboxBox } from '../geometry/letterbox';
import { nonMaxSuppression, ScoredBox } from '../geometry/nms';
import { resizeRgb } from '../image/image-decoder';
import { RgbImage } from '../image/raw-image';
import { runSingle } from '../runtime/onnx-session.factory';

const INPUT_WIDTH = 320;
const INPUT_HEIGHT = 240;
const PAD = 127;

export interface DetectorSettings {
  /** Keep candidates at or above this face score (0.8 measured best: 0.7 lets a texture through, 0.9 misses crowds). */
  scoreThreshold: number;
  /** Hard NMS overlap. */
  nmsIou: number;
}

/** UltraFace RFB-320: boxes already decoded and scores already softmaxed by the model. */
export class FaceDetector {
  constructor(
    private readonly session: InferenceSession,
    private readonly settings: DetectorSettings,
  ) {}

  async detect(image: RgbImage): Promise<ScoredBox[]> {
    const lb = computeLetterbox(image.width, image.height, INPUT_WIDTH, INPUT_HEIGHT);
    const resized = await resizeRgb(image, lb.width, lb.height);
    const input = letterboxTensor(resized, lb.padX, lb.padY);
    const out = await runSingle(this.session, input, [1, 3, INPUT_HEIGHT, INPUT_WIDTH]);
    const scores = out.scores;
    const boxes = out.boxes;
    const candidates: ScoredBox[] = [];
    for (let i = 0; i < scores.length / 2; i++) {
      const score = scores[i * 2 + 1];
      if (score < this.settings.scoreThreshold) continue;
      const raw = unletterboxBox(lb, boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]);
      const box = clampBox(raw, image.width, image.height);
      if (box.width >= 1 && box.height >= 1) candidates.push({ box, score });
    }
    return nonMaxSuppression(candidates, this.settings.nmsIou);
  }
}

/** Planar RGB, (x-127)/128, with the resized image centred in a 320x240 canvas padded with 127 (= 0 after norm). */
function letterboxTensor(resized: RgbImage, padX: number, padY: number): Float32Array {
  const plane = INPUT_WIDTH * INPUT_HEIGHT;
  const input = new Float32Array(3 * plane).fill((PAD - 127) / 128);
  const { data, width, height } = resized;
  for (let y = 0; y < height; y++) {
    const row = (y + padY) * INPUT_WIDTH + padX;
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * 3;
      const dst = row + x;
      input[dst] = (data[src] - 127) / 128;
      input[plane + dst] = (data[src + 1] - 127) / 128;
      input[2 * plane + dst] = (data[src + 2] - 127) / 128;
    }
  }
  return input;
}
