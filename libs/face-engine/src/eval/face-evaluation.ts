import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaceEngine } from '../face-engine';
import { cosineSimilarity } from '../pipeline/face-embedder';
import { AnalysisResult, AnalyzeOptions } from '../pipeline/face.types';
import { FaceDataset } from './face-dataset';
import { livenessReport, LivenessReport } from './liveness-evaluation';
import { sortScores, SortedScores } from './metrics';
import { stageLatency, StageLatency } from './stage-latency';
import { round, verificationSummary, VerificationSummary } from './verification-summary';

export interface EvaluationReport {
  dataset: string;
  images: number;
  detected: number;
  detectionRate: number;
  missed: string[];
  verification: VerificationSummary;
  identification: { rank1: number; probes: number };
  groups: { withinBounds: number; total: number; details: Array<{ file: string; found: number; min: number; max: number | null }> };
  noface: { falseDetections: number; total: number; files: string[] };
  liveness: LivenessReport;
  latencyMs: StageLatency;
}

export interface EvaluationOptions {
  /** The threshold the service uses, reported with its TAR and FAR. */
  threshold: number;
  /** The service's passive liveness threshold and the frames a session's median takes (see LivenessReport). */
  livenessThreshold: number;
  livenessSessionFrames: number;
  /** The FAR the recommended threshold is derived for (1e-4 unless set). */
  targetFar?: number;
  concurrency: number;
  onProgress?: (done: number, total: number, file: string) => void;
}

type Analyzed = Map<string, AnalysisResult | null>;

export interface Evaluation {
  report: EvaluationReport;
  /** Every genuine and cross-identity similarity, sorted, for the ROC plot. */
  scores: SortedScores;
}

/** Runs the engine over every photo of a dataset and computes the metrics the README and issues quote. */
export async function evaluateDataset(engine: FaceEngine, data: FaceDataset, options: EvaluationOptions): Promise<Evaluation> {
  const results = await analyzeAll(engine, data, options);
  const embeddings = new Map<string, Float32Array>();
  for (const { file } of data.identities) {
    const r = results.get(file);
    const face = r && r.primaryIndex >= 0 ? r.faces[r.primaryIndex] : undefined;
    if (face?.embedding) embeddings.set(file, face.embedding);
  }
  const detected = data.identities.filter(({ file }) => embeddings.has(file));
  const scores = sortScores(pairScores(data, embeddings), { inPlace: true });
  const report: EvaluationReport = {
    dataset: data.root,
    images: data.identities.length,
    detected: detected.length,
    detectionRate: ratio(detected.length, data.identities.length),
    missed: data.identities.filter(({ file }) => !embeddings.has(file)).map(({ file }) => file),
    verification: verificationSummary(scores, options),
    identification: identification(data, embeddings),
    groups: groups(data, results),
    noface: noface(data, results),
    liveness: liveness(data, results, options),
    latencyMs: stageLatency(data.identities.flatMap(({ file }) => results.get(file)?.timings ?? [])),
  };
  return { report, scores };
}

async function analyzeAll(engine: FaceEngine, data: FaceDataset, options: EvaluationOptions): Promise<Analyzed> {
  // Identity, live and spoof photos go the enrolment/verification way (primary face, no tiles); group and
  // face-free photos the /detect way (every face, small-face tiles on).
  const jobs: Array<{ file: string; options: AnalyzeOptions }> = [
    ...[...data.identities.map((i) => i.file), ...data.live, ...data.spoof].map((file) => ({
      file,
      options: { details: 'primary', embedding: true, liveness: true } as AnalyzeOptions,
    })),
    ...[...data.groups.map((g) => g.file), ...data.noface].map((file) => ({
      file,
      options: { details: 'none', smallFaces: true } as AnalyzeOptions,
    })),
  ];
  const results: Analyzed = new Map();
  let next = 0,
    done = 0;
  const workerLoop = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      try {
        const bytes = await readFile(join(data.root, job.file));
        results.set(job.file, await engine.analyze(bytes, job.options));
      } catch {
        results.set(job.file, null);
      }
      options.onProgress?.(++done, jobs.length, job.file);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, workerLoop));
  return results;
}

// A photo without a detected face cannot be matched: its genuine pairs count as rejected and its impostor pairs as
// rejected too (score -1), which is what the service does (it answers NO_FACE).
function pairScores(data: FaceDataset, emb: Map<string, Float32Array>): { genuine: Float64Array; impostor: Float64Array } {
  const score = (a: string, b: string) => {
    const ea = emb.get(a),
      eb = emb.get(b);
    return ea && eb ? cosineSimilarity(ea, eb) : -1;
  };
  const genuine = Float64Array.from(data.genuinePairs, ({ a, b }) => score(a, b));
  const ids = data.identities;
  const perIdentity = new Map<string, number>();
  for (const { identity } of ids) perIdentity.set(identity, (perIdentity.get(identity) ?? 0) + 1);
  let sameIdentityPairs = 0;
  for (const n of perIdentity.values()) sameIdentityPairs += (n * (n - 1)) / 2;
  const impostor = new Float64Array((ids.length * (ids.length - 1)) / 2 - sameIdentityPairs);
  let k = 0;
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      if (ids[i].identity !== ids[j].identity) impostor[k++] = score(ids[i].file, ids[j].file);
    }
  }
  return { genuine, impostor };
}

/**
 * Leave-one-out rank-1: each photo is a probe against all other photos. Photos of the same identity that pairs.json
 * does not pair with the probe (the same photo at another resolution) are left out of its gallery, so they cannot
 * make the task trivially easy.
 */
function identification(data: FaceDataset, emb: Map<string, Float32Array>): EvaluationReport['identification'] {
  const paired = new Set(data.genuinePairs.flatMap(({ a, b }) => [`${a}|${b}`, `${b}|${a}`]));
  const identityOf = new Map(data.identities.map((i) => [i.file, i.identity]));
  let probes = 0,
    correct = 0;
  for (const probe of data.identities) {
    const hasMate = data.identities.some((g) => g.file !== probe.file && g.identity === probe.identity && paired.has(`${probe.file}|${g.file}`));
    if (!hasMate) continue;
    probes++;
    const pe = emb.get(probe.file);
    if (!pe) continue;
    let best = -Infinity,
      bestFile = '';
    for (const g of data.identities) {
      if (g.file === probe.file) continue;
      if (g.identity === probe.identity && !paired.has(`${probe.file}|${g.file}`)) continue;
      const ge = emb.get(g.file);
      if (!ge) continue;
      const s = cosineSimilarity(pe, ge);
      if (s > best) {
        best = s;
        bestFile = g.file;
      }
    }
    if (identityOf.get(bestFile) === probe.identity) correct++;
  }
  return { rank1: round(ratio(correct, probes), 6), probes };
}

function groups(data: FaceDataset, results: Analyzed): EvaluationReport['groups'] {
  const details = data.groups.map((g) => ({ file: g.file, found: results.get(g.file)?.faces.length ?? 0, min: g.min, max: g.max }));
  const withinBounds = details.filter((d) => d.found >= d.min && (d.max === null || d.found <= d.max)).length;
  return { withinBounds, total: details.length, details };
}

function noface(data: FaceDataset, results: Analyzed): EvaluationReport['noface'] {
  const files = data.noface.filter((f) => (results.get(f)?.faces.length ?? 0) > 0);
  return { falseDetections: files.length, total: data.noface.length, files };
}

// A live photo with no face cannot pass, so it scores 0 ("not live"), as does a spoof with no face.
function liveness(data: FaceDataset, results: Analyzed, options: EvaluationOptions): LivenessReport {
  let noFace = 0;
  const scored = (file: string) => {
    const r = results.get(file);
    const face = r && r.primaryIndex >= 0 ? r.faces[r.primaryIndex] : undefined;
    if (face?.liveness === undefined) noFace++;
    return { kind: data.kinds.get(file) ?? 'unknown', score: face?.liveness ?? 0 };
  };
  const live = data.live.map(scored);
  const spoof = data.spoof.map(scored);
  return livenessReport({ live, spoof, noFace, serviceThreshold: options.livenessThreshold, sessionFrames: options.livenessSessionFrames });
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);
