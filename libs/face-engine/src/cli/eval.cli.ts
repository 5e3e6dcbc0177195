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
import { rocCurve } from '../eval/metrics';
import { renderRocSvg } from '../eval/roc-plot';
import { ProgressBar } from './progress-bar';

const USAGE = 'usage: npm run eval -- --data <dir> [--out report.json] [--plot roc.svg] [--threshold 0.4] [--workers 1] [--threads 1] [--flip] [--models <dir>]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      plot: { type: 'string' },
      threshold: { type: 'string' },
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
  const workers = Number(values.workers);
  const threads = Number(values.threads);
  if (!Number.isFinite(threshold) || !Number.isInteger(workers) || workers < 1 || !Number.isInteger(threads) || threads < 1) {
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
    const { report, scores } = await evaluateDataset(engine, data, { threshold, concurrency: workers, onProgress: (d, t, f) => bar.update(d, t, f) });
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
    ['TAR @ FAR 1e-2', `${pct(v.tarAtFar['1e-2'], 2)} (threshold ${v.thresholdAtFar['1e-2']})`],
    ['TAR @ FAR 1e-3', `${pct(v.tarAtFar['1e-3'], 2)} (threshold ${v.thresholdAtFar['1e-3']})`],
    ['TAR @ FAR 1e-4', `${pct(v.tarAtFar['1e-4'], 2)} (threshold ${v.thresholdAtFar['1e-4']})`],
    ['recommended threshold', `${v.recommendedThreshold} (FAR <= 1e-3 with 95% confidence)`],
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

const pct = (v: number, d: number) => `${(v * 100).toFixed(d)}%`;

main().catch((error) => {
  console.error(`eval failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
