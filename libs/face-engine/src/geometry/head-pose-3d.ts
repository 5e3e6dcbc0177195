import { Point } from './geometry.types';
import { solveLinear } from './linear-solve';
import { MEAN_FACE_68 } from './mean-face-3d';

/** Rigid head pose fitted to 68 landmarks. Angles in degrees, same conventions as the five-point estimate. */
export interface HeadPose3d {
  /** + = the subject turned to their own left in an unmirrored image (the face turns towards the image's right). */
  yaw: number;
  /** + = looking down. */
  pitch: number;
  /** + = the image-right eye lower than the image-left one. */
  roll: number;
  /**
   * RMS reprojection error of the fitted points over the inter-ocular distance (eye centres). Real faces measured
   * 0.02-0.07 (a few up to 0.19). It catches edits only in synthetic landmarks: the landmark model itself pulls an
   * edited face back to a plausible shape, so edited photos measured 0.02-0.10 too (scripts/liveness/motion-evidence).
   */
  residual: number;
}

export interface HeadPoseFitOptions {
  /**
   * Weight of the jaw contour (points 0-16) relative to the inner points. On a turned head the far contour is a
   * silhouette, not a fixed point of the skull, and the landmark model places it loosely, so the default leaves it out.
   */
  jawWeight?: number;
}

type Vec3 = [number, number, number];
type Mat3 = [Vec3, Vec3, Vec3];

const DEG = 180 / Math.PI;
const ITERATIONS = 12;
// From a frontal start Gauss-Newton reached the true pose of noisy synthetic faces at every yaw in -70..70, pitch in
// -40..40 and roll in -20..20 (783 cases). Only a poor fit (an edited or mislocated face) also tries turned starts, so
// that its residual is the smallest one reachable and not an artefact of the start.
const RETRY_RESIDUAL = 0.04;
const RETRY_YAWS = [-35, 35];

/** Fits rotation, scale and translation of the mean face under weak perspective (scaled orthographic projection). */
export function fitHeadPose(points68: readonly Point[], options: HeadPoseFitOptions = {}): HeadPose3d {
  if (points68.length !== 68) throw new Error(`fitHeadPose needs 68 points, got ${points68.length}`);
  const problem = buildProblem(points68, options.jawWeight ?? 0);
  const iod = interOcular(points68);
  const residualOf = (c: number) => Math.sqrt(c / problem.totalWeight) / iod;
  let best = refine(problem, rotationFromAngles(0, 0, 0));
  if (residualOf(best.cost) > RETRY_RESIDUAL) {
    for (const yaw of RETRY_YAWS) {
      const fit = refine(problem, rotationFromAngles(yaw, 0, 0));
      if (fit.cost < best.cost) best = fit;
    }
  }
  return { ...anglesOf(best.rotation), residual: residualOf(best.cost) };
}

interface Problem {
  /** Centred model (x, y, z) and image (x, y) coordinates of the points with a non-zero weight, flat. */
  model: Float64Array;
  image: Float64Array;
  weights: Float64Array;
  totalWeight: number;
}

/** Centres the model and image points on their weighted centroids, which makes the best translation zero. */
function buildProblem(points: readonly Point[], jawWeight: number): Problem {
  const used = points.map((_, i) => i).filter((i) => (i <= 16 ? jawWeight : 1) > 0);
  const n = used.length;
  const model = new Float64Array(n * 3);
  const image = new Float64Array(n * 2);
  const weights = new Float64Array(n);
  const mc = [0, 0, 0];
  const ic = [0, 0];
  let totalWeight = 0;
  used.forEach((pi, k) => {
    const w = pi <= 16 ? jawWeight : 1;
    weights[k] = w;
    totalWeight += w;
    for (let a = 0; a < 3; a++) model[k * 3 + a] = MEAN_FACE_68[pi * 3 + a];
    image[k * 2] = points[pi].x;
    image[k * 2 + 1] = points[pi].y;
  });
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < 3; a++) mc[a] += (weights[k] * model[k * 3 + a]) / totalWeight;
    for (let a = 0; a < 2; a++) ic[a] += (weights[k] * image[k * 2 + a]) / totalWeight;
  }
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < 3; a++) model[k * 3 + a] -= mc[a];
    for (let a = 0; a < 2; a++) image[k * 2 + a] -= ic[a];
  }
  return { model, image, weights, totalWeight };
}

/** Gauss-Newton on a small rotation update (left-multiplied) and the scale. */
function refine(problem: Problem, start: Mat3): { rotation: Mat3; cost: number } {
  let rotation = start;
  let scale = bestScale(problem, rotation);
  for (let it = 0; it < ITERATIONS; it++) {
    const step = gaussNewtonStep(problem, rotation, scale);
    if (!step) break;
    rotation = mulMat(rodrigues([step[0], step[1], step[2]]), rotation);
    scale += step[3];
    if (Math.abs(step[0]) + Math.abs(step[1]) + Math.abs(step[2]) < 1e-6) break;
  }
  return { rotation, cost: cost(problem, rotation, scale) };
}

function bestScale(problem: Problem, r: Mat3): number {
  const { model: m, image: p, weights } = problem;
  let num = 0,
    den = 0;
  for (let k = 0; k < weights.length; k++) {
    const qx = r[0][0] * m[k * 3] + r[0][1] * m[k * 3 + 1] + r[0][2] * m[k * 3 + 2];
    const qy = r[1][0] * m[k * 3] + r[1][1] * m[k * 3 + 1] + r[1][2] * m[k * 3 + 2];
    num += weights[k] * (qx * p[k * 2] + qy * p[k * 2 + 1]);
    den += weights[k] * (qx * qx + qy * qy);
  }
  return den > 0 ? num / den : 1;
}

/**
 * One step (wx, wy, wz, ds) from the 4x4 normal equations of the weighted residuals. With q = R m and the update
 * exp([w]x) R, d(q)/d(w) = w x q, so the x residual has gradient s*(0, qz, -qy, qx/s) and the y one s*(-qz, 0, qx, qy/s).
 */
function gaussNewtonStep(problem: Problem, r: Mat3, s: number): number[] | null {
  const { model: m, image: p, weights } = problem;
  const jtj = [new Float64Array(4), new Float64Array(4), new Float64Array(4), new Float64Array(4)];
  const jtr = new Float64Array(4);
  const jx = new Float64Array(4);
  const jy = new Float64Array(4);
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k];
    const mx = m[k * 3],
      my = m[k * 3 + 1],
      mz = m[k * 3 + 2];
    const qx = r[0][0] * mx + r[0][1] * my + r[0][2] * mz;
    const qy = r[1][0] * mx + r[1][1] * my + r[1][2] * mz;
    const qz = r[2][0] * mx + r[2][1] * my + r[2][2] * mz;
    jx[0] = 0;
    jx[1] = s * qz;
    jx[2] = -s * qy;
    jx[3] = qx;
    jy[0] = -s * qz;
    jy[1] = 0;
    jy[2] = s * qx;
    jy[3] = qy;
    const rx = s * qx - p[k * 2];
    const ry = s * qy - p[k * 2 + 1];
    for (let a = 0; a < 4; a++) {
      jtr[a] -= w * (jx[a] * rx + jy[a] * ry);
      for (let b = a; b < 4; b++) jtj[a][b] += w * (jx[a] * jx[b] + jy[a] * jy[b]);
    }
  }
  for (let a = 0; a < 4; a++) for (let b = 0; b < a; b++) jtj[a][b] = jtj[b][a];
  return solveLinear(
    jtj.map((row) => Array.from(row)),
    Array.from(jtr),
  );
}

function cost(problem: Problem, r: Mat3, s: number): number {
  const { model: m, image: p, weights } = problem;
  let sum = 0;
  for (let k = 0; k < weights.length; k++) {
    const mx = m[k * 3],
      my = m[k * 3 + 1],
      mz = m[k * 3 + 2];
    const dx = s * (r[0][0] * mx + r[0][1] * my + r[0][2] * mz) - p[k * 2];
    const dy = s * (r[1][0] * mx + r[1][1] * my + r[1][2] * mz) - p[k * 2 + 1];
    sum += weights[k] * (dx * dx + dy * dy);
  }
  return sum;
}

/** Distance between the eye centres, as in the five-point reduction (means of 37, 38, 40, 41 and 43, 44, 46, 47). */
export function interOcular(p: readonly Point[]): number {
  const centre = (idx: number[]) => ({
    x: idx.reduce((s, i) => s + p[i].x, 0) / idx.length,
    y: idx.reduce((s, i) => s + p[i].y, 0) / idx.length,
  });
  const l = centre([37, 38, 40, 41]);
  const r = centre([43, 44, 46, 47]);
  return Math.max(1e-6, Math.hypot(r.x - l.x, r.y - l.y));
}

/**
 * R = Rz(roll) * Ry(yaw) * Rx(-pitch) in the model frame (x right, y down, z towards the camera): a positive yaw
 * moves the nose tip to the image's right, a positive pitch moves it down, a positive roll lowers the right eye.
 */
export function rotationFromAngles(yawDeg: number, pitchDeg: number, rollDeg: number): Mat3 {
  const [y, p, r] = [yawDeg / DEG, -pitchDeg / DEG, rollDeg / DEG];
  const rz: Mat3 = [
    [Math.cos(r), -Math.sin(r), 0],
    [Math.sin(r), Math.cos(r), 0],
    [0, 0, 1],
  ];
  const ry: Mat3 = [
    [Math.cos(y), 0, Math.sin(y)],
    [0, 1, 0],
    [-Math.sin(y), 0, Math.cos(y)],
  ];
  const rx: Mat3 = [
    [1, 0, 0],
    [0, Math.cos(p), -Math.sin(p)],
    [0, Math.sin(p), Math.cos(p)],
  ];
  return mulMat(rz, mulMat(ry, rx));
}

function anglesOf(r: Mat3): { yaw: number; pitch: number; roll: number } {
  const yaw = Math.asin(Math.max(-1, Math.min(1, -r[2][0])));
  const pitch = -Math.atan2(r[2][1], r[2][2]);
  const roll = Math.atan2(r[1][0], r[0][0]);
  return { yaw: yaw * DEG, pitch: pitch * DEG, roll: roll * DEG };
}

/** Projects the mean face at a pose (weak perspective): for tests and synthetic checks. */
export function projectMeanFace(yawDeg: number, pitchDeg: number, rollDeg: number, scale = 1, centre: Point = { x: 0, y: 0 }): Point[] {
  const r = rotationFromAngles(yawDeg, pitchDeg, rollDeg);
  const out: Point[] = [];
  for (let i = 0; i < 68; i++) {
    const q = mulVec(r, [MEAN_FACE_68[i * 3], MEAN_FACE_68[i * 3 + 1], MEAN_FACE_68[i * 3 + 2]]);
    out.push({ x: centre.x + scale * q[0], y: centre.y + scale * q[1] });
  }
  return out;
}

function rodrigues(w: Vec3): Mat3 {
  const theta = Math.hypot(w[0], w[1], w[2]);
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

function mulMat(a: Mat3, b: Mat3): Mat3 {
  const row = (i: number): Vec3 => [0, 1, 2].map((j) => a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j]) as Vec3;
  return [row(0), row(1), row(2)];
}

function mulVec(a: Mat3, v: Vec3): Vec3 {
  return [a[0][0] * v[0] + a[0][1] * v[1] + a[0][2] * v[2], a[1][0] * v[0] + a[1][1] * v[1] + a[1][2] * v[2], a[2][0] * v[0] + a[2][1] * v[1] + a[2][2] * v[2]];
}
