/**
 * What sharing one request between the engine's two workers buys (WorkerPool.share: a busy worker offers its face's
 * liveness model to an idle one): the same probes through two engines of 2 workers, sharing on and off, by 1 and by 8
 * concurrent callers, the variants alternating round by round so that drift of the machine favours neither. Writes
 * the "engine-share" section of BENCHMARKS.md (not in --quick mode, which CI runs so the script cannot rot).
 *
 *   npx tsx scripts/bench/engine-share.bench.ts [--quick]
 */
import { readFileSync } from 'node:fs';
import { FaceEngine } from '@facegate/face-engine';
import { facePath } from '../../test/shared-faces';
import { closedLoop, photosByPerson } from './api-load';
import { machineLine, ms, writeSection } from './bench-report';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 2 : 10;
const CALLERS = [1, 8];

interface Row {
  sharing: boolean;
  round: number;
  callers: number;
  p50: number;
  p95: number;
  perSecond: number;
  shared: number;
}

async function level(engine: FaceEngine, photos: string[], callers: number): Promise<Omit<Row, 'sharing' | 'round' | 'callers'>> {
  const analyze = (i: number) => engine.analyze(photos[i % photos.length], { details: 'primary', embedding: true, liveness: true });
  for (let i = 0; i < 4; i++) await analyze(i);
  const before = engine.sharedParts;
  const result = await closedLoop(callers, SECONDS, async (i) => {
    await analyze(i);
    return true;
  });
  return { p50: result.p50, p95: result.p95, perSecond: result.rps, shared: (engine.sharedParts - before) / result.requests };
}

async function main(): Promise<void> {
  // The API bench's probes: one photo of each person of ../shared/faces (LFW crops to 2 MP photos), as base64.
  const photos = [...photosByPerson().values()].map((files) => readFileSync(facePath(files[0])).toString('base64'));
  const quiet = { log: () => undefined, warn: console.warn, error: console.error };
  const engines = new Map<boolean, FaceEngine>();
  for (const sharing of [true, false])
    engines.set(sharing, await FaceEngine.create({ poolSize: 2, intraOpThreads: 1, shareParts: sharing }, { logger: quiet }));
  const rows: Row[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const callers of CALLERS) {
        for (const sharing of [true, false]) {
          const row = { sharing, round, callers, ...(await level(engines.get(sharing)!, photos, callers)) };
          rows.push(row);
          console.log(`sharing ${sharing ? 'on' : 'off'} round ${round} x${callers}: p50 ${ms(row.p50)} ms, ${row.perSecond.toFixed(1)}/s`);
        }
      }
    }
  } finally {
    for (const engine of engines.values()) await engine.close();
  }
  const markdown = [
    '## Face engine: one request on two cores',
    '',
    `Machine: ${machineLine()}. Command: \`npx tsx scripts/bench/engine-share.bench.ts\`. Two engines of 2 workers x 1`,
    "thread, one sharing (a busy worker offers its face's passive liveness model, with the face's context pixels, to an",
    'idle worker, which runs it while the first finds the landmarks and embeds), one not; the analysis `/recognize` asks',
    `for (primary face, embedding, liveness) of the ${photos.length} API-bench probes, by 1 and by 8 concurrent callers, ${SECONDS} s per level,`,
    'the variants alternating. "shared" is the share of analyses whose liveness ran on the other worker.',
    '',
    '| sharing | round | callers | p50 ms | p95 ms | analyses/s | shared |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.sharing ? 'on' : 'off'} | ${r.round} | ${r.callers} | ${ms(r.p50)} | ${ms(r.p95)} | ${r.perSecond.toFixed(1)} | ${(r.shared * 100).toFixed(0)}% |`,
    ),
  ].join('\n');
  console.log(markdown);
  if (!QUICK) writeSection('engine-share', markdown);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
