import { EmbeddingTable, rowDot } from './embedding-table';
import { LfwDataset } from './lfw-dataset';
import { ScoredPair } from './lfw-protocol';

/**
 * Adaptive symmetric score normalisation (AS-norm) against a cohort of other people's photos:
 * s' = ((s - mean_a) / sd_a + (s - mean_b) / sd_b) / 2, where mean_x and sd_x describe the `topK` cohort photos most
 * similar to x. It corrects photos that look like many people (or like nobody). For View 2, the cohort of a fold is
 * every photo of the other nine folds, whose people are not in this fold (View 2's folds share no person).
 */
export function normaliseLfwScores(data: LfwDataset, table: EmbeddingTable, scored: ScoredPair[][], topK: number): ScoredPair[][] {
  const rowOf = new Map(table.files.map((f, i) => [f, i]));
  const rowsOfFold = data.folds.map((fold) => new Set(fold.flatMap((p) => [rowOf.get(p.a)!, rowOf.get(p.b)!]).filter((r) => table.hasFace[r])));
  return data.folds.map((fold, f) => {
    const cohort = [...new Set(rowsOfFold.flatMap((rows, g) => (g === f ? [] : [...rows])))];
    const stats = new Map<number, { mean: number; sd: number }>();
    const statsOf = (row: number) => {
      let s = stats.get(row);
      if (!s) stats.set(row, (s = cohortStats(table, row, cohort, topK)));
      return s;
    };
    return fold.map((p, i) => {
      const original = scored[f][i];
      if (original.score === null) return original;
      const a = statsOf(rowOf.get(p.a)!),
        b = statsOf(rowOf.get(p.b)!);
      const score = ((original.score - a.mean) / a.sd + (original.score - b.mean) / b.sd) / 2;
      return { ...original, score };
    });
  });
}

function cohortStats(table: EmbeddingTable, row: number, cohort: number[], topK: number): { mean: number; sd: number } {
  const sims = Float64Array.from(cohort, (c) => rowDot(table, row, c)).sort();
  const top = sims.subarray(Math.max(0, sims.length - topK));
  const mean = top.reduce((s, x) => s + x, 0) / top.length;
  const sd = Math.sqrt(top.reduce((s, x) => s + (x - mean) ** 2, 0) / top.length) || 1;
  return { mean, sd };
}
