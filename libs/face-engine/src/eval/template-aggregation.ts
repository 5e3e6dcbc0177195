import { EmbeddingTable, rowDot } from './embedding-table';
import { sortScores } from './metrics';
import { verificationSummary } from './verification-summary';

/**
 * How a probe is compared with a person enrolled with several photos (a template):
 * - single: against one enrolled photo only (what a one-photo enrolment gets);
 * - max: the best of the per-photo similarities (what the service does: the nearest face of the person);
 * - meanTop2: the mean of the two best;
 * - meanEmbedding: against the normalised mean of the enrolled embeddings.
 */
export const AGGREGATORS = ['single', 'max', 'meanTop2', 'meanEmbedding'] as const;
export type Aggregator = (typeof AGGREGATORS)[number];

export interface TemplateResult {
  aggregator: Aggregator;
  genuine: number;
  impostor: number;
  eer: number;
  tarAtFar1e3: number | null;
  tarAtFar1e4: number | null;
  /** Closed-set rank-1: the probe's own template scores above every other template. */
  rank1: number;
}

export interface TemplateOptions {
  /** Photos per template (the first ones of each person, the probe left out). */
  templateSize: number;
}

/**
 * Templates of every person with at least two photos with a face: each such photo is a probe, against its own
 * person's template (their other photos, up to templateSize) and every other person's template (their first photos).
 * Scores are built one probe at a time, so memory is the score arrays (probes x people floats per aggregator).
 */
export function evaluateTemplates(table: EmbeddingTable, identities: readonly string[], options: TemplateOptions): TemplateResult[] {
  const people = peopleWithTwoFaces(table, identities);
  const probes = people.flatMap((p) => p.rows.map((row) => ({ row, person: p })));
  const impostorCount = probes.length * (people.length - 1);
  const genuine = AGGREGATORS.map(() => new Float32Array(probes.length));
  const impostor = AGGREGATORS.map(() => new Float32Array(impostorCount));
  const correct = AGGREGATORS.map(() => 0);
  const fixed = people.map((p) => p.rows.slice(0, options.templateSize));
  const fixedGram = fixed.map((rows) => gramSum(table, rows));
  const mine = new Float64Array(AGGREGATORS.length),
    theirs = new Float64Array(AGGREGATORS.length),
    best = new Float64Array(AGGREGATORS.length);
  let k = 0;
  probes.forEach(({ row, person }, i) => {
    const own = person.rows.filter((r) => r !== row).slice(0, options.templateSize);
    aggregate(table, row, own, gramSum(table, own), mine);
    best.fill(-Infinity);
    people.forEach((other, q) => {
      if (other === person) return;
      aggregate(table, row, fixed[q], fixedGram[q], theirs);
      for (let a = 0; a < AGGREGATORS.length; a++) {
        impostor[a][k] = theirs[a];
        if (theirs[a] > best[a]) best[a] = theirs[a];
      }
      k++;
    });
    for (let a = 0; a < AGGREGATORS.length; a++) {
      genuine[a][i] = mine[a];
      if (mine[a] > best[a]) correct[a]++;
    }
  });
  return AGGREGATORS.map((aggregator, a) => summarise(aggregator, genuine[a], impostor[a], correct[a] / probes.length));
}

function summarise(aggregator: Aggregator, genuine: Float32Array, impostor: Float32Array, rank1: number): TemplateResult {
  const v = verificationSummary(sortScores({ genuine, impostor }, { inPlace: true }), { threshold: 0 });
  return {
    aggregator,
    genuine: genuine.length,
    impostor: impostor.length,
    eer: v.eer,
    tarAtFar1e3: v.tarAtFar['1e-3'],
    tarAtFar1e4: v.tarAtFar['1e-4'],
    rank1,
  };
}

function peopleWithTwoFaces(table: EmbeddingTable, identities: readonly string[]): Array<{ name: string; rows: number[] }> {
  const byName = new Map<string, number[]>();
  identities.forEach((name, row) => {
    if (!table.hasFace[row]) return;
    const rows = byName.get(name) ?? [];
    rows.push(row);
    byName.set(name, rows);
  });
  return [...byName.entries()].filter(([, rows]) => rows.length >= 2).map(([name, rows]) => ({ name, rows }));
}

/** The squared norm of the sum of a template's embeddings: the mean embedding's length, from dot products. */
function gramSum(table: EmbeddingTable, rows: number[]): number {
  let sum = 0;
  for (const a of rows) for (const b of rows) sum += a === b ? 1 : rowDot(table, a, b);
  return sum;
}

// One entry per AGGREGATORS element, in that order, written into `out` (no allocation: ~8 million calls on LFW).
function aggregate(table: EmbeddingTable, probe: number, rows: number[], gram: number, out: Float64Array): void {
  let first = 0,
    best = -Infinity,
    second = -Infinity,
    total = 0;
  rows.forEach((r, i) => {
    const s = rowDot(table, probe, r);
    if (i === 0) first = s;
    total += s;
    if (s > best) {
      second = best;
      best = s;
    } else if (s > second) second = s;
  });
  out[0] = first;
  out[1] = best;
  out[2] = rows.length > 1 ? (best + second) / 2 : best;
  out[3] = gram > 0 ? total / Math.sqrt(gram) : 0;
}
