/**
 * How the challenge judge's motion evidence (new capture and rigid fit, libs/core liveness/motion-evidence.ts) treats
 * real head movements and the still-photo attack of the test suite, step kind by step kind:
 *
 * - Real: frame sequences of people turning and tilting the head, given with --frames <dir> (one sub-folder of numbered
 *   frames per clip, e.g. extracted with ffmpeg at 10 fps into /tmp; never into the repository), plus the webcam frames
 *   of ../shared/faces/live. Each frame is judged against the latest frame before it (within 6 s) that faces the
 *   camera at the clip's rest pose, as a session judges against its anchor. A "step" is a run of frames that show one
 *   movement; it passes as the judge's step does:
 *   evidenceFramesNeeded(step) frames with evidence (1 for a turn, 2 for a look-up) arrive before maxSuspectFrames(step)
 *   frames without it (3 for a turn, 1 for a look-up). --every 2 keeps every second frame of a clip: a 10-fps clip seen
 *   as the web page's 5-fps capture.
 * - Edited: the frames test/still-photo-attacks.ts makes from one frontal photo of each of 11 people, for every turn
 *   method, look-up method and jitter level, judged against the attack's own anchor frame.
 * - Edited and shaded: the same frames with a brightness pattern laid over them, as an attacker who knows the
 *   new-capture statistic (region levels, contrasts and gradient orientations) would add: SHADINGS gives three, a broad
 *   one (±25%, about 60 px a period), a fine one (±25%, about 20 px) and a strong one (±45%, about 40 px).
 *
 * Run: nice npx tsx scripts/liveness/challenge-evidence.measure.ts [--frames /tmp/frames] [--every 2] [--look-up-frames 1] [--real-only] [--faces ../shared/faces]
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import sharp from 'sharp';
import { join, resolve } from 'node:path';
import {
  classifyFrame,
  DEFAULT_LOOK_UP_EVIDENCE_FRAMES,
  evidenceFramesNeeded,
  FrameMeasures,
  isFrontal,
  MAX_JUDGED_YAW,
  maxSuspectFrames,
  motionEvidence,
} from '../../libs/core/src';
import { FaceEngine, median } from '../../libs/face-engine/src';
import { JITTER_LEVELS, LOOK_UP_METHODS, prepareStill, StillPhotoAttack, TURN_METHODS, DEFAULT_PLAN, AttackStep } from '../../test/still-photo-attacks';

const args = process.argv.slice(2);
const argOf = (name: string, fallback?: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const FACES = resolve(argOf('--faces', join(__dirname, '../../../shared/faces')) as string);
const FRAMES = argOf('--frames');
const EVERY = Math.max(1, Number(argOf('--every', '1')));
/** --real-only: the clips only (the edits' figures do not depend on --every). */
const REAL_ONLY = args.includes('--real-only');
/** FACEGATE_LIVENESS_LOOK_UP_FRAMES to judge with (--look-up-frames). */
const LOOK_UP_FRAMES = Math.max(1, Number(argOf('--look-up-frames', String(DEFAULT_LOOK_UP_EVIDENCE_FRAMES))));
/** The judge's defaults (FACEGATE_LIVENESS_TURN_DEGREES, _LOOK_UP_DEGREES). */
const SETTINGS = { turnDegrees: 18, lookUpDegrees: 12 };
/** How far back a clip's frame looks for its anchor: about a challenge's length at 10 frames a second. */
const ANCHOR_WINDOW = 60;
/** How far from the clip's rest pitch an anchor may be. */
const REST_DEGREES = 4;
const STILLS = [
  'George_W_Bush/007.jpg',
  'Colin_Powell/008.jpg',
  'Donald_Rumsfeld/003.jpg',
  'Tony_Blair/002.jpg',
  'Gerhard_Schroeder/009.jpg',
  'Jacques_Chirac/009.jpg',
  'deepface_img1/007.jpg',
  'deepface_img3/003.jpg',
  'deepface_img8/007.jpg',
  'deepface_img29/002.jpg',
  'deepface_img34/002.jpg',
];
const MOVES = ['turn_left', 'turn_right', 'look_up'] as const;

interface Frame {
  measures: FrameMeasures;
  texture: Float32Array;
  residual: number;
}

/** Per movement: frames that show it, those with evidence, steps and steps passed. */
type Tally = Record<(typeof MOVES)[number], { frames: number; moved: number; steps: number; passed: number }>;
const tally = (): Tally => ({
  turn_left: { frames: 0, moved: 0, steps: 0, passed: 0 },
  turn_right: { frames: 0, moved: 0, steps: 0, passed: 0 },
  look_up: { frames: 0, moved: 0, steps: 0, passed: 0 },
});

async function main(): Promise<void> {
  const engine = await FaceEngine.create({ poolSize: 2, intraOpThreads: 1 }, { logger: { log: () => {}, warn: console.warn, error: console.error } });
  const measure = async (bytes: Buffer): Promise<Frame | null> => {
    const r = await engine.analyze(bytes, { details: 'primary', pose3d: true, texture: true });
    const f = r.faces[r.primaryIndex];
    if (!f?.pose3d || !f.texture || !f.expression) return null;
    return {
      measures: { yaw: f.pose3d.yaw, pitch: f.pose3d.pitch, eyeOpening: f.expression.eyeOpening, mouthWidth: f.expression.mouthWidth },
      texture: f.texture,
      residual: f.pose3d.residual,
    };
  };
  try {
    const real = tally();
    for (const [clip, files] of clips()) {
      const frames: Array<Frame | null> = [];
      for (const file of files) frames.push(await measure(readFileSync(file)));
      const own = tally();
      judgeClip(frames, own);
      add(real, own);
      console.log(`real ${clip.padEnd(22)} ${files.length} frames: ${describe(own)}`);
    }
    console.log(`\nreal, all clips: ${describe(real)}`);
    if (REAL_ONLY) return;
    const edited = tally();
    const shaded = Object.fromEntries(SHADINGS.map((s) => [s.name, tally()]));
    for (const [i, path] of STILLS.entries()) {
      const still = await prepareStill(readFileSync(join(FACES, path)));
      const base = await engine.analyze(still, { details: 'primary' });
      const landmarks = base.faces[base.primaryIndex]?.landmarks;
      if (!landmarks) continue;
      for (const turn of TURN_METHODS)
        for (const lookUp of LOOK_UP_METHODS)
          for (const jitter of JITTER_LEVELS) {
            const attacker = await StillPhotoAttack.from(still, landmarks, 1000 + i);
            const plan = { ...DEFAULT_PLAN, turn, lookUp, jitter };
            const anchor = await measure((await attacker.anchorFrames(plan))[0]);
            if (!anchor) continue;
            for (const step of MOVES) {
              const frames: Array<Frame | null> = [];
              const shadedFrames = SHADINGS.map((): Array<Frame | null> => []);
              for (const bytes of await attacker.stepFrames(step as AttackStep, plan)) {
                frames.push(await measure(bytes));
                for (const [k, shading] of SHADINGS.entries()) shadedFrames[k].push(await measure(await shade(bytes, shading)));
              }
              judgeStep(anchor, frames, step, edited);
              for (const [k, shading] of SHADINGS.entries()) judgeStep(anchor, shadedFrames[k], step, shaded[shading.name]);
            }
          }
    }
    console.log(`edited stills (${STILLS.length} people, every method and jitter): ${describe(edited)}`);
    for (const shading of SHADINGS) console.log(`edited and shaded (${shading.name}): ${describe(shaded[shading.name])}`);
  } finally {
    await engine.close();
  }
}

/** Brightness patterns over the whole picture, f = 1 + amplitude * sin(x / sx) * cos(y / sy). */
const SHADINGS = [
  { name: 'broad', amplitude: 0.25, sx: 9, sy: 11 },
  { name: 'fine', amplitude: 0.25, sx: 3, sy: 3.7 },
  { name: 'strong', amplitude: 0.45, sx: 6, sy: 7 },
] as const;

/** A brightness pattern over the whole picture: what moves region statistics without moving a single feature. */
async function shade(bytes: Buffer, pattern: (typeof SHADINGS)[number]): Promise<Buffer> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const out = Buffer.alloc(data.length);
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const f = 1 + pattern.amplitude * Math.sin(x / pattern.sx) * Math.cos(y / pattern.sy);
      for (let c = 0; c < 3; c++) {
        const i = (y * info.width + x) * 3 + c;
        out[i] = Math.max(0, Math.min(255, Math.round(data[i] * f)));
      }
    }
  }
  return sharp(out, { raw: { width: info.width, height: info.height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** ../shared/faces/live as one clip, and every sub-folder of --frames. */
function clips(): Array<[string, string[]]> {
  const live = Array.from({ length: 12 }, (_, i) => join(FACES, 'live', `${String(26 + i).padStart(3, '0')}.jpg`));
  const out: Array<[string, string[]]> = [['shared/faces live', live]];
  if (FRAMES && existsSync(FRAMES)) {
    for (const dir of readdirSync(FRAMES).filter((d) => statSync(join(FRAMES, d)).isDirectory())) {
      out.push([
        dir,
        readdirSync(join(FRAMES, dir))
          .sort()
          .filter((_, k) => k % EVERY === 0)
          .map((f) => join(FRAMES, dir, f)),
      ]);
    }
  }
  return out;
}

/** Each run of frames showing one movement against the anchor before it (anchorBefore) is a step. */
function judgeClip(frames: Array<Frame | null>, into: Tally): void {
  const rest = restPitch(frames);
  let i = 0;
  while (i < frames.length) {
    const anchor = anchorBefore(frames, i, rest);
    const move = anchor && frames[i] ? movement(anchor, frames[i]!) : null;
    if (!anchor || !move) {
      i++;
      continue;
    }
    const run: Array<Frame | null> = [];
    while (i < frames.length && frames[i] && movement(anchor, frames[i]!) === move) run.push(frames[i++]);
    judgeStep(anchor, run, move, into);
  }
}

/**
 * The latest frame before i, within the window, that faces the camera at the clip's rest pose (within REST_DEGREES of
 * pitch). A session's anchor is its first frontal frame, taken before any step is shown, so it is the person's rest
 * pose; the first version took any frontal frame, and in a clip that can be one already half-way into a tilt (the
 * 3-D fit allows 15 degrees of pitch), which judged the rest of the tilt against a tilted face.
 */
function anchorBefore(frames: Array<Frame | null>, i: number, rest: number): Frame | null {
  for (let k = i - 1; k >= Math.max(0, i - ANCHOR_WINDOW); k--) {
    const f = frames[k];
    if (f && isFrontal(f.measures) && Math.abs(f.measures.pitch - rest) <= REST_DEGREES) return f;
  }
  return null;
}

/** The clip's rest pitch: the median pitch of its frontal frames (a camera above or below the eyes shifts it). */
function restPitch(frames: Array<Frame | null>): number {
  return median(frames.flatMap((f) => (f && isFrontal(f.measures) ? [f.measures.pitch] : []))) ?? 0;
}

function movement(anchor: Frame, frame: Frame): (typeof MOVES)[number] | null {
  const gesture = classifyFrame(anchor.measures, frame.measures, SETTINGS);
  return (MOVES as readonly string[]).includes(gesture) ? (gesture as (typeof MOVES)[number]) : null;
}

/**
 * The judge's step rule on these frames: evidenceFramesNeeded(step) frames with evidence before maxSuspectFrames(step)
 * frames without it (turns past MAX_JUDGED_YAW unjudged). A run that ends short of either does not pass.
 */
function judgeStep(anchor: Frame, frames: Array<Frame | null>, step: (typeof MOVES)[number], into: Tally): void {
  let suspects = 0;
  let evidence = 0;
  let shown = false;
  let outcome: 'passed' | 'failed' | null = null;
  for (const frame of frames) {
    if (!frame || movement(anchor, frame) !== step || Math.abs(frame.measures.yaw - anchor.measures.yaw) > MAX_JUDGED_YAW) continue;
    into[step].frames++;
    shown = true;
    const moved = motionEvidence(anchor.texture, frame) === 'moved';
    if (moved) into[step].moved++;
    if (outcome) continue;
    if (moved && ++evidence >= evidenceFramesNeeded(step, LOOK_UP_FRAMES)) outcome = 'passed';
    else if (!moved && ++suspects >= maxSuspectFrames(step)) outcome = 'failed';
  }
  if (!shown) return; // no judged frame showed the step
  into[step].steps++;
  if (outcome === 'passed') into[step].passed++;
}

function add(to: Tally, from: Tally): void {
  for (const m of MOVES) for (const k of ['frames', 'moved', 'steps', 'passed'] as const) to[m][k] += from[m][k];
}

function describe(t: Tally): string {
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(0)}%` : '-');
  return MOVES.map((m) => `${m} frames ${t[m].moved}/${t[m].frames} (${pct(t[m].moved, t[m].frames)}), steps ${t[m].passed}/${t[m].steps}`).join('; ');
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
