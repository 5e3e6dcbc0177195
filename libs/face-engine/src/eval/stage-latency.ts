import { StageTimings } from '../pipeline/face.types';
import { percentile } from './metrics';
import { round } from './verification-summary';

export type StageLatency = Record<keyof StageTimings | 'total', { p50: number; p95: number }>;

const STAGES: Array<keyof StageTimings> = ['decode', 'detect', 'landmarks', 'align', 'embed', 'liveness'];

/** Median and 95th percentile of each stage over the photos analysed, and of "decode to embedding" per photo. */
export function stageLatency(timings: readonly StageTimings[]): StageLatency {
  const stat = (values: number[]) => {
    const sorted = Float64Array.from(values).sort();
    return { p50: round(percentile(sorted, 50), 2), p95: round(percentile(sorted, 95), 2) };
  };
  const out = Object.fromEntries(STAGES.map((s) => [s, stat(timings.map((t) => t[s]))])) as StageLatency;
  // "Decode to embedding": what one enrolment or verification photo costs; liveness is reported on its own.
  out.total = stat(timings.map((t) => t.decode + t.detect + t.landmarks + t.align + t.embed));
  return out;
}
