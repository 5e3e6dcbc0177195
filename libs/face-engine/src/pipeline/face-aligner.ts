import { Affine, Point } from '../geometry/geometry.types';
import { estimateSimilarity, invertAffine } from '../geometry/umeyama';
import { resizeRgb } from '../image/image-decoder';
import { RgbImage } from '../image/raw-image';
import { FivePoints } from './face.types';

export const ALIGNED_SIZE = 112;

/** The ArcFace 112x112 reference positions of the five points. */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

export function fivePointsArray(p: FivePoints): Point[] {
  return [p.leftEye, p.rightEye, p.nose, p.mouthLeft, p.mouthRight];
}

/**
 * Warps the face onto the ArcFace template with a similarity transform and bilinear sampling. When the face is much
 * larger than 112 px, the region is first shrunk with proper antialiasing (resizeRgb), because bilinear sampling of
 * a 600 px face down to 112 px would alias.
 */
export async function alignFace(image: RgbImage, points: FivePoints): Promise<RgbImage> {
  let transform = estimateSimilarity(fivePointsArray(points), ARCFACE_TEMPLATE);
  let source = image;
  const scale = Math.hypot(transform[0], transform[3]);
  if (scale < 0.5) {
    const region = sourceRegion(transform, image.width, image.height);
    const factor = Math.min(1, scale * 1.5);
    const width = Math.max(1, Math.round(region.width * factor));
    const height = Math.max(1, Math.round(region.height * factor));
    source = await resizeRgb(image, width, height, region);
    // Compose: resized coords -> image coords -> template.
    const fx = region.width / width;
    const fy = region.height / height;
    const [a, b, tx, c, d, ty] = transform;
    transform = [a * fx, b * fy, a * region.x + b * region.y + tx, c * fx, d * fy, c * region.x + d * region.y + ty];
  }
  return warpAffine(source, transform, ALIGNED_SIZE, ALIGNED_SIZE);
}

/** The bounding box, in image pixels, of what the 112x112 output samples (plus a margin for bilinear taps). */
function sourceRegion(transform: Affine, width: number, height: number) {
  const inv = invertAffine(transform);
  const corners = [
    [0, 0],
    [ALIGNED_SIZE, 0],
    [0, ALIGNED_SIZE],
    [ALIGNED_SIZE, ALIGNED_SIZE],
  ].map(([u, v]) => ({
    x: inv[0] * u + inv[1] * v + inv[2],
    y: inv[3] * u + inv[4] * v + inv[5],
  }));
  // Clamped into the image even for a face mapped wholly outside it (the resize reads only inside the image).
  const x1 = Math.min(width - 1, Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))) - 2));
  const y1 = Math.min(height - 1, Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))) - 2));
  const x2 = Math.min(width, Math.ceil(Math.max(...corners.map((p) => p.x))) + 2);
  const y2 = Math.min(height, Math.ceil(Math.max(...corners.map((p) => p.y))) + 2);
  return { x: x1, y: y1, width: Math.max(1, x2 - x1), height: Math.max(1, y2 - y1) };
}

/** Inverse-mapped bilinear warp; pixels that fall outside the source are black (OpenCV's default border). */
export function warpAffine(src: RgbImage, transform: Affine, outWidth: number, outHeight: number): RgbImage {
  const inv = invertAffine(transform);
  const out = new Uint8Array(outWidth * outHeight * 3);
  const { data, width, height } = src;
  for (let v = 0; v < outHeight; v++) {
    for (let u = 0; u < outWidth; u++) {
      const sx = inv[0] * u + inv[1] * v + inv[2];
      const sy = inv[3] * u + inv[4] * v + inv[5];
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (v * outWidth + u) * 3;
      for (let c = 0; c < 3; c++) {
        const p00 = sample(data, width, height, x0, y0, c);
        const p10 = sample(data, width, height, x0 + 1, y0, c);
        const p01 = sample(data, width, height, x0, y0 + 1, c);
        const p11 = sample(data, width, height, x0 + 1, y0 + 1, c);
        const top = p00 + (p10 - p00) * fx;
        const bottom = p01 + (p11 - p01) * fx;
        out[o + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return { data: out, width: outWidth, height: outHeight };
}

function sample(data: Uint8Array, width: number, height: number, x: number, y: number, c: number): number {
  if (x < 0 || y < 0 || x >= width || y >= height) return 0;
  return data[(y * width + x) * 3 + c];
}
