import { RocPoint } from './metrics';

export interface RocPlotInput {
  title: string;
  roc: RocPoint[];
  /** Lines of text for the legend box (AUC, EER, TAR at FAR, thresholds). */
  legend: string[];
  /** Vertical marker lines at these false accept rates. */
  markFar: number[];
}

const W = 760,
  H = 520,
  L = 80,
  R = 30,
  T = 50,
  B = 70;
const MIN_FAR = 1e-5;

/**
 * An ROC curve as a standalone SVG a person can read: false accept rate on a log axis (the region that matters for
 * authentication is 1e-4..1e-2), true accept rate on a linear axis zoomed to where the curve lives.
 */
export function renderRocSvg({ title, roc, legend, markFar }: RocPlotInput): string {
  const visible = roc.filter((p) => Number.isFinite(p.threshold) || p.far > 0);
  let minTar = 1;
  for (const p of visible) if (p.far >= MIN_FAR && p.tar < minTar) minTar = p.tar;
  const yMin = Math.max(0, Math.floor((Math.min(minTar, 0.95) - 0.02) * 20) / 20);
  const x = (far: number) => L + ((Math.log10(Math.max(far, MIN_FAR)) - Math.log10(MIN_FAR)) / -Math.log10(MIN_FAR)) * (W - L - R);
  const y = (tar: number) => T + (1 - (Math.max(tar, yMin) - yMin) / (1 - yMin)) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="13">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(title)}</text>`);
  for (let e = -5; e <= 0; e++) {
    const gx = x(10 ** e);
    parts.push(`<line x1="${gx}" y1="${T}" x2="${gx}" y2="${H - B}" stroke="#ddd"/>`);
    parts.push(`<text x="${gx}" y="${H - B + 20}" text-anchor="middle">1e${e}</text>`);
  }
  for (let v = yMin; v <= 1.0001; v += (1 - yMin) / 5) {
    const gy = y(v);
    parts.push(`<line x1="${L}" y1="${gy}" x2="${W - R}" y2="${gy}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 8}" y="${gy + 4}" text-anchor="end">${(v * 100).toFixed(1)}%</text>`);
  }
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 25}" text-anchor="middle">False accept rate (impostor pairs accepted, log scale)</text>`);
  parts.push(`<text transform="translate(22 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">True accept rate (genuine pairs accepted)</text>`);
  for (const far of markFar) {
    parts.push(`<line x1="${x(far)}" y1="${T}" x2="${x(far)}" y2="${H - B}" stroke="#c33" stroke-dasharray="5 4"/>`);
    parts.push(`<text x="${x(far) + 4}" y="${T + 14}" fill="#c33">FAR ${far}</text>`);
  }
  const path = stepPath(visible, x, y);
  parts.push(`<path d="${path}" fill="none" stroke="#1f5fbf" stroke-width="2.5"/>`);
  const boxW = 340,
    boxH = 18 * legend.length + 12;
  parts.push(`<rect x="${W - R - boxW - 10}" y="${H - B - boxH - 10}" width="${boxW}" height="${boxH}" fill="white" stroke="#999"/>`);
  legend.forEach((line, i) => {
    parts.push(`<text x="${W - R - boxW}" y="${H - B - boxH + 8 + i * 18}">${escapeXml(line)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

// ROC curves are step functions: draw horizontal then vertical moves so the picture does not invent points.
function stepPath(points: RocPoint[], x: (v: number) => number, y: (v: number) => number): string {
  const clipped = points.map((p) => ({ far: Math.max(p.far, MIN_FAR), tar: p.tar }));
  let d = `M ${x(clipped[0].far).toFixed(1)} ${y(Math.max(clipped[0].tar, 0)).toFixed(1)}`;
  for (let i = 1; i < clipped.length; i++) {
    d += ` H ${x(clipped[i].far).toFixed(1)} V ${y(clipped[i].tar).toFixed(1)}`;
  }
  return d;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
