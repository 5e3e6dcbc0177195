import { Box } from '../geometry/geometry.types';
import { RgbImage } from './raw-image';

/**
 * Resizes a region of raw RGB in plain JavaScript the way sharp's `kernel: 'linear'` does (libvips 8.18, measured):
 * shrinking, a triangle filter whose support spans the shrink factor around each output pixel's centre; enlarging,
 * bilinear interpolation at source position `o * scale - 0.5` on both axes (libvips' affine, so an axis of unchanged
 * size is blurred by half a pixel too); past the border the edge pixel stands in.
 *
 * Why it exists: every sharp call costs about 0.8 ms of CPU before it touches a pixel (measured: 1,000 resizes of a
 * 10x10 image), and a request makes several small resizes (the landmarks' 64x64 crop, a small photo's detector input,
 * the aligner's shrink). Only the jobs fitsLinearResize accepts come here; the rest stay with libvips.
 */
export function linearResize(image: RgbImage, width: number, height: number, region?: Box): RgbImage {
  const src = region ?? { x: 0, y: 0, width: image.width, height: image.height };
  if (!insideImage(src, image) || !fitsLinearResize(src, width, height)) {
    // A caller's bug, never an upload's: regions come from clamped boxes (sharp threw here too).
    throw new Error(`linearResize cannot take ${src.width}x${src.height}+${src.x}+${src.y} of ${image.width}x${image.height} to ${width}x${height}`);
  }
  const enlarging = width > src.width || height > src.height;
  const xs = axisWeights(src.width, width, enlarging);
  const ys = axisWeights(src.height, height, enlarging);
  const rows = horizontalPass(image, src, width, xs);
  return { data: verticalPass(rows, width * 3, height, ys), width, height };
}

/**
 * Above this many multiply-adds libvips is cheaper than the loop (about 1-2 ns a multiply-add here, against sharp's
 * 0.8 ms a call). A request's small resizes stay below it.
 */
export const JS_RESIZE_MAX_COST = 1_000_000;

/**
 * Shrinking by this much or more, libvips first averages whole blocks of pixels and then filters what is left, which
 * this loop does not copy: such jobs stay with sharp.
 */
const MAX_SHRINK = 4;

/**
 * Whether linearResize gives what sharp would for this job, cheaper: whole sizes, both axes shrinking (or one of them
 * unchanged) by less than MAX_SHRINK, or both enlarging (or unchanged), and a cost within JS_RESIZE_MAX_COST. One axis
 * shrinking while the other enlarges goes through two libvips stages that this loop does not copy.
 */
export function fitsLinearResize(source: { width: number; height: number }, width: number, height: number): boolean {
  const sizes = [source.width, source.height, width, height];
  if (!sizes.every((n) => Number.isInteger(n) && n >= 1)) return false;
  const enlarging = width > source.width || height > source.height;
  const shrinking = width < source.width || height < source.height;
  if (enlarging && shrinking) return false;
  if (source.width / width >= MAX_SHRINK || source.height / height >= MAX_SHRINK) return false;
  return resizeCost(source.width, source.height, width, height) <= JS_RESIZE_MAX_COST;
}

/** Multiply-adds linearResize does: the horizontal pass over every source row, then the vertical one. */
export function resizeCost(sourceWidth: number, sourceHeight: number, width: number, height: number): number {
  const enlarging = width > sourceWidth || height > sourceHeight;
  return 3 * width * (sourceHeight * axisTaps(sourceWidth, width, enlarging) + height * axisTaps(sourceHeight, height, enlarging));
}

/** Source pixels an output pixel reads along one axis: the one rule for the filter's width (and for resizeCost). */
function axisTaps(source: number, target: number, enlarging: boolean): number {
  if (source === target && !enlarging) return 1;
  // A triangle of radius r around a centre touches at most ceil(2r) pixels with a weight above 0.
  return Math.ceil(2 * Math.max(1, source / target));
}

function insideImage(src: Box, image: RgbImage): boolean {
  const whole = [src.x, src.y, src.width, src.height].every(Number.isInteger);
  return whole && src.x >= 0 && src.y >= 0 && src.x + src.width <= image.width && src.y + src.height <= image.height;
}

/** Each source row of the region resized to `width`, as floats (rounded once, after the vertical pass). */
function horizontalPass(image: RgbImage, src: Box, width: number, xs: AxisWeights): Float32Array {
  const { taps, index, weights } = xs;
  const pixels = image.data;
  const rows = new Float32Array(src.height * width * 3);
  let o = 0;
  for (let y = 0; y < src.height; y++) {
    const inRow = ((src.y + y) * image.width + src.x) * 3;
    for (let x = 0; x < width; x++) {
      let r = 0,
        g = 0,
        b = 0;
      for (let k = x * taps; k < (x + 1) * taps; k++) {
        const w = weights[k];
        const p = inRow + index[k] * 3;
        r += w * pixels[p];
        g += w * pixels[p + 1];
        b += w * pixels[p + 2];
      }
      rows[o++] = r;
      rows[o++] = g;
      rows[o++] = b;
    }
  }
  return rows;
}

/** Output rows as weighted sums of whole float rows (contiguous reads), rounded and clamped to bytes. */
function verticalPass(rows: Float32Array, stride: number, height: number, ys: AxisWeights): Uint8Array {
  const { taps, index, weights } = ys;
  const data = new Uint8Array(stride * height);
  const acc = new Float32Array(stride);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let t = 0; t < taps; t++) {
      const w = weights[y * taps + t];
      if (w === 0) continue;
      const from = index[y * taps + t] * stride;
      for (let i = 0; i < stride; i++) acc[i] += w * rows[from + i];
    }
    const out = y * stride;
    for (let i = 0; i < stride; i++) {
      const v = acc[i];
      data[out + i] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
    }
  }
  return data;
}

interface AxisWeights {
  taps: number;
  /** Per output pixel, the `taps` source pixels it reads (the edge pixel repeated past the border). */
  index: Int32Array;
  /** Their normalised weights. */
  weights: Float32Array;
}

/** Triangle weights along one axis, placed as libvips places them (see linearResize). */
function axisWeights(source: number, target: number, enlarging: boolean): AxisWeights {
  const taps = axisTaps(source, target, enlarging);
  const index = new Int32Array(target * taps);
  const weights = new Float32Array(target * taps);
  const scale = source / target;
  const radius = Math.max(1, scale);
  for (let o = 0; o < target; o++) {
    const centre = enlarging ? o * scale - 0.5 : taps === 1 ? o : (o + 0.5) * scale - 0.5;
    const lo = Math.ceil(centre - radius);
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const s = lo + t;
      const w = taps === 1 ? 1 : Math.max(0, 1 - Math.abs(s - centre) / radius);
      index[o * taps + t] = Math.min(source - 1, Math.max(0, taps === 1 ? o : s));
      weights[o * taps + t] = w;
      sum += w;
    }
    for (let t = 0; t < taps; t++) weights[o * taps + t] /= sum;
  }
  return { taps, index, weights };
}
