import { median } from '../liveness/session-median';
import { acceptRate, auc, sortScores, thresholdAtFar } from './metrics';
import { seededRandom } from './seeded-random';
import { round } from './verification-summary';

/** APCER: share of attack presentations accepted as live. BPCER: share of live presentations refused (ISO/IEC 30107-3). */
export interface PresentationErrors {
  apcer: number;
  bpcer: number;
  live: number;
  spoof: number;
}

export interface LivenessReport {
  auc: number;
  bpcerAtApcer10: number;
  /** The score at which at most 10% of spoofs pass (a calibration aid for your own camera). */
  threshold: number;
  live: number;
  spoof: number;
  noFace: number;
  /** Per capture kind: the model needs context around the face and fails on tight crops. */
  byKind: Record<string, { auc: number; live: number; spoof: number }>;
  /** Single frames judged at the service's threshold, per capture kind. */
  atServiceThreshold: { threshold: number; byKind: Record<string, PresentationErrors> };
  /**
   * Sessions as sign-in judges them: the median score of `frames` frames of one capture kind, at the service's
   * threshold. Sessions are drawn at random (seeded) from each kind's frames, so the count stays bounded on any size.
   */
  sessions: { frames: number; drawn: number; threshold: number; byKind: Record<string, PresentationErrors> };
}

export interface LivenessInput {
  /** Score per file (0 when no face was found: a live photo without a face cannot pass). */
  live: Array<{ kind: string; score: number }>;
  spoof: Array<{ kind: string; score: number }>;
  noFace: number;
  serviceThreshold: number;
  sessionFrames: number;
  /** Sessions drawn per kind and class. */
  sessionsPerKind?: number;
}

const SESSIONS_PER_KIND = 2000;

export function livenessReport(input: LivenessInput): LivenessReport {
  const live = input.live.map((s) => s.score);
  const spoof = input.spoof.map((s) => s.score);
  const sorted = sortScores({ genuine: live, impostor: spoof });
  const threshold = thresholdAtFar(sorted.impostor, 0.1);
  const kinds = [...new Set([...input.live, ...input.spoof].map((s) => s.kind))].sort();
  const byKind: LivenessReport['byKind'] = {};
  const single: Record<string, PresentationErrors> = {};
  const sessions: Record<string, PresentationErrors> = {};
  for (const kind of kinds) {
    const l = input.live.filter((s) => s.kind === kind).map((s) => s.score);
    const s = input.spoof.filter((x) => x.kind === kind).map((x) => x.score);
    if (l.length && s.length) byKind[kind] = { auc: round(auc(sortScores({ genuine: l, impostor: s })), 4), live: l.length, spoof: s.length };
    single[kind] = errors(l, s, input.serviceThreshold);
    if (l.length >= input.sessionFrames || s.length >= input.sessionFrames) {
      const count = input.sessionsPerKind ?? SESSIONS_PER_KIND;
      const seed = hashSeed(kind);
      sessions[kind] = errors(
        sessionMedians(l, input.sessionFrames, count, seed),
        sessionMedians(s, input.sessionFrames, count, seed + 1),
        input.serviceThreshold,
      );
    }
  }
  return {
    auc: round(auc(sorted), 4),
    bpcerAtApcer10: round(1 - acceptRate(sorted.genuine, threshold), 4),
    threshold: round(threshold, 4),
    live: live.length,
    spoof: spoof.length,
    noFace: input.noFace,
    byKind,
    atServiceThreshold: { threshold: input.serviceThreshold, byKind: single },
    sessions: { frames: input.sessionFrames, drawn: input.sessionsPerKind ?? SESSIONS_PER_KIND, threshold: input.serviceThreshold, byKind: sessions },
  };
}

function errors(live: number[], spoof: number[], threshold: number): PresentationErrors {
  const accepted = (xs: number[]) => xs.filter((x) => x >= threshold).length;
  return {
    apcer: spoof.length ? round(accepted(spoof) / spoof.length, 4) : NaN,
    bpcer: live.length ? round(1 - accepted(live) / live.length, 4) : NaN,
    live: live.length,
    spoof: spoof.length,
  };
}

/** Medians of `count` random draws of `size` distinct frames (none when there are fewer frames than a session needs). */
export function sessionMedians(scores: readonly number[], size: number, count: number, seed: number): number[] {
  if (scores.length < size) return [];
  const random = seededRandom(seed);
  const out: number[] = [];
  const pool = [...scores];
  for (let n = 0; n < count; n++) {
    // Partial Fisher-Yates: the first `size` entries become a uniform draw without replacement.
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    out.push(median(pool.slice(0, size))!);
  }
  return out;
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
