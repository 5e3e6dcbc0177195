/**
 * Measures the two motion-evidence signals of the active liveness challenge on real motion and on edited stills:
 *  - the residual of the rigid 3-D head-pose fit (fitHeadPose), and its yaw/pitch against the five-point estimate;
 *  - the texture change between an anchor frame and a later frame (faceTexture / textureChange).
 *
 * Real motion: the 1-fps webcam frames of ../shared/faces/live and spoof (kind video_frame), the identity photos
 * (different captures), and optionally more frames of the same kind from a folder given with --frames <dir>
 * (sub-folders of numbered frames of one video each, extracted with ffmpeg into /tmp; never into the repo).
 * Edited stills: generated in memory with sharp from one frontal photo of each of several people.
 *
 * Run: nice npx tsx scripts/liveness/motion-evidence.measure.ts [--faces ../shared/faces] [--frames /tmp/frames]
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { FaceEngine } from '../../libs/face-engine/src';
import type { AnalyzedFace, Point } from '../../libs/face-engine/src';
import { fitHeadPose, interOcular } from '../../libs/face-engine/src/geometry/head-pose-3d';
import { faceTexture, textureChange, TEXTURE_REGIONS } from '../../libs/face-engine/src/pipeline/face-texture';
import { buildEdits, EditKind, Variant, VARIANTS } from './still-edits';

interface Measured {
  label: string;
  face: AnalyzedFace & { landmarks68: Point[]; texture: Float32Array };
  residual: number;
  residualJaw: number;
  yaw3d: number;
  pitch3d: number;
  yaw5: number;
  pitch5: number;
}

const args = process.argv.slice(2);
const argOf = (name: string, fallback?: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const FACES = resolve(argOf('--faces', join(__dirname, '../../../shared/faces')) as string);
const FRAMES = argOf('--frames');

async function main(): Promise<void> {
  const engine = await FaceEngine.create({ poolSize: 2, intraOpThreads: 1 }, { logger: { log: () => {}, warn: console.warn, error: console.error } });
  try {
    const measure = async (bytes: Buffer, label: string): Promise<Measured | null> => {
      const result = await engine.analyze(bytes, { landmarks68: true, texture: true });
      const face = result.primaryIndex >= 0 ? result.faces[result.primaryIndex] : undefined;
      if (!face?.landmarks68 || !face.texture || !face.quality) return null;
      const pose = fitHeadPose(face.landmarks68);
      const jaw = fitHeadPose(face.landmarks68, { jawWeight: 1 });
      return {
        label,
        face: face as Measured['face'],
        residual: pose.residual,
        residualJaw: jaw.residual,
        yaw3d: pose.yaw,
        pitch3d: pose.pitch,
        yaw5: face.quality.yaw,
        pitch5: face.quality.pitch,
      };
    };
    const videos = await measureVideos(measure);
    const photos = await measureIdentityPhotos(measure);
    reportPose(videos, photos);
    const realPairs = texturePairs(videos);
    const edits = await measureEdits(measure, photos);
    reportEdits(edits);
    reportTexture(realPairs, edits, photos);
    await timing(videos.flat()[0]);
  } finally {
    await engine.close();
  }
}

type Measure = (bytes: Buffer, label: string) => Promise<Measured | null>;

/** Frame sequences: live 026-037 and spoof 027-041 of the shared faces, plus any --frames folders. */
async function measureVideos(measure: Measure): Promise<Measured[][]> {
  const manifest = JSON.parse(readFileSync(join(FACES, 'manifest.json'), 'utf8')) as { files: { file: string; kind?: string }[] };
  const byFolder = new Map<string, string[]>();
  for (const f of manifest.files.filter((x) => x.kind === 'video_frame')) {
    const folder = f.file.split('/')[0];
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), join(FACES, f.file)]);
  }
  if (FRAMES && existsSync(FRAMES)) {
    for (const dir of readdirSync(FRAMES).filter((d) => statSync(join(FRAMES, d)).isDirectory())) {
      byFolder.set(
        `frames:${dir}`,
        readdirSync(join(FRAMES, dir))
          .sort()
          .map((f) => join(FRAMES, dir, f)),
      );
    }
  }
  const sequences: Measured[][] = [];
  for (const [folder, files] of byFolder) {
    const seq: Measured[] = [];
    for (const file of files.sort()) {
      const m = await measure(readFileSync(file), `${folder}/${file.split('/').pop()}`);
      if (m) seq.push(m);
    }
    console.log(`video ${folder}: ${seq.length} of ${files.length} frames with a face`);
    sequences.push(seq);
  }
  return sequences;
}

async function measureIdentityPhotos(measure: Measure): Promise<Map<string, Measured[]>> {
  const people = new Map<string, Measured[]>();
  const skip = new Set(['live', 'spoof', 'noface', 'groups']);
  for (const dir of readdirSync(FACES).filter((d) => !skip.has(d) && statSync(join(FACES, d)).isDirectory())) {
    const list: Measured[] = [];
    for (const f of readdirSync(join(FACES, dir)).sort()) {
      const m = await measure(readFileSync(join(FACES, dir, f)), `${dir}/${f}`);
      if (m) list.push(m);
    }
    people.set(dir, list);
  }
  return people;
}

// ---------- reporting helpers ----------
function stats(values: number[]): string {
  if (values.length === 0) return 'n=0';
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
  return `n=${s.length} min ${f3(s[0])} p10 ${f3(q(0.1))} med ${f3(q(0.5))} p90 ${f3(q(0.9))} max ${f3(s[s.length - 1])}`;
}
const f3 = (v: number) => v.toFixed(3);
const f1 = (v: number) => v.toFixed(1);

function reportPose(videos: Measured[][], photos: Map<string, Measured[]>): void {
  const all = [...videos.flat(), ...[...photos.values()].flat()];
  console.log('\n== Residual of real faces by |yaw3d| bucket (inner 51 points | with jaw) ==');
  for (const [lo, hi] of [
    [0, 10],
    [10, 20],
    [20, 30],
    [30, 45],
    [45, 90],
  ]) {
    const bucket = all.filter((m) => Math.abs(m.yaw3d) >= lo && Math.abs(m.yaw3d) < hi);
    console.log(`|yaw| ${lo}-${hi}: ${stats(bucket.map((m) => m.residual))}  | jaw: ${stats(bucket.map((m) => m.residualJaw))}`);
  }
  console.log(`all real: ${stats(all.map((m) => m.residual))}`);
  console.log(
    'worst real:',
    [...all]
      .sort((a, b) => b.residual - a.residual)
      .slice(0, 6)
      .map((m) => `${m.label} ${f3(m.residual)} yaw ${f1(m.yaw3d)}`)
      .join('; '),
  );
  console.log('\n== Video frames: yaw/pitch 3-D vs five-point ==');
  for (const seq of videos) {
    console.log(
      seq.map((m) => `${m.label.split('/').pop()} y3 ${f1(m.yaw3d)} y5 ${f1(m.yaw5)} p3 ${f1(m.pitch3d)} p5 ${f1(m.pitch5)} r ${f3(m.residual)}`).join('\n'),
    );
  }
  const xs = all.map((m) => m.yaw5),
    ys = all.map((m) => m.yaw3d);
  console.log(`yaw: corr(3-D, five-point) ${f3(correlation(xs, ys))}, slope ${f3(slope(xs, ys))} (3-D per five-point degree), over ${all.length} real faces`);
  console.log(
    `pitch: corr ${f3(
      correlation(
        all.map((m) => m.pitch5),
        all.map((m) => m.pitch3d),
      ),
    )}`,
  );
}

function correlation(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length,
    mb = b.reduce((s, v) => s + v, 0) / b.length;
  let sab = 0,
    saa = 0,
    sbb = 0;
  a.forEach((v, i) => {
    sab += (v - ma) * (b[i] - mb);
    saa += (v - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  });
  return sab / Math.sqrt(saa * sbb);
}
function slope(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length,
    mb = b.reduce((s, v) => s + v, 0) / b.length;
  let sab = 0,
    saa = 0;
  a.forEach((v, i) => {
    sab += (v - ma) * (b[i] - mb);
    saa += (v - ma) ** 2;
  });
  return sab / saa;
}

// ---------- texture of real pairs ----------
interface Pair {
  kind: string;
  anchor: Measured;
  frame: Measured;
}

/** Consecutive frames, and the most frontal frame of each video against every frame turned 15+ degrees from it. */
function texturePairs(videos: Measured[][]): Pair[] {
  const pairs: Pair[] = [];
  for (const seq of videos) {
    for (let i = 1; i < seq.length; i++) pairs.push({ kind: 'consecutive', anchor: seq[i - 1], frame: seq[i] });
    const anchor = [...seq].sort((a, b) => Math.abs(a.yaw3d) - Math.abs(b.yaw3d))[0];
    for (const m of seq) {
      const d = m.yaw3d - anchor.yaw3d;
      if (Math.abs(d) >= 15) pairs.push({ kind: 'anchor-vs-turned', anchor, frame: m });
      else if (m !== anchor && Math.abs(d) < 8 && Math.abs(m.pitch3d - anchor.pitch3d) < 8) pairs.push({ kind: 'anchor-vs-still', anchor, frame: m });
    }
  }
  return pairs;
}

// ---------- edits ----------
interface EditResult {
  person: string;
  kind: EditKind;
  variant: Variant;
  anchor: Measured;
  edited: Measured;
}

async function measureEdits(measure: Measure, photos: Map<string, Measured[]>): Promise<EditResult[]> {
  // One frontal, reasonably large photo per person: the attacker's best starting point.
  const sources = [...photos.entries()]
    .map(([person, list]) => ({
      person,
      m: list
        .filter((x) => Math.abs(x.yaw3d) < 12 && Math.abs(x.pitch3d) < 20)
        .sort((a, b) => (b.face.quality?.sizePx ?? 0) - (a.face.quality?.sizePx ?? 0))[0],
    }))
    .filter((s) => s.m && (s.m.face.quality?.sizePx ?? 0) >= 90);
  console.log(`\nedit sources: ${sources.length} people (${sources.map((s) => s.m.label).join(', ')})`);
  const out: EditResult[] = [];
  for (const { person, m } of sources) {
    const bytes = readFileSync(join(FACES, m.label));
    for (const variant of VARIANTS) {
      const edits = await buildEdits(bytes, m.face.landmarks68, variant, hashSeed(person));
      const anchor = (await measure(edits.anchor, `${person}/anchor/${variant}`)) ?? m;
      for (const [kind, image] of edits.edited) {
        const edited = await measure(image, `${person}/${kind}/${variant}`);
        if (edited) out.push({ person, kind, variant, anchor, edited });
        else console.log(`  no face after ${kind}/${variant} on ${person}`);
      }
    }
  }
  return out;
}

function hashSeed(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

function reportEdits(edits: EditResult[]): void {
  console.log('\n== Residual of edited stills (inner points | with jaw) and the pose change they fake ==');
  for (const kind of new Set(edits.map((e) => e.kind))) {
    for (const variant of VARIANTS) {
      const e = edits.filter((x) => x.kind === kind && x.variant === variant);
      if (e.length === 0) continue;
      console.log(`${kind.padEnd(16)} ${variant.padEnd(12)} residual ${stats(e.map((x) => x.edited.residual))}`);
      console.log(`${''.padEnd(29)} jaw      ${stats(e.map((x) => x.edited.residualJaw))}`);
      console.log(`${''.padEnd(29)} dYaw5 ${stats(e.map((x) => x.edited.yaw5 - x.anchor.yaw5))} dYaw3 ${stats(e.map((x) => x.edited.yaw3d - x.anchor.yaw3d))}`);
      console.log(
        `${''.padEnd(29)} dPitch5 ${stats(e.map((x) => x.edited.pitch5 - x.anchor.pitch5))} dPitch3 ${stats(e.map((x) => x.edited.pitch3d - x.anchor.pitch3d))}`,
      );
    }
  }
}

function reportTexture(pairs: Pair[], edits: EditResult[], photos: Map<string, Measured[]>): void {
  console.log('\n== textureChange: real pairs ==');
  const show = (label: string, list: { anchor: Measured; frame: Measured }[]) => {
    const ch = list.map((p) => textureChange(p.anchor.face.texture, p.frame.face.texture));
    console.log(`${label.padEnd(34)} summary ${stats(ch.map((c) => c.summary))}`);
    console.log(`${''.padEnd(34)} mean    ${stats(ch.map((c) => (c.left + c.right + c.centre) / 3))}`);
    console.log(`${''.padEnd(34)} asym    ${stats(ch.map((c) => c.asymmetry))}`);
    return ch;
  };
  for (const kind of ['consecutive', 'anchor-vs-turned', 'anchor-vs-still'])
    show(
      `video ${kind}`,
      pairs.filter((p) => p.kind === kind),
    );
  const turned = pairs.filter((p) => p.kind === 'anchor-vs-turned');
  console.log(
    '  per turned pair: ' +
      turned
        .map(
          (p) =>
            `${p.frame.label.split('/').slice(-2).join('/')} dYaw ${f1(p.frame.yaw3d - p.anchor.yaw3d)} s ${f3(textureChange(p.anchor.face.texture, p.frame.face.texture).summary)}`,
        )
        .join('; '),
  );
  const photoPairs: { anchor: Measured; frame: Measured }[] = [];
  for (const list of photos.values()) {
    const frontal = [...list].sort((a, b) => Math.abs(a.yaw3d) - Math.abs(b.yaw3d))[0];
    for (const m of list) if (m !== frontal && Math.abs(m.yaw3d - frontal.yaw3d) >= 15) photoPairs.push({ anchor: frontal, frame: m });
  }
  show('identity photos frontal-vs-turned', photoPairs);
  console.log('\n== textureChange: edits (anchor = the same photo, same variant, own noise draw) ==');
  for (const kind of new Set(edits.map((e) => e.kind))) {
    for (const variant of VARIANTS) {
      const e = edits.filter((x) => x.kind === kind && x.variant === variant);
      if (e.length)
        show(
          `${kind} ${variant}`,
          e.map((x) => ({ anchor: x.anchor, frame: x.edited })),
        );
    }
  }
  regionTable(turned, edits);
  thresholds(pairs, photoPairs, edits);
}

/** Which regions change in real turns vs edits: mean change per region (far side first). */
function regionTable(turned: Pair[], edits: EditResult[]): void {
  const meanRegions = (list: { anchor: Measured; frame: Measured }[], flip: (p: { anchor: Measured; frame: Measured }) => boolean) => {
    const sums = new Float64Array(TEXTURE_REGIONS.length);
    for (const p of list) {
      const r = textureChange(p.anchor.face.texture, p.frame.face.texture).regions;
      TEXTURE_REGIONS.forEach((reg, k) => {
        // Report "far" (the side that turned away) as left: a positive yaw turns the image-left half away.
        const twin = flip(p)
          ? TEXTURE_REGIONS.findIndex((o) => o.name === reg.name && o.side !== reg.side && o.side !== 'centre' && reg.side !== 'centre')
          : -1;
        sums[k] += r[twin >= 0 ? twin : k] / list.length;
      });
    }
    return sums;
  };
  const real = meanRegions(turned, (p) => p.frame.yaw3d - p.anchor.yaw3d < 0);
  const warpKinds = edits.filter((e) => e.variant === 'clean');
  const fake = meanRegions(
    warpKinds.map((x) => ({ anchor: x.anchor, frame: x.edited })),
    (p) => p.frame.yaw5 - p.anchor.yaw5 < 0,
  );
  const noisy = meanRegions(
    edits.filter((e) => e.variant === 'noise').map((x) => ({ anchor: x.anchor, frame: x.edited })),
    (p) => p.frame.yaw5 - p.anchor.yaw5 < 0,
  );
  console.log('\n== Mean change per region (far side = "left" after flipping): real turns | clean edits | noisy edits ==');
  TEXTURE_REGIONS.forEach((r, k) =>
    console.log(
      `${(r.side === 'left' ? 'far ' : r.side === 'right' ? 'near ' : '') + r.name}`.padEnd(20) + ` ${f3(real[k])} | ${f3(fake[k])} | ${f3(noisy[k])}`,
    ),
  );
}

function thresholds(pairs: Pair[], photoPairs: { anchor: Measured; frame: Measured }[], edits: EditResult[]): void {
  const turned = pairs.filter((p) => p.kind === 'anchor-vs-turned');
  const consecutive = pairs.filter((p) => p.kind === 'consecutive').map((p) => textureChange(p.anchor.face.texture, p.frame.face.texture).summary);
  const realS = turned.map((p) => textureChange(p.anchor.face.texture, p.frame.face.texture).summary);
  const photoS = photoPairs.map((p) => textureChange(p.anchor.face.texture, p.frame.face.texture).summary);
  const realR = [...pairs.map((p) => p.frame.residual), ...photoPairs.map((p) => p.frame.residual)];
  console.log('\n== Thresholds ==');
  for (const t of [0.04, 0.05, 0.06, 0.07, 0.08, 0.1]) {
    const refused = realR.filter((r) => r > t).length;
    const caught = edits.filter((e) => e.edited.residual > t);
    const byKind = [...new Set(edits.map((e) => e.kind))]
      .map((k) => `${k} ${caught.filter((e) => e.kind === k).length}/${edits.filter((e) => e.kind === k).length}`)
      .join(', ');
    console.log(`residual > ${t}: refuses ${refused}/${realR.length} real frames; catches ${caught.length}/${edits.length} edits (${byKind})`);
  }
  for (const t of [0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25]) {
    const accepted = edits.filter((e) => textureChange(e.anchor.face.texture, e.edited.face.texture).summary >= t);
    const byKind = [...new Set(edits.map((e) => e.kind))]
      .map((k) => `${k} ${accepted.filter((e) => e.kind === k).length}/${edits.filter((e) => e.kind === k).length}`)
      .join(', ');
    console.log(
      `texture summary >= ${t}: accepts ${realS.filter((s) => s >= t).length}/${realS.length} real turned pairs, ${consecutive.filter((s) => s >= t).length}/${consecutive.length} consecutive, ${photoS.filter((s) => s >= t).length}/${photoS.length} photo pairs; accepts ${accepted.length}/${edits.length} edits (${byKind})`,
    );
  }
}

/** Times the two pure functions on a 640x480 webcam frame (the texture cost grows with the face's size in pixels). */
async function timing(m: Measured): Promise<void> {
  const file = m.label.startsWith('frames:') ? join(FRAMES as string, m.label.slice('frames:'.length)) : join(FACES, m.label);
  const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const image = { data: new Uint8Array(data), width: info.width, height: info.height };
  const n = 200;
  let start = performance.now();
  for (let i = 0; i < n; i++) faceTexture(image, m.face.landmarks68);
  const tex = (performance.now() - start) / n;
  start = performance.now();
  for (let i = 0; i < n; i++) fitHeadPose(m.face.landmarks68);
  const pose = (performance.now() - start) / n;
  console.log(
    `\ntiming: faceTexture ${tex.toFixed(3)} ms (${info.width}x${info.height}, face ${m.face.quality?.sizePx}px), fitHeadPose ${pose.toFixed(3)} ms; IOD ${f1(interOcular(m.face.landmarks68))}px`,
  );
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
