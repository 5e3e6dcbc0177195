/**
 * Per-stage latency of the face engine, one worker with one inference thread, photos run one after another
 * (what one request costs when the machine is otherwise idle). Writes the "engine" section of BENCHMARKS.md.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { FaceEngine, StageTimings } from '@facegate/face-engine';
import { loadFaceDataset } from '../../libs/face-engine/src/eval/face-dataset';
import { FACES_DIR, facePath } from '../../test/shared-faces';
import { machineLine, ms, percentile, writeSection } from './bench-report';

/** --quick: 20 photos, one round, no flip variant, BENCHMARKS.md untouched (CI runs it so the script cannot rot). */
const QUICK = process.argv.includes('--quick');
const STAGES: Array<keyof StageTimings> = ['decode', 'detect', 'landmarks', 'align', 'embed', 'liveness'];

async function run(flip: boolean) {
  const engine = await FaceEngine.create({ poolSize: 1, intraOpThreads: 1, flipAugmentation: flip }, { logger: { log: () => undefined, warn: console.warn, error: console.error } });
  const files = loadFaceDataset(FACES_DIR).identities.map((i) => i.file).slice(0, QUICK ? 20 : undefined);
  const photos = files.map((f) => readFileSync(facePath(f)));
  for (const p of photos.slice(0, 10)) await engine.analyze(p, { embedding: true, liveness: true }); // warm-up
  const timings: StageTimings[] = [];
  const wall: number[] = [];
  for (let round = 0; round < (QUICK ? 1 : 2); round++) {
    for (const p of photos) {
      const start = performance.now();
      const result = await engine.analyze(p, { embedding: true, liveness: true });
      wall.push(performance.now() - start);
      timings.push(result.timings);
    }
  }
  const rss = process.memoryUsage().rss;
  await engine.close();
  return { timings, wall, rss, photos: photos.length };
}

function table(label: string, r: Awaited<ReturnType<typeof run>>): string {
  const rows = STAGES.map((s) => {
    const v = r.timings.map((t) => t[s]);
    return `| ${s} | ${ms(percentile(v, 50))} | ${ms(percentile(v, 95))} |`;
  });
  const total = r.timings.map((t) => t.decode + t.detect + t.landmarks + t.align + t.embed);
  return [
    `**${label}** (${r.timings.length} analyses of ${r.photos} identity photos)`,
    '',
    '| stage | p50 ms | p95 ms |',
    '| --- | --- | --- |',
    ...rows,
    `| **decode to embedding** | **${ms(percentile(total, 50))}** | **${ms(percentile(total, 95))}** |`,
    `| whole call incl. liveness and worker hand-off | ${ms(percentile(r.wall, 50))} | ${ms(percentile(r.wall, 95))} |`,
    '',
    `Process RSS after the run: ${Math.round(r.rss / 2 ** 20)} MB.`,
  ].join('\n');
}

async function main() {
  const plain = await run(false);
  if (QUICK) {
    console.log(table('Default pipeline (no flip), quick run', plain));
    return;
  }
  const flip = await run(true);
  const markdown = [
    '## Face engine: per-stage latency',
    '',
    `Machine: ${machineLine()}. One worker thread, \`intraOpThreads\` 1, ORT spinning off, photos analysed one at a time.`,
    'Command: `npm run bench:engine`. Photos: every identity photo of ../shared/faces (250x250 LFW crops up to 1600 px deepface photos).',
    '',
    table('Default pipeline (no flip)', plain),
    '',
    table('With flip augmentation (FACEGATE_FLIP=true)', flip),
  ].join('\n');
  writeSection('engine', markdown);
  console.log(markdown);
}

void main();
