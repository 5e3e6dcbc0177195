/**
 * Edited stills for the motion-evidence measurement: what an attacker with one photo and an image editor would
 * upload to fake a head turn, a look-up or a blink. Generated in memory (never written to disk): sharp decodes and
 * encodes, the warps are inverse-mapped in plain JS because sharp has no perspective or liquify transform.
 */
import sharp from 'sharp';
import type { Point } from '../../libs/face-engine/src';
import { seededRandom } from '../../libs/face-engine/src/eval/seeded-random';

export type EditKind =
  'unedited' | 'nose-mouth-15' | 'nose-mouth-30' | 'nose-up' | 'mouth-stretch' | 'eyes-shut' | 'half-compress' | 'perspective' | 'liquify-turn';
export const VARIANTS = ['clean', 'noise', 'bright', 'noise+bright', 'heavy'] as const;
export type Variant = (typeof VARIANTS)[number];

interface Raw {
  data: Float32Array;
  width: number;
  height: number;
}

export async function buildEdits(
  bytes: Buffer,
  p: readonly Point[],
  variant: Variant,
  seed: number,
): Promise<{ anchor: Buffer; edited: Map<EditKind, Buffer> }> {
  const { data, info } = await sharp(bytes).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const src: Raw = { data: Float32Array.from(data), width: info.width, height: info.height };
  const rng = seededRandom(seed);
  const iod = dist(centre(p, [37, 38, 40, 41]), centre(p, [43, 44, 46, 47]));
  const noseMouth = [...range(27, 36), ...range(48, 68)];
  const nose = range(27, 36);
  const mouth = range(48, 68);
  const edits: [EditKind, Raw][] = [
    ['unedited', src],
    ['nose-mouth-15', regionShift(src, p, noseMouth, 0.15 * iod, 0, iod)],
    ['nose-mouth-30', regionShift(src, p, noseMouth, 0.3 * iod, 0, iod)],
    ['nose-up', regionShift(src, p, nose, 0, -0.15 * iod, iod)],
    ['mouth-stretch', regionStretch(src, p, mouth, 1.3, iod)],
    ['eyes-shut', paintEyes(src, p, iod)],
    ['half-compress', halfCompress(src, p, 0.7, iod)],
    ['perspective', perspective(src, centre(p, range(27, 36)), 28)],
    ['liquify-turn', liquifyTurn(src, p, 0.22 * iod, iod)],
  ];
  // 'heavy': what an attacker who knows the texture check would try per frame: strong noise, a brightness and
  // contrast change, a slight blur and hard JPEG compression.
  const finish = async (raw: Raw, isAnchor: boolean) => {
    let out = raw;
    if (variant.includes('noise')) out = addNoise(out, 6, rng);
    if (variant.includes('bright') && !isAnchor) out = gain(out, 1.2, 12);
    if (variant === 'heavy') {
      out = addNoise(isAnchor ? out : gain(out, 0.85, 20), 16, rng);
      const blurred = await sharp(await encode(out, 95))
        .blur(isAnchor ? 0.6 : 1.1)
        .jpeg({ quality: 55 })
        .toBuffer();
      return blurred;
    }
    return encode(out);
  };
  const edited = new Map<EditKind, Buffer>();
  for (const [kind, raw] of edits) edited.set(kind, await finish(raw, false));
  return { anchor: await finish(src, true), edited };
}

/** Moves the pixels of a landmark region by (dx, dy), fading out over half an eye distance around it (liquify). */
function regionShift(src: Raw, p: readonly Point[], idx: number[], dx: number, dy: number, iod: number): Raw {
  const box = bounds(p, idx, 0.1 * iod);
  const weight = softBox(box, 0.5 * iod);
  return warp(src, (x, y) => {
    const w = weight(x, y);
    return [x - w * dx, y - w * dy];
  });
}

function regionStretch(src: Raw, p: readonly Point[], idx: number[], factor: number, iod: number): Raw {
  const box = bounds(p, idx, 0.1 * iod);
  const cx = (box.x0 + box.x1) / 2;
  const weight = softBox(box, 0.4 * iod);
  return warp(src, (x, y) => [x - weight(x, y) * (x - cx) * (1 - 1 / factor), y]);
}

/** Dark skin-coloured soft ellipses over both eyes: a painted blink. */
function paintEyes(src: Raw, p: readonly Point[], iod: number): Raw {
  const skin = meanColour(src, bounds(p, [1, 2, 31, 41], 0));
  const out = copy(src);
  for (const eye of [range(36, 42), range(42, 48)]) {
    const c = centre(p, eye);
    const rx = 0.32 * iod,
      ry = 0.14 * iod;
    for (let y = Math.floor(c.y - 2 * ry); y <= c.y + 2 * ry; y++) {
      for (let x = Math.floor(c.x - 2 * rx); x <= c.x + 2 * rx; x++) {
        if (x < 0 || y < 0 || x >= src.width || y >= src.height) continue;
        const r = Math.hypot((x - c.x) / rx, (y - c.y) / ry);
        const a = Math.max(0, Math.min(1, (1.3 - r) / 0.3));
        const i = (y * src.width + x) * 3;
        for (let k = 0; k < 3; k++) out.data[i + k] = (1 - a) * out.data[i + k] + a * 0.85 * skin[k];
      }
    }
  }
  return out;
}

/** The image-left half of the face squeezed towards the nose line (fading out above and below the face). */
function halfCompress(src: Raw, p: readonly Point[], factor: number, iod: number): Raw {
  const mid = p[30].x;
  const box = bounds(p, range(0, 68), 0.3 * iod);
  const rowWeight = (y: number) => Math.max(0, Math.min(1, Math.min(y - box.y0, box.y1 - y) / (0.5 * iod)));
  return warp(src, (x, y) => {
    if (x >= mid) return [x, y];
    const w = rowWeight(y);
    return [mid - (mid - x) * (1 + w * (1 / factor - 1)), y];
  });
}

/** The photo's plane turned about a vertical axis through the face by `degrees` (a pinhole at one image width). */
function perspective(src: Raw, c: Point, degrees: number): Raw {
  const f = src.width;
  const t = (degrees * Math.PI) / 180;
  return warp(src, (x, y) => {
    const u = x - c.x,
      v = y - c.y;
    const X = (u * f) / (f * Math.cos(t) + u * Math.sin(t));
    const Y = (v * (f - X * Math.sin(t))) / f;
    return [c.x + X, c.y + Y];
  });
}

/** A smooth sideways push of the face centre (nose most, eyes and jaw less): a liquify imitation of a turn. */
function liquifyTurn(src: Raw, p: readonly Point[], shift: number, iod: number): Raw {
  const c = centre(p, [30, 33, 51]);
  const sx = 0.9 * iod,
    sy = 1.1 * iod;
  return warp(src, (x, y) => {
    const w = Math.exp(-(((x - c.x) / sx) ** 2 + ((y - c.y) / sy) ** 2) / 2);
    return [x - w * shift, y];
  });
}

function warp(src: Raw, inverse: (x: number, y: number) => [number, number]): Raw {
  const out = copy(src);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const [sx, sy] = inverse(x, y);
      if (sx === x && sy === y) continue;
      sample(src, sx, sy, out.data, (y * src.width + x) * 3);
    }
  }
  return out;
}

function sample(src: Raw, x: number, y: number, out: Float32Array, at: number): void {
  const cx = Math.max(0, Math.min(src.width - 1.001, x)),
    cy = Math.max(0, Math.min(src.height - 1.001, y));
  const x0 = Math.floor(cx),
    y0 = Math.floor(cy),
    fx = cx - x0,
    fy = cy - y0;
  for (let k = 0; k < 3; k++) {
    const a = src.data[(y0 * src.width + x0) * 3 + k],
      b = src.data[(y0 * src.width + x0 + 1) * 3 + k];
    const c = src.data[((y0 + 1) * src.width + x0) * 3 + k],
      d = src.data[((y0 + 1) * src.width + x0 + 1) * 3 + k];
    out[at + k] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
  }
}

function addNoise(src: Raw, sigma: number, rng: () => number): Raw {
  const out = copy(src);
  for (let i = 0; i < out.data.length; i++) {
    const g = Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
    out.data[i] += sigma * g;
  }
  return out;
}

function gain(src: Raw, g: number, offset: number): Raw {
  const out = copy(src);
  for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i] * g + offset;
  return out;
}

function encode(raw: Raw, quality = 92): Promise<Buffer> {
  const bytes = Buffer.alloc(raw.data.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round(raw.data[i])));
  return sharp(bytes, { raw: { width: raw.width, height: raw.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

interface Bounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
function bounds(p: readonly Point[], idx: number[], margin: number): Bounds {
  const xs = idx.map((i) => p[i].x),
    ys = idx.map((i) => p[i].y);
  return { x0: Math.min(...xs) - margin, y0: Math.min(...ys) - margin, x1: Math.max(...xs) + margin, y1: Math.max(...ys) + margin };
}
/** 1 inside the box, falling smoothly (cosine) to 0 at `fade` outside it. */
function softBox(b: Bounds, fade: number): (x: number, y: number) => number {
  const ramp = (d: number) => (d <= 0 ? 1 : d >= fade ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * d) / fade));
  return (x, y) => ramp(Math.max(b.x0 - x, x - b.x1, 0)) * ramp(Math.max(b.y0 - y, y - b.y1, 0));
}
function meanColour(src: Raw, b: Bounds): number[] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = Math.max(0, Math.floor(b.y0)); y < Math.min(src.height, b.y1); y++) {
    for (let x = Math.max(0, Math.floor(b.x0)); x < Math.min(src.width, b.x1); x++) {
      for (let k = 0; k < 3; k++) sum[k] += src.data[(y * src.width + x) * 3 + k];
      n++;
    }
  }
  return sum.map((s) => s / Math.max(1, n));
}
function copy(r: Raw): Raw {
  return { data: Float32Array.from(r.data), width: r.width, height: r.height };
}
function centre(p: readonly Point[], idx: number[]): Point {
  return { x: idx.reduce((s, i) => s + p[i].x, 0) / idx.length, y: idx.reduce((s, i) => s + p[i].y, 0) / idx.length };
}
const dist = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
