/**
 * Per-stage latency of the face engine, one worker with one inference thread, photos run one after another
 * (what one request costs when the machine is otherwise idle). Writes the "engine" section of BENCHMARKS.md.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { FaceEngine, StageTimings } from '@facegate/face-engine';
import { loadFaceDataset } from '../../libs/face-engine/src/eval/face-dataset';
import { FACES_DIR, facePath } from '../../test/shared-faces';
import { scaledCrop, squareBox } from '../../libs/face-engine/src/geometry/box';
import { Box } from '../../libs/face-engine/src/geometry/geometry.types';
import { computeLetterbox } from '../../libs/face-engine/src/geometry/letterbox';
import { decodeImage, resizeWithSharp } from '../../libs/face-engine/src/image/image-decoder';
import { fitsLinearResize, JS_RESIZE_MAX_COST, linearResize } from '../../libs/face-engine/src/image/linear-resize';
import { RgbImage } from '../../libs/face-engine/src/image/raw-image';
import { machineLine, ms, percentile, writeSection } from './bench-report';

/** --quick: 20 photos, one round, no flip variant, BENCHMARKS.md untouched (CI runs it so the script cannot rot). */
const QUICK = process.argv.includes('--quick');
/** --preview-only: just the web page's live-preview detection (writes its own section, leaves "engine" alone). */
const PREVIEW_ONLY = process.argv.includes('--preview-only');
/** Webcam frames (640x480) of ../shared/faces/live: what the web page's live face box sends to /detect. */
const PREVIEW_FRAMES = ['live/026.jpg', 'live/028.jpg', 'live/029.jpg', 'live/036.jpg'];
const STAGES: Array<keyof StageTimings> = ['decode', 'detect', 'landmarks', 'align', 'embed', 'liveness'];

async function run(flip: boolean) {
  const engine = await FaceEngine.create(
    { poolSize: 1, intraOpThreads: 1, flipAugmentation: flip },
    { logger: { log: () => undefined, warn: console.warn, error: console.error } },
  );
  const files = loadFaceDataset(FACES_DIR)
    .identities.map((i) => i.file)
    .slice(0, QUICK ? 20 : undefined);
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

/**
 * What one live-preview frame costs the engine as /detect runs it (details 'all'), with the tiled search for small
 * faces (the /detect default) and without it (`smallFaces: false`, what the web page sends).
 */
async function previewCost(): Promise<string> {
  const engine = await FaceEngine.create({ poolSize: 1, intraOpThreads: 1 }, { logger: { log: () => undefined, warn: console.warn, error: console.error } });
  const frames = PREVIEW_FRAMES.map((f) => readFileSync(facePath(f)));
  const rounds = QUICK ? 8 : 100;
  const rows: string[] = [];
  for (const smallFaces of [true, false]) {
    for (const f of frames) await engine.analyze(f, { details: 'all', smallFaces }); // warm-up
    const wall: number[] = [];
    const detect: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      const result = await engine.analyze(frames[i % frames.length], { details: 'all', smallFaces });
      wall.push(performance.now() - start);
      detect.push(result.timings.detect);
    }
    rows.push(
      `| ${smallFaces ? 'true (default): whole image + 2x2 tiles' : 'false: whole image only'} | ${ms(percentile(detect, 50))} | ${ms(percentile(wall, 50))} | ${ms(percentile(wall, 95))} |`,
    );
  }
  await engine.close();
  return [
    `**Live-preview detection** (${rounds} analyses per row of ${frames.length} 640x480 webcam frames, \`details: 'all'\` as /detect)`,
    '',
    '| smallFaces | detect p50 ms | whole call p50 ms | whole call p95 ms |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The resizes one request makes, on one photo: the detector's letterbox, the landmarks' crop, the liveness context. */
function requestResizes(image: RgbImage, face: Box): Array<{ kind: string; width: number; height: number; region?: Box }> {
  const lb = computeLetterbox(image.width, image.height, 320, 240);
  const square = squareBox(face, image.width, image.height);
  return [
    { kind: 'detector input (letterbox 320x240)', width: lb.width, height: lb.height },
    { kind: 'landmarks crop (64x64)', width: 64, height: 64, region: square },
    { kind: 'liveness context (128x128)', width: 128, height: 128, region: scaledCrop(square, 2.7, image.width, image.height) },
  ];
}

/**
 * Each of a request's resizes timed both ways on every identity photo: libvips through sharp, and the plain-JS
 * linear filter; resizeRgb takes the JS one when its cost is within JS_RESIZE_MAX_COST (the "JS" share).
 */
async function resizeCosts(): Promise<string> {
  const engine = await FaceEngine.create({ poolSize: 1, intraOpThreads: 1 }, { logger: { log: () => undefined, warn: console.warn, error: console.error } });
  const files = loadFaceDataset(FACES_DIR)
    .identities.map((i) => i.file)
    .slice(0, QUICK ? 20 : undefined);
  const byKind = new Map<string, { sharp: number[]; chosen: number[]; routedSharp: number[]; routedJs: number[] }>();
  for (const file of files) {
    const bytes = readFileSync(facePath(file));
    const result = await engine.analyze(bytes, {});
    const face = result.faces[result.primaryIndex];
    if (!face) continue;
    const image = await decodeImage(bytes, 40_000_000);
    for (const r of requestResizes(image, face.box)) {
      const row = byKind.get(r.kind) ?? { sharp: [], chosen: [], routedSharp: [], routedJs: [] };
      byKind.set(r.kind, row);
      const useJs = fitsLinearResize(r.region ?? image, r.width, r.height);
      for (let i = 0; i < 3; i++) {
        let start = performance.now();
        await resizeWithSharp(image, r.width, r.height, r.region);
        const viaSharp = performance.now() - start;
        let viaJs = viaSharp;
        if (useJs) {
          start = performance.now();
          linearResize(image, r.width, r.height, r.region);
          viaJs = performance.now() - start;
        }
        if (i === 0) continue; // warm-up
        row.sharp.push(viaSharp);
        row.chosen.push(viaJs);
        if (useJs) {
          row.routedSharp.push(viaSharp);
          row.routedJs.push(viaJs);
        }
      }
    }
  }
  await engine.close();
  const photos = Math.max(...[...byKind.values()].map((r) => r.sharp.length / 2));
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  return [
    `**A request's resizes: libvips (sharp) or plain JS** (${photos} identity photos, each resize twice after a warm-up; resizeRgb takes JS for whole-pixel jobs that shrink both axes under 4x or enlarge both, within ${JS_RESIZE_MAX_COST.toLocaleString('en-US')} multiply-adds: fitsLinearResize)`,
    '',
    '| resize | photos routed to JS | those: sharp / JS p50 ms | every photo: sharp only / as routed, mean ms |',
    '| --- | --- | --- | --- |',
    ...[...byKind.entries()].map(
      ([kind, r]) =>
        `| ${kind} | ${r.routedJs.length / 2} of ${r.sharp.length / 2} | ${r.routedJs.length === 0 ? '-' : `${ms(percentile(r.routedSharp, 50))} / ${ms(percentile(r.routedJs, 50))}`} | ${ms(mean(r.sharp))} / ${ms(mean(r.chosen))} |`,
    ),
  ].join('\n');
}

function writePreview(preview: string): void {
  writeSection(
    'engine-preview',
    `## Face engine: the web page's live preview\n\nMachine: ${machineLine()}. Command: \`npx tsx scripts/bench/engine.bench.ts --preview-only\` (also part of \`npm run bench:engine\`).\n\n${preview}`,
  );
}

async function main() {
  if (PREVIEW_ONLY) {
    const preview = await previewCost();
    if (!QUICK) writePreview(preview);
    console.log(preview);
    return;
  }
  const plain = await run(false);
  if (QUICK) {
    console.log(table('Default pipeline (no flip), quick run', plain));
    console.log(await resizeCosts());
    console.log(await previewCost());
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
    '',
    await resizeCosts(),
  ].join('\n');
  writeSection('engine', markdown);
  console.log(markdown);
  writePreview(await previewCost());
}

void main();
