import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { FaceEngine } from '../face-engine';
import { loadFaceDataset } from '../eval/face-dataset';
import { evaluateDataset } from '../eval/face-evaluation';
import { rocCurve } from '../eval/metrics';
import { EvalArgs, engineOverrides, runInfo } from './eval-args';
import { printDevSummary, verificationPlot } from './eval-summary.printer';
import { ProgressBar } from '@facegate/common';

const quiet = { log: () => undefined, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };

/**
 * Measures detection, verification (genuine pairs against every cross-identity pair), leave-one-out identification,
 * group counts, false detections on face-free images, passive liveness and per-stage latency on a labelled folder.
 */
export async function runDevEvaluation(args: EvalArgs & { data: string }): Promise<void> {
  const data = loadFaceDataset(args.data);
  const engine = await FaceEngine.create(engineOverrides(args), { logger: quiet });
  const bar = new ProgressBar(process.stderr);
  const started = Date.now();
  try {
    const { report, scores } = await evaluateDataset(engine, data, { ...args, concurrency: args.workers, onProgress: (d, t, f) => bar.update(d, t, f) });
    const others = data.groups.length + data.noface.length + data.live.length + data.spoof.length;
    bar.done(`evaluated ${report.images} identity photos and ${others} others in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    printDevSummary(report);
    const v = report.verification;
    const full = { ...report, run: { date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, ...runInfo(args) } };
    if (args.out) writeFileSync(args.out, JSON.stringify(full, null, 2) + '\n');
    const title = `facegate verification ROC (${v.genuinePairs} genuine vs ${v.impostorPairs} impostor pairs${args.flip ? ', flip' : ''})`;
    if (args.plot) writeFileSync(args.plot, verificationPlot(title, v, rocCurve(scores)));
    if (args.out) console.log(`report: ${args.out}`);
    if (args.plot) console.log(`ROC plot: ${args.plot}`);
  } finally {
    await engine.close();
  }
}
