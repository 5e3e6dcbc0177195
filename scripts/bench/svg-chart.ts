/**
 * A latency-vs-recall scatter as a hand-written SVG (no chart dependency): x = p50 latency on a log axis, y = recall@1,
 * one colour per series (gallery size), one marker shape per index kind, points of one index joined in latency order.
 */

export interface ChartPoint {
  latencyMs: number;
  recall: number;
  /** Points with the same group (within a series) are joined by a line: one index at several settings. */
  group: string;
  marker: 'circle' | 'square' | 'triangle' | 'diamond' | 'cross';
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

export interface ChartOptions {
  title: string;
  /** Shaded target corner: latency at most targetMs with recall at least targetRecall. */
  targetMs?: number;
  targetRecall?: number;
  markerLegend: Array<{ marker: ChartPoint['marker']; label: string }>;
}

const W = 820,
  H = 520;
const PLOT = { left: 70, right: 600, top: 50, bottom: 460 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

export function latencyRecallChart(series: ChartSeries[], options: ChartOptions): string {
  const all = series.flatMap((s) => s.points).filter((p) => p.latencyMs > 0 && Number.isFinite(p.recall));
  const xMin = 10 ** Math.floor(Math.log10(Math.min(...all.map((p) => p.latencyMs), options.targetMs ?? Infinity)));
  const xMax = 10 ** Math.ceil(Math.log10(Math.max(...all.map((p) => p.latencyMs), options.targetMs ?? 0)));
  const yMin = Math.min(0.9, Math.max(0, Math.floor(Math.min(...all.map((p) => p.recall)) * 10) / 10));
  const yStep = 1 - yMin > 0.3 ? 0.1 : 0.05;
  const x = (ms: number) => PLOT.left + ((Math.log10(ms) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * (PLOT.right - PLOT.left);
  const y = (r: number) => PLOT.bottom - ((r - yMin) / (1 - yMin)) * (PLOT.bottom - PLOT.top);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`,
  ];
  if (options.targetMs !== undefined && options.targetRecall !== undefined) {
    const tx = x(options.targetMs),
      ty = y(options.targetRecall);
    parts.push(
      `<rect x="${PLOT.left}" y="${PLOT.top}" width="${tx - PLOT.left}" height="${ty - PLOT.top}" fill="#2ca02c" fill-opacity="0.08" stroke="#2ca02c" stroke-dasharray="4 3"/>`,
    );
  }
  parts.push(...axes(x, y, xMin, xMax, yMin, yStep));
  series.forEach((s, i) => parts.push(...drawSeries(s, COLOURS[i % COLOURS.length], x, y)));
  parts.push(...legend(series, options));
  parts.push('</svg>');
  return parts.join('\n');
}

function axes(x: (v: number) => number, y: (v: number) => number, xMin: number, xMax: number, yMin: number, yStep: number): string[] {
  const out = [`<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#333"/>`];
  for (let decade = xMin; decade <= xMax * 1.001; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const v = decade * m;
      if (v > xMax * 1.001) break;
      const px = x(v).toFixed(1);
      out.push(`<line x1="${px}" x2="${px}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#ddd"/>`);
      out.push(`<text x="${px}" y="${PLOT.bottom + 16}" text-anchor="middle">${formatMs(v)}</text>`);
    }
  }
  for (let i = 0; yMin + i * yStep <= 1.0001; i++) {
    const r = yMin + i * yStep;
    const py = y(r).toFixed(1);
    out.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${py}" y2="${py}" stroke="#ddd"/>`);
    out.push(`<text x="${PLOT.left - 6}" y="${Number(py) + 4}" text-anchor="end">${r.toFixed(2)}</text>`);
  }
  out.push(`<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 36}" text-anchor="middle">p50 latency per query, ms (log scale)</text>`);
  out.push(`<text transform="translate(20 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle">recall@1 (vs exact scan)</text>`);
  return out;
}

function drawSeries(s: ChartSeries, colour: string, x: (v: number) => number, y: (v: number) => number): string[] {
  const out: string[] = [];
  const groups = new Map<string, ChartPoint[]>();
  for (const p of s.points) groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
  for (const points of groups.values()) {
    const sorted = points.filter((p) => p.latencyMs > 0).sort((a, b) => a.latencyMs - b.latencyMs);
    if (sorted.length > 1) {
      const path = sorted.map((p) => `${x(p.latencyMs).toFixed(1)},${y(p.recall).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-opacity="0.6"/>`);
    }
    for (const p of sorted) out.push(marker(p.marker, x(p.latencyMs), y(p.recall), colour));
  }
  return out;
}

function legend(series: ChartSeries[], options: ChartOptions): string[] {
  const out: string[] = [];
  let top = PLOT.top + 10;
  series.forEach((s, i) => {
    out.push(`<rect x="${PLOT.right + 24}" y="${top - 9}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>`);
    out.push(`<text x="${PLOT.right + 44}" y="${top + 1}">${escapeXml(s.name)}</text>`);
    top += 20;
  });
  top += 10;
  for (const m of options.markerLegend) {
    out.push(marker(m.marker, PLOT.right + 30, top - 4, '#333'));
    out.push(`<text x="${PLOT.right + 44}" y="${top}">${escapeXml(m.label)}</text>`);
    top += 20;
  }
  if (options.targetMs !== undefined && options.targetRecall !== undefined) {
    top += 10;
    out.push(`<rect x="${PLOT.right + 24}" y="${top - 9}" width="12" height="12" fill="#2ca02c" fill-opacity="0.15" stroke="#2ca02c" stroke-dasharray="3 2"/>`);
    out.push(`<text x="${PLOT.right + 44}" y="${top + 1}">target: p50 ≤ ${options.targetMs} ms,</text>`);
    out.push(`<text x="${PLOT.right + 44}" y="${top + 17}">recall@1 ≥ ${options.targetRecall}</text>`);
  }
  return out;
}

function marker(shape: ChartPoint['marker'], cx: number, cy: number, colour: string): string {
  const X = cx.toFixed(1),
    Y = cy.toFixed(1),
    r = 5;
  switch (shape) {
    case 'circle':
      return `<circle cx="${X}" cy="${Y}" r="${r}" fill="${colour}"/>`;
    case 'square':
      return `<rect x="${(cx - r).toFixed(1)}" y="${(cy - r).toFixed(1)}" width="${2 * r}" height="${2 * r}" fill="${colour}"/>`;
    case 'triangle':
      return `<polygon points="${X},${(cy - r - 1).toFixed(1)} ${(cx - r).toFixed(1)},${(cy + r).toFixed(1)} ${(cx + r).toFixed(1)},${(cy + r).toFixed(1)}" fill="${colour}"/>`;
    case 'diamond':
      return `<polygon points="${X},${(cy - r - 1).toFixed(1)} ${(cx + r + 1).toFixed(1)},${Y} ${X},${(cy + r + 1).toFixed(1)} ${(cx - r - 1).toFixed(1)},${Y}" fill="none" stroke="${colour}" stroke-width="2"/>`;
    case 'cross':
      return `<path d="M${cx - r},${cy - r}L${cx + r},${cy + r}M${cx - r},${cy + r}L${cx + r},${cy - r}" stroke="${colour}" stroke-width="2"/>`;
  }
}

function formatMs(v: number): string {
  return v >= 1 ? String(Math.round(v)) : String(Number(v.toPrecision(1)));
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
