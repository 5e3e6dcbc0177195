import type { InferenceSession } from 'onnxruntime-node';
import { clampBox, overlapOfSmaller } from '../geometry/box';
import { Box } from '../geometry/geometry.types';
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
  /**
   * Stricter score for faces found only in tiles: at twice the resolution, textures (a galaxy at 0.86 in the dev
   * set) look more face-like, while real small faces in crowds mostly score above 0.9.
   */
  tileScoreThreshold: number;
}

/** UltraFace RFB-320: boxes already decoded and scores already softmaxed by the model. */
export class FaceDetector {
  constructor(
    private readonly session: InferenceSession,
    private readonly settings: DetectorSettings,
  ) {}

  /**
   * One pass over the whole image letterboxed to 320x240. With `tiles`, images larger than the model input also
   * get a 2x2 grid of overlapping tiles at twice the resolution, which finds faces that shrink below the model's
   * smallest anchor (~10 px) in the whole-image pass (crowds, group photos). Tile hits that are parts of a face the
   * whole pass already found are dropped.
   */
  async detect(image: RgbImage, tiles = false): Promise<ScoredBox[]> {
    const whole = nonMaxSuppression(await this.detectRegion(image, { x: 0, y: 0, width: image.width, height: image.height }), this.settings.nmsIou);
    if (!tiles || Math.max(image.width / INPUT_WIDTH, image.height / INPUT_HEIGHT) < TILE_MIN_RATIO) return whole;
    const extra: ScoredBox[] = [];
    for (const tile of tileGrid(image.width, image.height)) {
      for (const hit of await this.detectRegion(image, tile)) {
        if (hit.score < this.settings.tileScoreThreshold) continue;
        if (!whole.some((w) => overlapOfSmaller(w.box, hit.box) > 0.3)) extra.push(hit);
      }
    }
    return nonMaxSuppression([...whole, ...extra], this.settings.nmsIou);
  }

  private async detectRegion(image: RgbImage, region: Box): Promise<ScoredBox[]> {
    const lb = computeLetterbox(region.width, region.height, INPUT_WIDTH, INPUT_HEIGHT);
    const whole = region.width === image.width && region.height === image.height;
    const resized = await resizeRgb(image, lb.width, lb.height, whole ? undefined : region);
    const input = letterboxTensor(resized, lb.padX, lb.padY);
    const out = await runSingle(this.session, input, [1, 3, INPUT_HEIGHT, INPUT_WIDTH]);
    const scores = out.scores;
    const boxes = out.boxes;
    const candidates: ScoredBox[] = [];
    for (let i = 0; i < scores.length / 2; i++) {
      const score = scores[i * 2 + 1];
      if (score < this.settings.scoreThreshold) continue;
      const raw = unletterboxBox(lb, boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]);
      const box = clampBox({ ...raw, x: raw.x + region.x, y: raw.y + region.y }, image.width, image.height);
      if (box.width >= 1 && box.height >= 1) candidates.push({ box, score });
    }
    return candidates;
  }
}

// Tiling pays off only when the whole-image pass shrinks the image at least this much.
const TILE_MIN_RATIO = 1.5;

/** Four tiles, each a bit over half of each side, overlapping so a face on a seam is whole in some tile. */
export function tileGrid(width: number, height: number): Box[] {
  const tw = Math.round(width * 0.6);
  const th = Math.round(height * 0.6);
  const xs = [0, width - tw];
  const ys = [0, height - th];
  return ys.flatMap((y) => xs.map((x) => ({ x, y, width: tw, height: th })));
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
