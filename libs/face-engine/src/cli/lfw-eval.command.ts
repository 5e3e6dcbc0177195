import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { FaceEngine } from '../face-engine';
import { EmbeddingTable, embedPhotos, loadEmbeddingTable, saveEmbeddingTable } from '../eval/embedding-table';
import { loadLfwDataset, LfwDataset } from '../eval/lfw-dataset';
import { evaluateLfw } from '../eval/lfw-evaluation';
import { rocCurve } from '../eval/metrics';
import { EvalArgs, engineOverrides, runInfo } from './eval-args';
import { count, printLfwSummary, verificationPlot } from './eval-summary.printer';
import { ProgressBar } from '@facegate/common';

const quiet = { log: () => undefined, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };

/**
 * LFW's View 2 protocol (ten folds, each fold's threshold chosen on the other nine) and the all-against-all
 * verification of every photo of the set, from one embedding per photo.
 */
export async function runLfwEvaluation(args: EvalArgs & { lfw: string }): Promise<void> {
  const data = loadLfwDataset(args.lfw);
  const started = Date.now();
  const { table, pipeline } = args.embeddings ? loadEmbeddingTable(args.embeddings) : { table: await embed(args, data), pipeline: runInfo(args) };
  const embeddedAt = Date.now();
  if (args.saveEmbeddings) saveEmbeddingTable(args.saveEmbeddings, table, pipeline);
  const bar = new ProgressBar(process.stderr);
  const { report, scores } = evaluateLfw(data, table, { ...args, onScoringProgress: (d, t) => bar.update(d, t, 'pairs') });
  bar.done(`scored ${count(report.allAgainstAll.genuinePairs + report.allAgainstAll.impostorPairs)} pairs in ${report.allAgainstAll.scoringSeconds} s`);
  printLfwSummary(report);
  const resources = {
    embedSeconds: (embeddedAt - started) / 1000,
    totalSeconds: (Date.now() - started) / 1000,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(`\nrun: embeddings ${resources.embedSeconds.toFixed(1)} s, total ${resources.totalSeconds.toFixed(1)} s, peak RSS ${resources.peakRssMb} MB`);
  const full = { ...report, run: { date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, pipeline, ...runInfo(args), ...resources } };
  if (args.out) writeFileSync(args.out, JSON.stringify(full, null, 2) + '\n');
  const v = report.allAgainstAll;
  if (args.plot)
    writeFileSync(
      args.plot,
      verificationPlot(`LFW all against all (${count(v.genuinePairs)} genuine vs ${count(v.impostorPairs)} impostor pairs)`, v, rocCurve(scores)),
    );
  if (args.out) console.log(`report: ${args.out}`);
  if (args.plot) console.log(`ROC plot: ${args.plot}`);
}

// The engine is closed before scoring, so its workers' memory is not held during the all-against-all pass.
async function embed(args: EvalArgs, data: LfwDataset): Promise<EmbeddingTable> {
  const engine = await FaceEngine.create(engineOverrides(args), { logger: quiet });
  const bar = new ProgressBar(process.stderr);
  const started = Date.now();
  try {
    const table = await embedPhotos(
      engine,
      data.root,
      data.images.map((i) => i.file),
      { concurrency: args.workers, onProgress: (d, t, f) => bar.update(d, t, f) },
    );
    bar.done(`embedded ${count(table.files.length)} photos in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return table;
  } finally {
    await engine.close();
  }
}
