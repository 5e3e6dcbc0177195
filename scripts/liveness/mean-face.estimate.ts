/**
 * Estimates the rigid 3-D mean face of the 68 iBUG landmarks (MEAN_FACE_68 in
 * libs/face-engine/src/geometry/mean-face-3d.ts) from our own measurements only: the 68 landmarks that our landmark
 * model places on many real faces seen at different poses. No outside shape data is used.
 *
 * Method (affine structure from motion, then a rigid refinement):
 *  1. Each image's 68 points are centred on their centroid and divided by the inter-ocular distance (eye centres).
 *  2. Tomasi-Kanade factorisation: the 2N x 68 measurement matrix, its best rank-3 approximation (eigenvectors of
 *     its 68 x 68 Gram matrix) = motion x shape up to an affine transform.
 *  3. Metric upgrade: the two rows of each view's motion must be orthogonal and of equal length; solve for the
 *     symmetric L = Q Q^T by least squares (homogeneous, 6 unknowns), then Cholesky.
 *  4. Rigid refinement under weak perspective, the model fitHeadPose uses: alternate a scaled-rotation pose per view
 *     (fitted to the 51 inner points, as fitHeadPose does by default) and a least-squares position of every point
 *     given the poses; views whose fit is poor (mislocated landmarks, expressions) are dropped.
 *  5. Frame: x from the subject's right to left side (the image's left to right of a frontal, unmirrored face),
 *     y down, z towards the camera (the nose in front: this settles the depth reversal that weak perspective leaves
 *     open); pitch 0 = the median pitch of the views used; then symmetrised left/right with the iBUG mirror map,
 *     centred on the 68-point centroid and scaled so that the eye centres are EYE_DISTANCE apart.
 *
 * Data (read in place, never copied into the repository): every photo of the ../shared/faces identity folders
 * (not the bbt_* tight crops), the video_frame files of ../shared/faces/live and spoof (manifest.json `kind`), and
 * LFW images of ../shared/lfw (an evenly spaced selection, --lfw-max).
 *
 * Run: nice npx tsx scripts/liveness/mean-face.estimate.ts [--faces ../shared/faces] [--lfw ../shared/lfw]
 *        [--lfw-max 3000] [--cache /tmp/mean-face-landmarks.json]
 * It prints statistics to stderr and the TypeScript constant to stdout. --cache keeps the measured landmarks in a
 * file outside the repository, so a second run skips the landmark model.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FaceEngine } from '../../libs/face-engine/src';
import { solveLinear } from '../../libs/face-engine/src/geometry/linear-solve';

const args = process.argv.slice(2);
const argOf = (name: string, fallback?: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const FACES = resolve(argOf('--faces', join(__dirname, '../../../shared/faces')) as string);
const LFW = resolve(argOf('--lfw', join(__dirname, '../../../shared/lfw')) as string);
const LFW_MAX = Number(argOf('--lfw-max', '3000'));
const CACHE = argOf('--cache');
const log = (...a: unknown[]) => console.error(...a);

/** Eye-centre distance of the result, in the file's millimetre-like units (an adult's is about 60-66 mm). */
const EYE_DISTANCE = 66;
/** Views dropped from the refinement: residual above this multiple of the median residual. */
const OUTLIER_FACTOR = 2.5;
const REFINE_ROUNDS = 40;

/** iBUG 68 mirror pairs as [image-left, image-right] of a frontal unmirrored face; points 8, 27-30, 33, 51, 57, 62, 66 are on the midline. */
const MIRROR_PAIRS: [number, number][] = [
  ...Array.from({ length: 8 }, (_, i) => [i, 16 - i] as [number, number]),
  [17, 26],
  [18, 25],
  [19, 24],
  [20, 23],
  [21, 22],
  [31, 35],
  [32, 34],
  [36, 45],
  [37, 44],
  [38, 43],
  [39, 42],
  [41, 46],
  [40, 47],
  [48, 54],
  [49, 53],
  [50, 52],
  [59, 55],
  [58, 56],
  [60, 64],
  [61, 63],
  [67, 65],
];
const MIDLINE = [8, 27, 28, 29, 30, 33, 51, 57, 62, 66];
const INNER = Array.from({ length: 51 }, (_, i) => 17 + i);
const LEFT_EYE = [37, 38, 40, 41];
const RIGHT_EYE = [43, 44, 46, 47];

interface View {
  label: string;
  source: 'identity' | 'video' | 'lfw';
  /** 68 (x, y) image points, flat. */
  points: number[];
}

type Vec3 = [number, number, number];
type Mat3 = [Vec3, Vec3, Vec3];

// ---------------------------------------------------------------- data
async function collect(): Promise<View[]> {
  if (CACHE && existsSync(CACHE)) {
    const views = JSON.parse(readFileSync(CACHE, 'utf8')) as View[];
    log(`landmarks of ${views.length} images read from ${CACHE}`);
    return views;
  }
  const files: { file: string; label: string; source: View['source'] }[] = [];
  const manifest = JSON.parse(readFileSync(join(FACES, 'manifest.json'), 'utf8')) as { files: { file: string; kind?: string }[] };
  for (const f of manifest.files.filter((x) => x.kind === 'video_frame')) files.push({ file: join(FACES, f.file), label: f.file, source: 'video' });
  const skip = new Set(['live', 'spoof', 'noface', 'groups']);
  for (const dir of readdirSync(FACES).sort()) {
    if (skip.has(dir) || dir.startsWith('bbt_') || !statSync(join(FACES, dir)).isDirectory()) continue;
    for (const f of readdirSync(join(FACES, dir)).sort()) files.push({ file: join(FACES, dir, f), label: `${dir}/${f}`, source: 'identity' });
  }
  const lfwRoot = join(LFW, 'lfw');
  const lfw: string[] = [];
  for (const person of readdirSync(lfwRoot).sort()) {
    for (const f of readdirSync(join(lfwRoot, person)).sort()) lfw.push(`${person}/${f}`);
  }
  const step = Math.max(1, lfw.length / LFW_MAX);
  for (let k = 0; k < Math.min(LFW_MAX, lfw.length); k++) {
    const rel = lfw[Math.floor(k * step)];
    files.push({ file: join(lfwRoot, rel), label: `lfw/${rel}`, source: 'lfw' });
  }
  const engine = await FaceEngine.create({ poolSize: 2, intraOpThreads: 1 }, { logger: { log: () => {}, warn: console.warn, error: console.error } });
  const views: View[] = [];
  try {
    let done = 0;
    const next = async (): Promise<void> => {
      while (done < files.length) {
        const f = files[done++];
        const result = await engine.analyze(readFileSync(f.file), { details: 'primary', landmarks68: true });
        const face = result.primaryIndex >= 0 ? result.faces[result.primaryIndex] : undefined;
        if (face?.landmarks68?.length === 68) views.push({ label: f.label, source: f.source, points: face.landmarks68.flatMap((p) => [p.x, p.y]) });
        if (done % 250 === 0) log(`  ${done} of ${files.length} images`);
      }
    };
    await Promise.all([next(), next()]);
  } finally {
    await engine.close();
  }
  views.sort((a, b) => a.label.localeCompare(b.label));
  log(`landmarks on ${views.length} of ${files.length} images`);
  if (CACHE) writeFileSync(CACHE, JSON.stringify(views));
  return views;
}

/** Centred on the 68-point centroid and divided by the eye-centre distance: 68 x 2, as [x0, y0, x1, ...]. */
function normalise(points: number[]): Float64Array {
  const out = new Float64Array(136);
  let cx = 0,
    cy = 0;
  for (let j = 0; j < 68; j++) {
    cx += points[2 * j] / 68;
    cy += points[2 * j + 1] / 68;
  }
  const eye = (idx: number[]) => [0, 1].map((a) => idx.reduce((s, i) => s + points[2 * i + a], 0) / idx.length);
  const [l, r] = [eye(LEFT_EYE), eye(RIGHT_EYE)];
  const iod = Math.max(1e-6, Math.hypot(r[0] - l[0], r[1] - l[1]));
  for (let j = 0; j < 68; j++) {
    out[2 * j] = (points[2 * j] - cx) / iod;
    out[2 * j + 1] = (points[2 * j + 1] - cy) / iod;
  }
  return out;
}

// ---------------------------------------------------------------- linear algebra
/** Eigen-decomposition of a symmetric matrix (cyclic Jacobi): eigenvalues descending, eigenvectors as columns. */
function symmetricEigen(input: number[][]): { values: number[]; vectors: number[][] } {
  const n = input.length;
  const a = input.map((row) => [...row]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p],
            akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k],
            aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p],
            vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: v.map((row) => order.map((i) => row[i])) };
}

function solve3(m: number[][], b: number[]): Vec3 | null {
  const det = (x: number[][]) =>
    x[0][0] * (x[1][1] * x[2][2] - x[1][2] * x[2][1]) - x[0][1] * (x[1][0] * x[2][2] - x[1][2] * x[2][0]) + x[0][2] * (x[1][0] * x[2][1] - x[1][1] * x[2][0]);
  const d = det(m);
  if (Math.abs(d) < 1e-12) return null;
  const col = (k: number) => m.map((row, i) => row.map((v, j) => (j === k ? b[i] : v)));
  return [det(col(0)) / d, det(col(1)) / d, det(col(2)) / d];
}

const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const unit = (a: Vec3): Vec3 => {
  const n = Math.hypot(...a);
  return [a[0] / n, a[1] / n, a[2] / n];
};
const mulMat = (a: Mat3, b: Mat3): Mat3 => [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j])) as Mat3;
const mulVec = (a: Mat3, v: Vec3): Vec3 => [dot(a[0], v), dot(a[1], v), dot(a[2], v)];

function rodrigues(w: Vec3): Mat3 {
  const theta = Math.hypot(...w);
  if (theta < 1e-12)
    return [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
  const [x, y, z] = [w[0] / theta, w[1] / theta, w[2] / theta];
  const c = Math.cos(theta),
    s = Math.sin(theta),
    t = 1 - c;
  return [
    [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
    [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
    [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
  ];
}

// ---------------------------------------------------------------- 1-3: factorisation and metric upgrade
/** Rank-3 factorisation of the normalised views and its metric upgrade: shape as 68 points. */
function factorise(views: Float64Array[]): Vec3[] {
  const gram = Array.from({ length: 68 }, () => new Array<number>(68).fill(0));
  for (const w of views) {
    for (const axis of [0, 1]) {
      for (let i = 0; i < 68; i++) {
        const wi = w[2 * i + axis];
        for (let j = i; j < 68; j++) gram[i][j] += wi * w[2 * j + axis];
      }
    }
  }
  for (let i = 0; i < 68; i++) for (let j = 0; j < i; j++) gram[i][j] = gram[j][i];
  const { values, vectors } = symmetricEigen(gram);
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  log(
    `singular values (share of energy): ${values
      .slice(0, 6)
      .map((v) => ((100 * v) / total).toFixed(2) + '%')
      .join(' ')}`,
  );
  // Affine shape: rows = the top 3 right singular vectors; motion rows = w . v_k.
  const basis = [0, 1, 2].map((k) => vectors.map((row) => row[k]));
  const motion = views.map((w) => [0, 1].map((axis) => basis.map((b) => b.reduce((s, bj, j) => s + bj * w[2 * j + axis], 0)) as Vec3));
  // Metric constraints on L (symmetric 3x3, 6 unknowns): a L a = b L b and a L b = 0 for each view's rows a, b.
  const coeff = (a: Vec3, b: Vec3) => [a[0] * b[0], a[1] * b[1], a[2] * b[2], a[0] * b[1] + a[1] * b[0], a[0] * b[2] + a[2] * b[0], a[1] * b[2] + a[2] * b[1]];
  const ata = Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
  for (const [a, b] of motion) {
    const aa = coeff(a, a),
      bb = coeff(b, b),
      ab = coeff(a, b);
    const rows = [aa.map((v, k) => v - bb[k]), ab];
    for (const r of rows) for (let p = 0; p < 6; p++) for (let q = 0; q < 6; q++) ata[p][q] += r[p] * r[q];
  }
  const eig = symmetricEigen(ata);
  let l = eig.vectors.map((row) => row[5]);
  log(`metric upgrade: smallest/next eigenvalue ${(eig.values[5] / eig.values[4]).toExponential(2)}`);
  if (l[0] + l[1] + l[2] < 0) l = l.map((v) => -v);
  const L = [
    [l[0], l[3], l[4]],
    [l[3], l[1], l[5]],
    [l[4], l[5], l[2]],
  ];
  const le = symmetricEigen(L);
  log(`L eigenvalues ${le.values.map((v) => v.toExponential(3)).join(' ')} (must all be positive)`);
  if (le.values[2] <= 0) throw new Error('metric upgrade failed: L is not positive definite');
  // Q with Q Q^T = L (Cholesky, lower triangular); motion M Q, shape Q^-1 x affine shape (forward substitution).
  const q00 = Math.sqrt(L[0][0]);
  const q10 = L[1][0] / q00,
    q20 = L[2][0] / q00;
  const q11 = Math.sqrt(L[1][1] - q10 * q10);
  const q21 = (L[2][1] - q20 * q10) / q11;
  const q22 = Math.sqrt(L[2][2] - q20 * q20 - q21 * q21);
  const shape: Vec3[] = [];
  for (let j = 0; j < 68; j++) {
    const s = [basis[0][j], basis[1][j], basis[2][j]];
    const x0 = s[0] / q00;
    const x1 = (s[1] - q10 * x0) / q11;
    const x2 = (s[2] - q20 * x0 - q21 * x1) / q22;
    shape.push([x0, x1, x2]);
  }
  return normaliseShape(shape);
}

/** Centred on the inner points and scaled to eye distance 1 (the gauge of the refinement). */
function normaliseShape(shape: Vec3[]): Vec3[] {
  const c = [0, 1, 2].map((a) => INNER.reduce((s, j) => s + shape[j][a], 0) / INNER.length);
  const eye = (idx: number[]) => [0, 1, 2].map((a) => idx.reduce((s, i) => s + shape[i][a], 0) / idx.length);
  const [l, r] = [eye(LEFT_EYE), eye(RIGHT_EYE)];
  const d = Math.hypot(r[0] - l[0], r[1] - l[1], r[2] - l[2]);
  return shape.map((p) => p.map((v, a) => (v - c[a]) / d) as Vec3);
}

// ---------------------------------------------------------------- 4: rigid refinement
interface Pose {
  rotation: Mat3;
  scale: number;
  tx: number;
  ty: number;
  /** RMS over the inner points, in eye distances of the image. */
  residual: number;
}

/** Weak-perspective pose of the shape on one view, fitted to the inner points (Gauss-Newton from an affine start). */
function fitPose(shape: Vec3[], w: Float64Array): Pose {
  const n = INNER.length;
  const mc = [0, 1, 2].map((a) => INNER.reduce((s, j) => s + shape[j][a], 0) / n);
  const ic = [0, 1].map((a) => INNER.reduce((s, j) => s + w[2 * j + a], 0) / n);
  const m = INNER.map((j) => shape[j].map((v, a) => v - mc[a]) as Vec3);
  const p = INNER.map((j) => [w[2 * j] - ic[0], w[2 * j + 1] - ic[1]]);
  // Affine start: rows = argmin |p - A m|, then orthonormalised.
  const mm = [0, 1, 2].map((a) => [0, 1, 2].map((b) => m.reduce((s, v) => s + v[a] * v[b], 0)));
  const rows = [0, 1].map(
    (axis) =>
      solve3(
        mm,
        [0, 1, 2].map((a) => m.reduce((s, v, k) => s + v[a] * p[k][axis], 0)),
      ) ?? ([axis === 0 ? 1 : 0, axis, 0] as Vec3),
  );
  const scale0 = (Math.hypot(...rows[0]) + Math.hypot(...rows[1])) / 2;
  const r1 = unit(rows[0]);
  const r2 = unit(rows[1].map((v, a) => v - dot(rows[1], r1) * r1[a]) as Vec3);
  let rotation: Mat3 = [r1, r2, cross(r1, r2)];
  let scale = scale0;
  const costOf = (r: Mat3, s: number) => {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += (s * dot(r[0], m[k]) - p[k][0]) ** 2 + (s * dot(r[1], m[k]) - p[k][1]) ** 2;
    return sum;
  };
  for (let it = 0; it < 20; it++) {
    const jtj = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
    const jtr = new Array<number>(4).fill(0);
    for (let k = 0; k < n; k++) {
      const q = mulVec(rotation, m[k]);
      const jx = [0, scale * q[2], -scale * q[1], q[0]];
      const jy = [-scale * q[2], 0, scale * q[0], q[1]];
      const rx = scale * q[0] - p[k][0],
        ry = scale * q[1] - p[k][1];
      for (let a = 0; a < 4; a++) {
        jtr[a] -= jx[a] * rx + jy[a] * ry;
        for (let b = 0; b < 4; b++) jtj[a][b] += jx[a] * jx[b] + jy[a] * jy[b];
      }
    }
    const step = solveLinear(jtj, jtr);
    if (!step) break;
    rotation = mulMat(rodrigues([step[0], step[1], step[2]]), rotation);
    scale += step[3];
    if (Math.abs(step[0]) + Math.abs(step[1]) + Math.abs(step[2]) < 1e-9) break;
  }
  const tx = ic[0] - scale * dot(rotation[0], mc as Vec3);
  const ty = ic[1] - scale * dot(rotation[1], mc as Vec3);
  return { rotation, scale, tx, ty, residual: Math.sqrt(costOf(rotation, scale) / n) };
}

/** Least-squares position of every point given the poses of the used views. */
function shapeFromPoses(views: Float64Array[], poses: Pose[], used: boolean[]): Vec3[] {
  const shape: Vec3[] = [];
  for (let j = 0; j < 68; j++) {
    const a = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const b = [0, 0, 0];
    views.forEach((w, i) => {
      if (!used[i]) return;
      const { rotation: r, scale: s, tx, ty } = poses[i];
      const obs = [w[2 * j] - tx, w[2 * j + 1] - ty];
      for (const axis of [0, 1]) {
        const row = r[axis].map((v) => s * v);
        for (let p = 0; p < 3; p++) {
          b[p] += row[p] * obs[axis];
          for (let q = 0; q < 3; q++) a[p][q] += row[p] * row[q];
        }
      }
    });
    shape.push(solve3(a, b) ?? [0, 0, 0]);
  }
  return normaliseShape(shape);
}

/**
 * The shape rotated onto the previous one (orthogonal Procrustes, R = H (H^T H)^-1/2): the refinement leaves the
 * rotation of the model free, and this keeps it from drifting between rounds.
 */
function alignRotation(shape: Vec3[], previous: Vec3[]): Vec3[] {
  const h = [0, 1, 2].map((a) => [0, 1, 2].map((b) => shape.reduce((s, p, j) => s + previous[j][a] * p[b], 0)));
  const hth = [0, 1, 2].map((a) => [0, 1, 2].map((b) => h.reduce((s, row) => s + row[a] * row[b], 0)));
  const { values, vectors } = symmetricEigen(hth);
  const invSqrt = [0, 1, 2].map((a) => [0, 1, 2].map((b) => values.reduce((s, v, k) => s + (vectors[a][k] * vectors[b][k]) / Math.sqrt(v), 0)));
  const r = [0, 1, 2].map((a) => [0, 1, 2].map((b) => h[a].reduce((s, v, k) => s + v * invSqrt[k][b], 0))) as Mat3;
  return shape.map((p) => mulVec(r, p));
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.round(q * (v.length - 1)))];

function refine(views: Float64Array[], start: Vec3[]): { shape: Vec3[]; poses: Pose[]; used: boolean[] } {
  let shape = start;
  let poses = views.map((w) => fitPose(shape, w));
  let used = views.map(() => true);
  for (let round = 0; round < REFINE_ROUNDS; round++) {
    const limit = OUTLIER_FACTOR * median(poses.map((p) => p.residual));
    used = poses.map((p) => p.residual <= limit);
    const before = shape;
    shape = alignRotation(shapeFromPoses(views, poses, used), before);
    poses = views.map((w) => fitPose(shape, w));
    const change = Math.max(...shape.map((p, j) => Math.hypot(p[0] - before[j][0], p[1] - before[j][1], p[2] - before[j][2])));
    const res = poses.filter((_, i) => used[i]).map((p) => p.residual);
    if (round % 5 === 0 || change < 1e-5) {
      log(
        `round ${round}: ${used.filter(Boolean).length} views used (residual limit ${limit.toFixed(4)}), median residual ${median(res).toFixed(4)}, largest point move ${change.toExponential(2)}`,
      );
    }
    if (change < 1e-5) break;
  }
  return { shape, poses, used };
}

// ---------------------------------------------------------------- 5: frame, symmetry, scale
/** Angles of a rotation as fitHeadPose reports them (R = Rz(roll) Ry(yaw) Rx(-pitch)). */
function anglesOf(r: Mat3): { yaw: number; pitch: number; roll: number } {
  const deg = 180 / Math.PI;
  return {
    yaw: Math.asin(Math.max(-1, Math.min(1, -r[2][0]))) * deg,
    pitch: -Math.atan2(r[2][1], r[2][2]) * deg,
    roll: Math.atan2(r[1][0], r[0][0]) * deg,
  };
}

function toFrame(shape: Vec3[], views: Float64Array[], used: boolean[]): Vec3[] {
  const mean = (idx: number[]) => [0, 1, 2].map((a) => idx.reduce((s, i) => s + shape[i][a], 0) / idx.length) as Vec3;
  // x: mean direction from each image-left point to its mirror partner.
  const ex = unit(MIRROR_PAIRS.reduce((s, [l, r]) => s.map((v, a) => v + shape[r][a] - shape[l][a]) as Vec3, [0, 0, 0] as Vec3));
  // y: from the eyes to the mouth and chin, orthogonal to x.
  const down = mean([48, 54, 57, 8]).map((v, a) => v - mean([36, 39, 42, 45])[a]) as Vec3;
  const ey = unit(down.map((v, a) => v - dot(down, ex) * ex[a]) as Vec3);
  const ez = cross(ex, ey);
  let framed = shape.map((p) => [dot(p, ex), dot(p, ey), dot(p, ez)] as Vec3);
  // Depth reversal: weak perspective sees a face and its depth mirror alike; the nose is in front of the eyes.
  const noseAhead = framed[30][2] - [36, 39, 42, 45].reduce((s, i) => s + framed[i][2], 0) / 4;
  if (noseAhead < 0) framed = framed.map(([x, y, z]) => [x, y, -z]);
  // Pitch 0: the median pitch of the views used (a rotation of the model by a about x adds a to every pitch).
  const pitches = views.filter((_, i) => used[i]).map((w) => anglesOf(fitPose(framed, w).rotation).pitch);
  const a = (-median(pitches) * Math.PI) / 180;
  log(
    `pitch of the views before levelling: median ${median(pitches).toFixed(2)} p10 ${quantile(pitches, 0.1).toFixed(1)} p90 ${quantile(pitches, 0.9).toFixed(1)}`,
  );
  const rx: Mat3 = [
    [1, 0, 0],
    [0, Math.cos(a), -Math.sin(a)],
    [0, Math.sin(a), Math.cos(a)],
  ];
  return framed.map((p) => mulVec(rx, p));
}

function symmetrise(shape: Vec3[]): Vec3[] {
  const out = shape.map((p) => [...p] as Vec3);
  for (const [l, r] of MIRROR_PAIRS) {
    const x = (shape[r][0] - shape[l][0]) / 2;
    const y = (shape[l][1] + shape[r][1]) / 2;
    const z = (shape[l][2] + shape[r][2]) / 2;
    out[l] = [-x, y, z];
    out[r] = [x, y, z];
  }
  for (const j of MIDLINE) out[j] = [0, shape[j][1], shape[j][2]];
  const asym = Math.max(...shape.map((p, j) => Math.hypot(p[0] - out[j][0], p[1] - out[j][1], p[2] - out[j][2])));
  log(`largest move when symmetrising: ${asym.toFixed(4)} eye distances`);
  return out;
}

function finalise(shape: Vec3[]): Vec3[] {
  const c = [0, 1, 2].map((a) => shape.reduce((s, p) => s + p[a], 0) / 68);
  const eye = (idx: number[]) => [0, 1, 2].map((a) => idx.reduce((s, i) => s + shape[i][a], 0) / idx.length);
  const [l, r] = [eye(LEFT_EYE), eye(RIGHT_EYE)];
  const k = EYE_DISTANCE / Math.hypot(r[0] - l[0], r[1] - l[1], r[2] - l[2]);
  return shape.map((p) => p.map((v, a) => (v - c[a]) * k) as Vec3);
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const raw = await collect();
  const views = raw.map((v) => normalise(v.points));
  const bySource = (s: string) => raw.filter((v) => v.source === s).length;
  log(`views: ${views.length} (identity ${bySource('identity')}, video ${bySource('video')}, lfw ${bySource('lfw')})`);

  const affine = factorise(views);
  const { shape, poses, used } = refine(views, affine);
  const usedRes = poses.filter((_, i) => used[i]).map((p) => p.residual);
  log(
    `residual of the views used (eye distances): median ${median(usedRes).toFixed(4)} p90 ${quantile(usedRes, 0.9).toFixed(4)} max ${Math.max(...usedRes).toFixed(4)}`,
  );
  const dropped = raw.filter((_, i) => !used[i]);
  log(
    `dropped ${dropped.length} views: ${dropped
      .slice(0, 12)
      .map((v) => v.label)
      .join(', ')}${dropped.length > 12 ? ', ...' : ''}`,
  );

  const framed = toFrame(shape, views, used);
  const result = finalise(symmetrise(framed));

  const yaws = views.filter((_, i) => used[i]).map((w) => anglesOf(fitPose(result, w).rotation).yaw);
  log(
    `yaw of the views used: p05 ${quantile(yaws, 0.05).toFixed(1)} p25 ${quantile(yaws, 0.25).toFixed(1)} med ${median(yaws).toFixed(1)} p75 ${quantile(yaws, 0.75).toFixed(1)} p95 ${quantile(yaws, 0.95).toFixed(1)}; |yaw| > 20: ${yaws.filter((y) => Math.abs(y) > 20).length}`,
  );
  const eyeZ = [36, 39, 42, 45].reduce((s, i) => s + result[i][2], 0) / 4;
  log(
    `nose tip (30) ${((result[30][2] - eyeZ) / EYE_DISTANCE).toFixed(3)} eye distances in front of the eye corners; jaw 0/16 ${((result[0][2] - eyeZ) / EYE_DISTANCE).toFixed(3)}, chin 8 ${((result[8][2] - eyeZ) / EYE_DISTANCE).toFixed(3)}`,
  );

  const lines = result.map((p, j) => `  ${p.map((v) => (Math.abs(v) < 0.0005 ? 0 : v).toFixed(3).padStart(8)).join(', ')}, // ${j}`);
  process.stdout.write(`export const MEAN_FACE_68: readonly number[] = [\n${lines.join('\n')}\n];\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
