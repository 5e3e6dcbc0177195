import { Point } from '../geometry/geometry.types';
import { luma, RgbImage } from '../image/raw-image';
import { median } from '../liveness/session-median';

/**
 * Shape-free texture statistics of landmark-defined face regions, to tell a new capture of a turning head from one
 * photo warped to fake the turn.
 *
 * Each region is a quadrilateral of landmarks (or points extrapolated outwards from the jaw contour). Its grey levels
 * are sampled on a small grid spanned by the quad's corners, so moving, stretching or perspective-warping the photo
 * moves the grid with the features and leaves the samples (nearly) unchanged, while a real turn changes what the
 * region shows: the far cheek foreshortens onto the nose line, the side of the nose and the ear come into view, the
 * background behind the contour changes, shading moves. Only statistics leave this module (an orientation histogram,
 * a contrast and a level per region, 220 floats), never the samples: the descriptor cannot be turned back into a
 * picture of the face, so it may be kept in a liveness session.
 */

type Side = 'left' | 'right' | 'centre';
interface RegionDef {
  name: string;
  side: Side;
  /** Corners in cyclic order; a number is a landmark, { out: i } / { in: i } a point beyond / inside jaw point i. */
  quad: [Corner, Corner, Corner, Corner];
}
type Corner = number | { out: number } | { in: number };

// Regions of the image-left half; the image-right ones are their mirror images (iBUG symmetric indices).
const HALF_REGIONS: Omit<RegionDef, 'side'>[] = [
  { name: 'brow-eye', quad: [17, 21, 39, 36] },
  { name: 'eye', quad: [37, 38, 40, 41] },
  { name: 'nose-side', quad: [39, 28, 30, 31] },
  { name: 'cheek', quad: [1, 41, 31, 4] },
  { name: 'cheek-low', quad: [4, 31, 48, 6] },
  { name: 'mouth', quad: [48, 51, 57, 59] },
  { name: 'chin', quad: [48, 57, 8, 6] },
  { name: 'contour-top', quad: [{ out: 0 }, { in: 0 }, { in: 3 }, { out: 3 }] },
  { name: 'contour-mid', quad: [{ out: 3 }, { in: 3 }, { in: 6 }, { out: 6 }] },
  { name: 'contour-low', quad: [{ out: 6 }, { in: 6 }, { in: 8 }, { out: 8 }] },
];
const CENTRE_REGIONS: Omit<RegionDef, 'side'>[] = [
  { name: 'glabella', quad: [21, 22, 42, 39] },
  { name: 'philtrum', quad: [31, 35, 52, 50] },
];

const MIRROR = buildMirror();

export const TEXTURE_REGIONS: readonly RegionDef[] = [
  ...HALF_REGIONS.map((r) => ({ ...r, side: 'left' as const })),
  ...HALF_REGIONS.map((r) => ({ ...r, side: 'right' as const, quad: r.quad.map(mirrorCorner) as RegionDef['quad'] })),
  ...CENTRE_REGIONS.map((r) => ({ ...r, side: 'centre' as const })),
];

const GRID = 10;
const BINS = 8;
/** Floats per region: orientation histogram, relative contrast, relative level. */
export const TEXTURE_FEATURES_PER_REGION = BINS + 2;
export const TEXTURE_LENGTH = TEXTURE_REGIONS.length * TEXTURE_FEATURES_PER_REGION;
// How far beyond / inside the jaw contour the contour bands reach, as a fraction of the point's distance to the
// face centre: wide enough to hold the background or ear beside the cheek.
const OUT_REACH = 0.22;
const IN_REACH = 0.18;

/** The texture descriptor of a face: TEXTURE_LENGTH floats, region by region (see TEXTURE_REGIONS). */
export function faceTexture(image: RgbImage, points68: readonly Point[]): Float32Array {
  if (points68.length !== 68) throw new Error(`faceTexture needs 68 points, got ${points68.length}`);
  const quads = TEXTURE_REGIONS.map((r) => r.quad.map((c) => cornerPoint(points68, c)));
  const integral = IntegralGrey.over(image, quads.flat());
  const stats = quads.map((q) => regionStats(integral, q));
  return pack(stats);
}

interface RegionStats {
  histogram: Float64Array;
  magnitude: number;
  mean: number;
  spread: number;
}

function regionStats(integral: IntegralGrey, quad: Point[]): RegionStats {
  // Each sample is the mean of a box about one grid step wide: it averages out sensor noise (and noise an attacker
  // adds) and keeps the statistics independent of the face's size in pixels.
  const half = Math.max(0.5, Math.sqrt(quadArea(quad)) / GRID / 2);
  const g = new Float64Array(GRID * GRID);
  for (let j = 0; j < GRID; j++) {
    for (let i = 0; i < GRID; i++) {
      const p = bilinear(quad, (i + 0.5) / GRID, (j + 0.5) / GRID);
      g[j * GRID + i] = integral.boxMean(p.x, p.y, half);
    }
  }
  const histogram = new Float64Array(BINS);
  let magnitude = 0,
    sum = 0,
    sumSq = 0;
  for (let k = 0; k < g.length; k++) {
    sum += g[k];
    sumSq += g[k] * g[k];
  }
  for (let j = 1; j < GRID - 1; j++) {
    for (let i = 1; i < GRID - 1; i++) {
      const dx = g[j * GRID + i + 1] - g[j * GRID + i - 1];
      const dy = g[(j + 1) * GRID + i] - g[(j - 1) * GRID + i];
      const m = Math.hypot(dx, dy);
      const bin = Math.floor(((Math.atan2(dy, dx) + Math.PI) / (2 * Math.PI)) * BINS) % BINS;
      histogram[bin] += m;
      magnitude += m;
    }
  }
  const mean = sum / g.length;
  return { histogram, magnitude: magnitude / (GRID - 2) ** 2, mean, spread: Math.sqrt(Math.max(0, sumSq / g.length - mean * mean)) };
}

/**
 * Normalises per frame, so a global change of brightness or contrast leaves the descriptor unchanged. Medians, not
 * means: painting over a few regions must not shift the normalised values of all the others.
 */
function pack(stats: RegionStats[]): Float32Array {
  const out = new Float32Array(TEXTURE_LENGTH);
  const meanMagnitude = (median(stats.map((r) => r.magnitude)) ?? 0) + 1e-6;
  const meanLevel = median(stats.map((r) => r.mean)) ?? 0;
  const meanSpread = (median(stats.map((r) => r.spread)) ?? 0) + 1e-6;
  stats.forEach((r, k) => {
    const base = k * TEXTURE_FEATURES_PER_REGION;
    const norm = Math.hypot(...r.histogram) + 1e-9;
    for (let b = 0; b < BINS; b++) out[base + b] = r.histogram[b] / norm;
    out[base + BINS] = r.magnitude / meanMagnitude;
    out[base + BINS + 1] = (r.mean - meanLevel) / meanSpread;
  });
  return out;
}

export interface TextureChange {
  /** Per region (TEXTURE_REGIONS order): how much its texture changed, 0 = identical. */
  regions: Float32Array;
  /** Mean change of the image-left, image-right and centre regions. */
  left: number;
  right: number;
  centre: number;
  /** |left - right|: a real turn was expected to change the far half more; measured, it does not reliably. */
  asymmetry: number;
  /**
   * The number the judge thresholds: the median change over all regions. A new capture changes nearly every region
   * (sensor noise, compression, light, landmark placement, the view itself), while a warp of one photo changes only
   * the regions an edit painted over; the median ignores those few (painted eyes, a pasted mouth) and so rises only
   * when most of the face shows different pixels.
   */
  summary: number;
}

/** Compares two descriptors of the same session: the anchor (frontal) frame and a later frame. */
export function textureChange(anchor: Float32Array, frame: Float32Array): TextureChange {
  if (anchor.length !== TEXTURE_LENGTH || frame.length !== TEXTURE_LENGTH) throw new Error('texture descriptors of the wrong length');
  const regions = new Float32Array(TEXTURE_REGIONS.length);
  for (let k = 0; k < regions.length; k++) regions[k] = regionChange(anchor, frame, k * TEXTURE_FEATURES_PER_REGION);
  const meanOf = (side: Side) => {
    const values = TEXTURE_REGIONS.flatMap((r, k) => (r.side === side ? [regions[k]] : []));
    return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  };
  const left = meanOf('left');
  const right = meanOf('right');
  return { regions, left, right, centre: meanOf('centre'), asymmetry: Math.abs(left - right), summary: median(Array.from(regions)) ?? 0 };
}

/** Histogram distance (half the squared L2 distance of unit vectors, 0..2) plus the contrast and level shifts. */
function regionChange(a: Float32Array, b: Float32Array, base: number): number {
  let dot = 0;
  for (let i = 0; i < BINS; i++) dot += a[base + i] * b[base + i];
  const contrast = Math.abs(Math.log((a[base + BINS] + 1e-3) / (b[base + BINS] + 1e-3)));
  const level = Math.abs(a[base + BINS + 1] - b[base + BINS + 1]);
  return 1 - dot + 0.25 * contrast + 0.25 * level;
}

/** Summed-area table of the grey image over the bounding box of the given points (plus a margin). */
class IntegralGrey {
  private constructor(
    private readonly sums: Float64Array,
    private readonly x0: number,
    private readonly y0: number,
    private readonly w: number,
    private readonly h: number,
  ) {}

  static over(image: RgbImage, points: Point[]): IntegralGrey {
    const margin = 4;
    const x0 = clampInt(Math.min(...points.map((p) => p.x)) - margin, 0, image.width - 1);
    const y0 = clampInt(Math.min(...points.map((p) => p.y)) - margin, 0, image.height - 1);
    const x1 = clampInt(Math.max(...points.map((p) => p.x)) + margin, x0, image.width - 1);
    const y1 = clampInt(Math.max(...points.map((p) => p.y)) + margin, y0, image.height - 1);
    const w = x1 - x0 + 1,
      h = y1 - y0 + 1;
    const sums = new Float64Array((w + 1) * (h + 1));
    for (let y = 0; y < h; y++) {
      let row = 0;
      for (let x = 0; x < w; x++) {
        const i = ((y0 + y) * image.width + x0 + x) * 3;
        row += luma(image.data[i], image.data[i + 1], image.data[i + 2]);
        sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1] + row;
      }
    }
    return new IntegralGrey(sums, x0, y0, w, h);
  }

  /** Mean grey of the box of half-side `half` around (x, y), clipped to the covered area. */
  boxMean(x: number, y: number, half: number): number {
    const ax = clampInt(x - half - this.x0, 0, this.w - 1),
      bx = clampInt(x + half - this.x0, ax, this.w - 1) + 1;
    const ay = clampInt(y - half - this.y0, 0, this.h - 1),
      by = clampInt(y + half - this.y0, ay, this.h - 1) + 1;
    const W = this.w + 1;
    const total = this.sums[by * W + bx] - this.sums[ay * W + bx] - this.sums[by * W + ax] + this.sums[ay * W + ax];
    return total / ((bx - ax) * (by - ay));
  }
}

function cornerPoint(p: readonly Point[], c: Corner): Point {
  if (typeof c === 'number') return p[c];
  const centre = p[29];
  const [i, reach] = 'out' in c ? [c.out, OUT_REACH] : [c.in, -IN_REACH];
  return { x: p[i].x + reach * (p[i].x - centre.x), y: p[i].y + reach * (p[i].y - centre.y) };
}

function bilinear(q: Point[], u: number, v: number): Point {
  const top = { x: q[0].x + u * (q[1].x - q[0].x), y: q[0].y + u * (q[1].y - q[0].y) };
  const bottom = { x: q[3].x + u * (q[2].x - q[3].x), y: q[3].y + u * (q[2].y - q[3].y) };
  return { x: top.x + v * (bottom.x - top.x), y: top.y + v * (bottom.y - top.y) };
}

function quadArea(q: Point[]): number {
  let s = 0;
  for (let i = 0; i < 4; i++) s += q[i].x * q[(i + 1) % 4].y - q[(i + 1) % 4].x * q[i].y;
  return Math.abs(s) / 2;
}

function mirrorCorner(c: Corner): Corner {
  if (typeof c === 'number') return MIRROR[c];
  return 'out' in c ? { out: MIRROR[c.out] } : { in: MIRROR[c.in] };
}

/** Index of the symmetric landmark in the iBUG 68 layout. */
function buildMirror(): number[] {
  const m = Array.from({ length: 68 }, (_, i) => i);
  const pairs: [number, number][] = [
    [31, 35],
    [32, 34],
    [36, 45],
    [37, 44],
    [38, 43],
    [39, 42],
    [40, 47],
    [41, 46],
    [48, 54],
    [49, 53],
    [50, 52],
    [55, 59],
    [56, 58],
    [60, 64],
    [61, 63],
    [65, 67],
  ];
  for (let i = 0; i <= 8; i++) pairs.push([i, 16 - i]);
  for (let i = 17; i <= 21; i++) pairs.push([i, 43 - i]);
  for (const [a, b] of pairs) {
    m[a] = b;
    m[b] = a;
  }
  return m;
}

const clampInt = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(v)));
