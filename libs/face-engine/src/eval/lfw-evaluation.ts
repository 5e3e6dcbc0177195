import { performance } from 'node:perf_hooks';
import { scoreAllPairs } from './all-pairs';
import { EmbeddingTable, rowDot } from './embedding-table';
import { isKnownLabelError, LfwDataset } from './lfw-dataset';
import { LfwProtocolResult, NO_FACE_SCORE, ProtocolSummary, runLfwProtocol, ScoredPair } from './lfw-protocol';
import { SortedScores } from './metrics';
import { normaliseLfwScores } from './score-normalisation';
import { evaluateTemplates, TemplateResult } from './template-aggregation';
import { stageLatency, StageLatency } from './stage-latency';
import { verificationSummary, VerificationSummary } from './verification-summary';

export interface LfwReport {
  dataset: string;
  images: number;
  detected: number;
  /** Photos in which the detector found no face (their pairs: see protocol.noFacePairs). */
  noFace: string[];
  undecodable: string[];
  protocol: Omit<LfwProtocolResult, 'folds' | 'noFaceAsError' | 'withoutLabelErrors'> & {
    folds: Array<{ fold: number; threshold: number; trainAccuracy: number; accuracy: number }>;
    noFaceAsError: FoldStats;
    withoutLabelErrors: FoldStats & { pairsLeftOut: number };
    /** Every fold at the service's fixed threshold instead of a threshold chosen on the other folds. */
    atServiceThreshold: { threshold: number } & FoldStats;
    misclassified: Array<{ fold: number; a: string; b: string; same: boolean; score: number | null; threshold: number; knownLabelError: boolean }>;
  };
  allAgainstAll: VerificationSummary & { photos: number; rank1: number; rank1Probes: number; scoringSeconds: number };
  /** View 2 again with AS-norm scores (only when asked: --score-norm <topK>). */
  scoreNormalised?: { topK: number; meanAccuracy: number; sd: number; errors: number };
  /** People enrolled with up to `templateSize` photos: 1:1 and 1:N by how a probe's similarities to them are combined. */
  templates: { templateSize: number; results: TemplateResult[] };
  latencyMs: StageLatency | null;
}

type FoldStats = { meanAccuracy: number; sd: number; standardError: number; foldAccuracies: number[] };

// Enrolment takes 1 to 10 photos; 5 is a typical enrolment and leaves most LFW people with several probes.
const TEMPLATE_SIZE = 5;

export interface LfwEvaluationOptions {
  /** The threshold the service uses. */
  threshold: number;
  targetFar?: number;
  /** Also run View 2 on AS-norm scores with this many cohort photos per side. */
  scoreNormTopK?: number;
  onScoringProgress?: (done: number, total: number) => void;
}

export interface LfwEvaluation {
  report: LfwReport;
  /** The all-against-all scores, sorted, for the ROC plot. */
  scores: SortedScores;
}

/** View 2's ten folds and the all-against-all verification, from one embedding per photo. */
export function evaluateLfw(data: LfwDataset, table: EmbeddingTable, options: LfwEvaluationOptions): LfwEvaluation {
  if (table.files.length !== data.images.length || data.images.some((img, i) => img.file !== table.files[i])) {
    throw new Error(`the embeddings are of other photos than ${data.root} holds`);
  }
  const rowOf = new Map(table.files.map((f, i) => [f, i]));
  const scored = data.folds.map((fold) => fold.map((p) => scorePair(table, rowOf, p)));
  const protocol = runLfwProtocol(scored);
  const started = performance.now();
  const all = scoreAllPairs(
    table,
    data.images.map((i) => i.identity),
    options.onScoringProgress,
  );
  const summary = verificationSummary(all.scores, { threshold: options.threshold, targetFar: options.targetFar });
  const scoringSeconds = (performance.now() - started) / 1000;
  const report: LfwReport = {
    dataset: data.root,
    images: table.files.length,
    detected: count(table.hasFace, 1),
    noFace: table.files.filter((_, i) => !table.hasFace[i] && table.faceCounts[i] >= 0),
    undecodable: table.files.filter((_, i) => table.faceCounts[i] < 0),
    protocol: protocolReport(data, scored, protocol, options.threshold),
    allAgainstAll: {
      ...summary,
      photos: table.files.length,
      rank1: all.rank1.correct / all.rank1.probes,
      rank1Probes: all.rank1.probes,
      scoringSeconds: Math.round(scoringSeconds * 10) / 10,
    },
    scoreNormalised: options.scoreNormTopK ? normalisedProtocol(data, table, scored, options.scoreNormTopK) : undefined,
    templates: {
      templateSize: TEMPLATE_SIZE,
      results: evaluateTemplates(
        table,
        data.images.map((i) => i.identity),
        { templateSize: TEMPLATE_SIZE },
      ),
    },
    latencyMs: table.timings.length > 0 ? stageLatency(table.timings) : null,
  };
  return { report, scores: all.scores };
}

function scorePair(table: EmbeddingTable, rowOf: Map<string, number>, pair: LfwDataset['folds'][number][number]): ScoredPair {
  const a = rowOf.get(pair.a),
    b = rowOf.get(pair.b);
  if (a === undefined || b === undefined) throw new Error(`no embedding row for ${a === undefined ? pair.a : pair.b}`);
  const score = table.hasFace[a] && table.hasFace[b] ? rowDot(table, a, b) : null;
  return { same: pair.same, score, knownLabelError: isKnownLabelError(pair) };
}

function protocolReport(data: LfwDataset, scored: ScoredPair[][], protocol: LfwProtocolResult, threshold: number): LfwReport['protocol'] {
  const misclassified = protocol.folds.flatMap((f) =>
    f.errors.map((e) => {
      const pair = data.folds[f.fold - 1][e.index];
      return { fold: f.fold, a: pair.a, b: pair.b, same: e.same, score: e.score, threshold: f.threshold, knownLabelError: isKnownLabelError(pair) };
    }),
  );
  return {
    meanAccuracy: protocol.meanAccuracy,
    sd: protocol.sd,
    standardError: protocol.standardError,
    folds: protocol.folds.map(({ fold, threshold, trainAccuracy, accuracy }) => ({ fold, threshold, trainAccuracy, accuracy })),
    noFacePairs: protocol.noFacePairs,
    noFaceAsError: foldStats(protocol.noFaceAsError),
    withoutLabelErrors: { ...foldStats(protocol.withoutLabelErrors), pairsLeftOut: protocol.withoutLabelErrors.pairsLeftOut },
    atServiceThreshold: { threshold, ...fixedThresholdStats(scored, threshold) },
    misclassified,
  };
}

function normalisedProtocol(data: LfwDataset, table: EmbeddingTable, scored: ScoredPair[][], topK: number): LfwReport['scoreNormalised'] {
  const result = runLfwProtocol(normaliseLfwScores(data, table, scored, topK));
  return { topK, meanAccuracy: result.meanAccuracy, sd: result.sd, errors: result.folds.reduce((n, f) => n + f.errors.length, 0) };
}

function foldStats(s: ProtocolSummary): FoldStats {
  return { meanAccuracy: s.meanAccuracy, sd: s.sd, standardError: s.standardError, foldAccuracies: s.folds.map((f) => f.accuracy) };
}

function fixedThresholdStats(scored: ScoredPair[][], threshold: number): FoldStats {
  const accuracies = scored.map((fold) => fold.filter((p) => (p.score ?? NO_FACE_SCORE) >= threshold === p.same).length / fold.length);
  const mean = accuracies.reduce((s, a) => s + a, 0) / accuracies.length;
  const sd = Math.sqrt(accuracies.reduce((s, a) => s + (a - mean) ** 2, 0) / Math.max(1, accuracies.length - 1));
  return { meanAccuracy: mean, sd, standardError: sd / Math.sqrt(accuracies.length), foldAccuracies: accuracies };
}

function count(values: Uint8Array, value: number): number {
  let n = 0;
  for (const v of values) if (v === value) n++;
  return n;
}
