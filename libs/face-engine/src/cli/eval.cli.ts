/**
 * npm run eval -- --data <dir> [--out report.json] [--plot roc.svg] [--threshold 0.4] [--workers 1] [--flip]
 *
 * Measures detection, verification (genuine pairs against every cross-identity pair), leave-one-out identification,
 * group counts, false detections on face-free images, passive liveness and per-stage latency.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FaceEngine } from '../face-engine';
import { DEFAULT_MATCH_THRESHOLD, DEFAULT_MODELS_DIR } from '../face-engine.config';
import { loadFaceDataset } from '../eval/face-dataset';
import { EvaluationReport, evaluateDataset } from '../eval/face-evaluation';
import { DEFAULT_TARGET_FAR, FAR_POINTS, FarKey, VerificationSummary } from '../eval/verification-summary';
import { rocCurve } from '../eval/metrics';
import { renderRocSvg } from '../eval/roc-plot';
import { ProgressBar } from './progress-bar';

const USAGE = 'usage: npm run eval -- --data <dir> [--out report.json] [--plot roc.svg] [--threshold 0.4] [--target-far 1e-4] [--workers 1] [--threads 1] [--flip] [--models <dir>]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      plot: { type: 'string' },
      threshold: { type: 'string' },
      'target-far': { type: 'string' },
      workers: { type: 'string', default: '1' },
      threads: { type: 'string', default: '1' },
      models: { type: 'string' },
      flip: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.data) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const threshold = values.threshold === undefined ? DEFAULT_MATCH_THRESHOLD : Number(values.threshold);
  const targetFar = values['target-far'] === undefined ? DEFAULT_TARGET_FAR : Number(values['target-far']);
  const workers = Number(values.workers);
  const threads = Number(values.threads);
  if (!Number.isFinite(threshold) || !(targetFar > 0 && targetFar < 1) || !Number.isInteger(workers) || workers < 1 || !Number.isInteger(threads) || threads < 1) {
    console.error(USAGE);
    process.exit(2);
  }
  const data = loadFaceDataset(resolve(values.data));
  const quiet = { log: () => undefined, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };
  const engine = await FaceEngine.create(
    { modelsDir: values.models ? resolve(values.models) : DEFAULT_MODELS_DIR, poolSize: workers, intraOpThreads: threads, flipAugmentation: values.flip },
    { logger: quiet },
  );
  const bar = new ProgressBar(process.stderr);
  const started = Date.now();
  try {
    const { report, scores } = await evaluateDataset(engine, data, { threshold, targetFar, concurrency: workers, onProgress: (d, t, f) => bar.update(d, t, f) });
    bar.done(`evaluated ${report.images} identity photos and ${data.groups.length + data.noface.length + data.live.length + data.spoof.length} others in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const full = { ...report, run: { date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, workers, intraOpThreads: threads, flip: values.flip, threshold } };
    printSummary(report);
    if (values.out) writeFileSync(values.out, JSON.stringify(full, null, 2) + '\n');
    if (values.plot) writeFileSync(values.plot, plot(report, rocCurve(scores), values.flip));
    if (values.out) console.log(`report: ${values.out}`);
    if (values.plot) console.log(`ROC plot: ${values.plot}`);
  } finally {
    await engine.close();
  }
}

function plot(report: EvaluationReport, roc: ReturnType<typeof rocCurve>, flip: boolean): string {
  const v = report.verification;
  return renderRocSvg({
    title: `facegate verification ROC (${v.genuinePairs} genuine vs ${v.impostorPairs} impostor pairs${flip ? ', flip' : ''})`,
    roc,
    markFar: [1e-3],
    legend: [
      `AUC ${v.auc.toFixed(5)}   EER ${pct(v.eer, 3)}`,
      `TAR @ FAR 1e-3: ${pct(v.tarAtFar['1e-3'], 2)} (threshold ${v.thresholdAtFar['1e-3']})`,
      `TAR @ FAR 1e-2: ${pct(v.tarAtFar['1e-2'], 2)}`,
      `at threshold ${v.atThreshold.threshold}: TAR ${pct(v.atThreshold.tar, 2)}, FAR ${pct(v.atThreshold.far, 3)}`,
    ],
  });
}

function printSummary(r: EvaluationReport): void {
  const v = r.verification;
  const rows: Array<[string, string]> = [
    ['identity photos with a face', `${r.detected}/${r.images} (${pct(r.detectionRate, 1)})`],
    ['verification pairs', `${v.genuinePairs} genuine, ${v.impostorPairs} impostor`],
    ['AUC', v.auc.toFixed(6)],
    ['EER', `${pct(v.eer, 3)} (threshold ${v.eerThreshold})`],
    ...(Object.keys(FAR_POINTS) as FarKey[]).map((k): [string, string] => [`TAR @ FAR ${k}`, tarText(v, k)]),
    ['recommended threshold', recommendationText(v)],
    [`at threshold ${v.atThreshold.threshold}`, `TAR ${pct(v.atThreshold.tar, 2)}, FAR ${pct(v.atThreshold.far, 3)}`],
    ['best balanced accuracy', `${pct(v.bestAccuracy, 2)} (threshold ${v.bestThreshold})`],
    ['genuine similarity', `min ${v.genuine.min}, p1 ${v.genuine.p1}, median ${v.genuine.median}`],
    ['impostor similarity', `median ${v.impostor.median}, p99.9 ${v.impostor.p999}, max ${v.impostor.max}`],
    ['rank-1 (leave-one-out)', `${pct(r.identification.rank1, 2)} of ${r.identification.probes} probes`],
    ['groups within bounds', `${r.groups.withinBounds}/${r.groups.total}`],
    ['false detections in noface/', `${r.noface.falseDetections}/${r.noface.total}`],
    ['liveness AUC', `${r.liveness.auc} (${r.liveness.live} live, ${r.liveness.spoof} spoof)`],
    ['liveness BPCER @ APCER 10%', pct(r.liveness.bpcerAtApcer10, 1)],
    ...Object.entries(r.liveness.byKind).map(([k, v]): [string, string] => [`liveness AUC ${k}`, `${v.auc} (${v.live} live, ${v.spoof} spoof)`]),
    ...(['decode', 'detect', 'landmarks', 'align', 'embed', 'liveness', 'total'] as const).map(
      (s): [string, string] => [`latency ${s} (ms)`, `p50 ${r.latencyMs[s].p50}, p95 ${r.latencyMs[s].p95}`],
    ),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('');
  for (const [k, val] of rows) console.log(`${k.padEnd(width)}  ${val}`);
  if (r.missed.length) console.log(`\nno face found in: ${r.missed.join(', ')}`);
  for (const g of r.groups.details) {
    if (g.found < g.min || (g.max !== null && g.found > g.max)) console.log(`group out of bounds: ${g.file} found ${g.found}, expected ${g.min}..${g.max ?? 'any'}`);
  }
}

function tarText(v: VerificationSummary, k: FarKey): string {
  const tar = v.tarAtFar[k];
  return tar === null ? `n/a (fewer than ${count(1 / FAR_POINTS[k])} impostor pairs)` : `${pct(tar, 2)} (threshold ${v.thresholdAtFar[k]})`;
}

function recommendationText(v: VerificationSummary): string {
  const r = v.recommendation;
  const rule = `FAR <= ${r.far} with ${r.confidence * 100}% confidence`;
  if (!r.enoughPairs) return `none: ${count(v.impostorPairs)} impostor pairs cannot show ${rule} (need ${count(-Math.log(1 - r.confidence) / r.far)})`;
  return `${v.recommendedThreshold} (${rule}; ${r.acceptedImpostors} impostor pairs accepted)`;
}

const count = (n: number) => Math.ceil(n - 1e-6).toLocaleString('en-US');
const pct = (v: number | null, d: number) => (v === null ? 'n/a' : `${(v * 100).toFixed(d)}%`);

main().catch((error) => {
  console.error(`eval failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
