import sharp from 'sharp';
import { seededRandom } from '@facegate/face-engine';

/**
 * The still-photo attack of issue 14, as a test tool: from ONE photo of a person and the engine's five landmarks on it,
 * make the frames a cheating client would send to answer an active liveness challenge, by editing that photo.
 *
 *   - turns: the nose and mouth pushed sideways, one half of the face compressed, or a 3-D-looking rotation of a crude
 *     head model (per-row resampling);
 *   - look_up: the nose (and a little of the mouth) moved up, or the face between the eyes and the mouth squashed;
 *   - smile: the mouth stretched sideways, its corners lifted;
 *   - blink: the eyes painted shut with skin texture and a dark lid line (after an anchor with widened eyes);
 *   - every frame distinct: per-frame noise, brightness and colour jitter and JPEG quality; `strong` jitter adds a
 *     small shift, scale and roll of the whole picture, as an attacker would add to hide the still source.
 *
 * Only sharp (decode, encode) and plain pixel arithmetic; no model. Deterministic for a given seed.
 */

/**
 * Math's functions as module constants: jest runs tests in a vm context where every lookup of a global such as `Math`
 * goes through a slow interceptor, which made the per-pixel loops ten times slower there than in plain Node.
 */
const { PI, abs, ceil, cos, exp, floor, hypot, log, max, min, round, sin, sqrt } = Math;

export interface Point {
  x: number;
  y: number;
}

/** The engine's five points in image pixels (FivePoints of @facegate/face-engine). */
export interface FivePointLandmarks {
  leftEye: Point;
  rightEye: Point;
  nose: Point;
  mouthLeft: Point;
  mouthRight: Point;
}

export type AttackStep = 'turn_left' | 'turn_right' | 'look_up' | 'blink' | 'smile';
export type TurnMethod = 'shift' | 'half_compress' | 'perspective';
export type LookUpMethod = 'shift' | 'squash';
export type JitterLevel = 'light' | 'strong';

export const TURN_METHODS: readonly TurnMethod[] = ['shift', 'half_compress', 'perspective'];
export const LOOK_UP_METHODS: readonly LookUpMethod[] = ['shift', 'squash'];
export const JITTER_LEVELS: readonly JitterLevel[] = ['light', 'strong'];

export interface AttackPlan {
  turn: TurnMethod;
  lookUp: LookUpMethod;
  jitter: JitterLevel;
  /** Anchor (and every frame after it) with widened eyes, so painted-shut eyes read as a bigger drop. */
  wideEyes: boolean;
  /** Neutral re-encodes sent after the anchor, and before each later step (a real client keeps capturing). */
  neutralsAfterAnchor: number;
  neutralsBetweenSteps: number;
  /** Scales every edit (1 = the calibrated strength). */
  strength: number;
}

export const DEFAULT_PLAN: AttackPlan = {
  turn: 'shift',
  lookUp: 'shift',
  jitter: 'light',
  wideEyes: false,
  neutralsAfterAnchor: 0,
  neutralsBetweenSteps: 1,
  strength: 1,
};

/** The photo as the attacker prepares it: upright (EXIF applied), at most `maxSide` pixels, JPEG. Analyse THIS one. */
export async function prepareStill(bytes: Buffer, maxSide = 480): Promise<Buffer> {
  return sharp(bytes)
    .rotate()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** Edit strengths, in inter-ocular distances (IOD) unless noted; calibrated so today's judge reads each edit as the step. */
const EDIT = {
  /** Nose+mouth shift for a turn (0.10-0.25 IOD asked; 0.25 reads 20-28 degrees of yaw). */
  turnShift: 0.35,
  /** Far half of the face compressed to this fraction of its width. */
  halfCompress: 0.4,
  /** Rotation of the head model, degrees. */
  perspectiveDegrees: 30,
  /** Nose moved up for look_up; the mouth follows by lookUpMouth of it. */
  lookUpShift: 0.18,
  lookUpMouth: 0.4,
  /** Squash: eye-to-nose span scaled by this, nose-to-mouth by the second. */
  squashUpper: 0.2,
  squashLower: 0.95,
  /** Mouth stretched by this factor around its centre. */
  smileStretch: 1.65,
  /** Anchor eyes stretched vertically by this factor. */
  wideEyes: 1.6,
};

interface Frame {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel. A plain typed array: Buffer indexing is many times slower under jest's sandbox. */
  data: Uint8Array;
}

/** Inverse map: for an output pixel, where to sample the source (pixel coordinates). */
type InverseMap = (x: number, y: number) => Point;

/** Face-local frame: origin at the eye midpoint, u along the eye line, v down, both in IOD units. */
class FaceFrame {
  readonly origin: Point;
  readonly iod: number;
  private readonly cos: number;
  private readonly sin: number;

  constructor(readonly lm: FivePointLandmarks) {
    this.origin = { x: (lm.leftEye.x + lm.rightEye.x) / 2, y: (lm.leftEye.y + lm.rightEye.y) / 2 };
    const dx = lm.rightEye.x - lm.leftEye.x;
    const dy = lm.rightEye.y - lm.leftEye.y;
    this.iod = max(1, hypot(dx, dy));
    this.cos = dx / this.iod;
    this.sin = dy / this.iod;
  }

  toLocal(p: Point): Point {
    const x = p.x - this.origin.x;
    const y = p.y - this.origin.y;
    return { x: (this.cos * x + this.sin * y) / this.iod, y: (-this.sin * x + this.cos * y) / this.iod };
  }

  toImage(p: Point): Point {
    const u = p.x * this.iod;
    const v = p.y * this.iod;
    return { x: this.origin.x + this.cos * u - this.sin * v, y: this.origin.y + this.sin * u + this.cos * v };
  }

  get nose(): Point {
    return this.toLocal(this.lm.nose);
  }

  get mouth(): Point {
    return this.toLocal({ x: (this.lm.mouthLeft.x + this.lm.mouthRight.x) / 2, y: (this.lm.mouthLeft.y + this.lm.mouthRight.y) / 2 });
  }

  get mouthHalfWidth(): number {
    const l = this.toLocal(this.lm.mouthLeft);
    const r = this.toLocal(this.lm.mouthRight);
    return abs(r.x - l.x) / 2;
  }

  /** A map written in local coordinates (output local -> source local), as an image-pixel inverse map. */
  local(map: (u: number, v: number) => Point): InverseMap {
    return (x, y) => this.toImage(map(...uv(this.toLocal({ x, y }))));
  }
}

const uv = (p: Point): [number, number] => [p.x, p.y];

/** 1 inside `plateau` of the ellipse radius, smoothly 0 at the ellipse edge (raised cosine). */
function bump(du: number, dv: number, ru: number, rv: number, plateau = 0.35): number {
  const r = hypot(du / ru, dv / rv);
  if (r <= plateau) return 1;
  if (r >= 1) return 0;
  return 0.5 * (1 + cos((PI * (r - plateau)) / (1 - plateau)));
}

/** Smooth step 0 -> 1 between a and b. */
function ramp(t: number, a: number, b: number): number {
  if (t <= a) return 0;
  if (t >= b) return 1;
  const s = (t - a) / (b - a);
  return s * s * (3 - 2 * s);
}

/**
 * Inverse of a forward displacement field d (output = source + d(source)), by fixed-point iteration: good for the
 * smooth, non-folding fields used here.
 */
function invertDisplacement(d: (u: number, v: number) => Point): (u: number, v: number) => Point {
  return (u, v) => {
    let su = u;
    let sv = v;
    for (let i = 0; i < 6; i++) {
      const disp = d(su, sv);
      su = u - disp.x;
      sv = v - disp.y;
    }
    return { x: su, y: sv };
  };
}

/** Inverse of a monotone 1-D function on [lo, hi] by bisection (forward(lo..hi) must be increasing). */
function invertMonotone(forward: (t: number) => number, target: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  for (let i = 0; i < 30; i++) {
    const m = (a + b) / 2;
    if (forward(m) < target) a = m;
    else b = m;
  }
  return (a + b) / 2;
}

/** Makes the frames that answer challenge steps from one still photo. */
export class StillPhotoAttack {
  private readonly face: FaceFrame;
  private readonly random: () => number;

  private constructor(
    private readonly source: Frame,
    landmarks: FivePointLandmarks,
    seed: number,
  ) {
    this.face = new FaceFrame(landmarks);
    this.random = seededRandom(seed);
  }

  /** `photo` is the prepared still (prepareStill) and `landmarks` the engine's five points measured on it. */
  static async from(photo: Buffer, landmarks: FivePointLandmarks, seed = 1): Promise<StillPhotoAttack> {
    const { data, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return new StillPhotoAttack({ width: info.width, height: info.height, data: new Uint8Array(data) }, landmarks, seed);
  }

  /** The first frames of a session: the (possibly wide-eyed) anchor, then neutral re-encodes of it. */
  async anchorFrames(plan: AttackPlan): Promise<Buffer[]> {
    const frames = [await this.frame({ wideEyes: plan.wideEyes }, plan.jitter)];
    for (let i = 0; i < plan.neutralsAfterAnchor; i++) frames.push(await this.frame({ wideEyes: plan.wideEyes }, plan.jitter));
    return frames;
  }

  /**
   * The frames answering one revealed step, in capture order: neutral re-encodes (back to the rest pose; none for the
   * first step, which follows the anchor), a half-way frame for head movements, the calibrated edit and a 1.2x
   * stronger one in case this photo reads weaker (an attacker escalates too).
   */
  async stepFrames(step: AttackStep, plan: AttackPlan, first = false): Promise<Buffer[]> {
    const frames: Buffer[] = [];
    const edit = { wideEyes: plan.wideEyes, step, plan };
    if (!first) for (let i = 0; i < plan.neutralsBetweenSteps; i++) frames.push(await this.frame({ wideEyes: plan.wideEyes }, plan.jitter));
    if (step === 'turn_left' || step === 'turn_right' || step === 'look_up')
      frames.push(await this.frame({ ...edit, amount: 0.5 * plan.strength }, plan.jitter));
    frames.push(await this.frame({ ...edit, amount: plan.strength }, plan.jitter));
    frames.push(await this.frame({ ...edit, amount: 1.2 * plan.strength }, plan.jitter));
    return frames;
  }

  /** One frame: the photo with the given edits and a fresh jitter, as a JPEG. */
  async frame(edit: { wideEyes?: boolean; step?: AttackStep; plan?: AttackPlan; amount?: number }, jitter: JitterLevel = 'light'): Promise<Buffer> {
    const amount = edit.amount ?? 1;
    const plan = edit.plan ?? DEFAULT_PLAN;
    // Maps compose output -> source: the last edit applied to the picture is the first map consulted.
    const maps: InverseMap[] = [];
    const global = this.globalJitter(jitter);
    if (global) maps.push(global);
    let picture = this.source;
    if (edit.step === 'blink') {
      // Paint on the (widened) photo; only the global jitter moves it afterwards.
      picture = this.paintEyesShut(edit.wideEyes ? warp(picture, this.wideEyesMap()) : picture, amount);
    } else {
      if (edit.step) maps.push(this.stepMap(edit.step, plan, amount));
      if (edit.wideEyes) maps.push(this.wideEyesMap());
    }
    const warped = maps.length ? warp(picture, composeMaps(maps)) : { ...picture, data: new Uint8Array(picture.data) };
    this.photometricJitter(warped, jitter);
    const quality = jitter === 'strong' ? 80 + floor(this.random() * 15) : 90 + floor(this.random() * 6);
    return sharp(Buffer.from(warped.data.buffer, warped.data.byteOffset, warped.data.length), {
      raw: { width: warped.width, height: warped.height, channels: 3 },
    })
      .jpeg({ quality })
      .toBuffer();
  }

  private stepMap(step: Exclude<AttackStep, 'blink'>, plan: AttackPlan, amount: number): InverseMap {
    // Yaw + (engine) = the nose towards the image's right = the subject's own left in an unmirrored frame.
    const sign = step === 'turn_left' ? 1 : -1;
    switch (step) {
      case 'turn_left':
      case 'turn_right':
        if (plan.turn === 'shift') return this.shiftMap(sign * EDIT.turnShift * amount, 0, 0);
        if (plan.turn === 'half_compress') return this.halfCompressMap(sign, 1 - (1 - EDIT.halfCompress) * amount);
        return this.perspectiveMap(sign * EDIT.perspectiveDegrees * amount);
      case 'look_up':
        return plan.lookUp === 'shift' ? this.shiftMap(0, -EDIT.lookUpShift * amount, EDIT.lookUpMouth) : this.squashMap(amount);
      case 'smile':
        return this.smileMap(1 + (EDIT.smileStretch - 1) * amount);
    }
  }

  /** Moves the nose (and mouth) region by (du, dv) IOD; the mouth moves by mouthShare of a vertical move. */
  private shiftMap(du: number, dv: number, mouthShare: number): InverseMap {
    const nose = this.face.nose;
    const mouth = this.face.mouth;
    // Sideways, the whole lower face moves: nose, mouth and chin (the eyes and the skull outline stay).
    const centre = { x: nose.x, y: (nose.y + mouth.y) / 2 + 0.15 };
    const rv = (mouth.y - nose.y) / 2 + 0.7;
    const forward = (u: number, v: number): Point => {
      if (dv === 0) {
        const w = bump(u - centre.x, v - centre.y, 0.95, rv, 0.4);
        return { x: du * w, y: 0 };
      }
      // Vertical: the nose moves fully, the mouth by mouthShare, the chin not at all.
      const wn = bump(u - nose.x, v - nose.y, 0.75, 0.55, 0.3);
      const wm = bump(u - mouth.x, v - mouth.y, 0.8, 0.45, 0.3);
      return { x: 0, y: dv * max(wn, mouthShare * wm) };
    };
    return this.face.local(invertDisplacement(forward));
  }

  /** The far half of the face (the side the head turns towards) compressed towards the nose to `keep` of its width. */
  private halfCompressMap(sign: number, keep: number): InverseMap {
    const nose = this.face.nose;
    const mouth = this.face.mouth;
    // Nose to cheek edge is W on each side. The far half is squeezed to keep*W and the near half stretched, so the
    // nose line moves by `hinge` towards the far side; the band beyond the far cheek (to W + fill) is stretched.
    const W = 0.95;
    const fill = 0.7;
    const hinge = 0.15 * ((1 - keep) / (1 - EDIT.halfCompress));
    const rowWeight = (v: number) => ramp(v, -1.4, -0.4) * (1 - ramp(v, mouth.y + 0.5, mouth.y + 1.2));
    return this.face.local((u, v) => {
      const side = (u - nose.x) * sign;
      const t = rowWeight(v);
      if (t === 0 || side <= -W || side >= W + fill) return { x: u, y: v };
      let s: number;
      if (side <= hinge) s = -W + ((side + W) * W) / (W + hinge);
      else if (side <= hinge + keep * W) s = (side - hinge) / keep;
      else s = W + ((side - hinge - keep * W) * fill) / (W + fill - hinge - keep * W);
      return { x: u + t * (nose.x + sign * s - u), y: v };
    });
  }

  /**
   * A crude 3-D head (a parabolic front with a nose ridge) rotated about its vertical axis: each row is resampled so
   * the nose swings further than the eyes and the far cheek foreshortens, as in a real turn.
   */
  private perspectiveMap(degrees: number): InverseMap {
    const theta = (degrees * PI) / 180;
    const nose = this.face.nose;
    const mouth = this.face.mouth;
    const halfWidth = 1.05;
    const fade = 0.9;
    const depth = (u: number, v: number): number => {
      const x = min(1, abs(u - nose.x) / halfWidth);
      const head = 0.6 * (1 - x * x);
      // The nose stands out about half an IOD at its tip, less along the bridge.
      const along = v < nose.y ? ramp(v, -0.1, nose.y) : 1 - ramp(v, nose.y, nose.y + 0.3);
      const ridge = 0.45 * along * exp(-((u - nose.x) ** 2) / (2 * 0.17 ** 2));
      return head + ridge;
    };
    // Rows from the crown to below the chin turn; the displacement fades out beyond the cheeks.
    const rowWeight = (v: number) => ramp(v, -1.6, -0.5) * (1 - ramp(v, mouth.y + 0.5, mouth.y + 1.3));
    const forward = (u: number, v: number): number => {
      const w = rowWeight(v);
      if (w === 0) return u;
      const inside = max(-halfWidth, min(halfWidth, u - nose.x));
      const rotated = nose.x + inside * cos(theta) + (depth(u, v) - 0.6) * sin(theta);
      const shift = rotated - (nose.x + inside);
      const out = abs(u - nose.x) - halfWidth;
      return u + w * shift * (out > 0 ? 1 - ramp(out, 0, fade) : 1);
    };
    const span = halfWidth + fade + 0.5;
    return this.face.local((u, v) => {
      if (rowWeight(v) === 0 || abs(u - nose.x) > span) return { x: u, y: v };
      return { x: invertMonotone((s) => forward(s, v), u, nose.x - span - 0.5, nose.x + span + 0.5), y: v };
    });
  }

  /** Looking up foreshortens the nose bridge: the eye-to-nose span is squashed, the nose-to-mouth span a little. */
  private squashMap(amount: number): InverseMap {
    const nose = this.face.nose;
    const mouth = this.face.mouth;
    const k1 = 1 - (1 - EDIT.squashUpper) * amount;
    const k2 = 1 - (1 - EDIT.squashLower) * amount;
    // From just under the eyes (the lids stay as they are) to below the chin.
    const top = 0.25;
    const bottom = mouth.y + 0.9;
    const noseOut = top + (nose.y - top) * k1;
    const mouthOut = noseOut + (mouth.y - nose.y) * k2;
    return this.face.local((u, v) => {
      const t = 1 - ramp(abs(u - nose.x), 0.8, 1.4);
      if (t === 0 || v <= top || v >= bottom) return { x: u, y: v };
      let s: number;
      if (v <= noseOut) s = top + (v - top) / k1;
      else if (v <= mouthOut) s = nose.y + (v - noseOut) / k2;
      else s = mouth.y + ((v - mouthOut) * (bottom - mouth.y)) / (bottom - mouthOut);
      return { x: u, y: v + t * (s - v) };
    });
  }

  /** The mouth stretched sideways about its centre, corners slightly lifted. */
  private smileMap(stretch: number): InverseMap {
    const mouth = this.face.mouth;
    const half = max(0.3, this.face.mouthHalfWidth);
    const forward = (u: number, v: number): Point => {
      const w = bump(u - mouth.x, v - mouth.y, half + 0.75, 0.42, 0.35);
      const du = u - mouth.x;
      return { x: (stretch - 1) * du * w, y: -0.05 * (stretch - 1) * 2.5 * min(1, (du / half) ** 2) * w };
    };
    return this.face.local(invertDisplacement(forward));
  }

  /** Each eye stretched vertically about its centre. */
  private wideEyesMap(): InverseMap {
    const eyes = [this.face.toLocal(this.face.lm.leftEye), this.face.toLocal(this.face.lm.rightEye)];
    const forward = (u: number, v: number): Point => {
      let dv = 0;
      for (const e of eyes) dv += (EDIT.wideEyes - 1) * (v - e.y) * bump(u - e.x, v - e.y, 0.4, 0.36, 0.3);
      return { x: 0, y: dv };
    };
    return this.face.local(invertDisplacement(forward));
  }

  /**
   * Paints each eye shut: an ellipse filled with skin texture copied from just below the eye (tinted to the cheek's
   * mean colour), feathered at the edge, with a dark, slightly arched lid line across it.
   */
  private paintEyesShut(picture: Frame, amount: number): Frame {
    const out: Frame = { ...picture, data: new Uint8Array(picture.data) };
    const { width, height, data } = picture;
    const iod = this.face.iod;
    const a = 0.3 * iod;
    const b = 0.15 * iod * (0.6 + 0.4 * min(1, amount));
    const offset = 0.34 * iod;
    const at = (x: number, y: number) => (min(height - 1, max(0, round(y))) * width + min(width - 1, max(0, round(x)))) * 3;
    for (const eye of [this.face.lm.leftEye, this.face.lm.rightEye]) {
      // The lid's colour: the mean of a ring of skin around the eye; the texture: the cheek below, minus its mean.
      const ring = [0, 0, 0];
      const cheek = [0, 0, 0];
      let n = 0;
      for (let k = 0; k < 48; k++) {
        const angle = (2 * PI * k) / 48;
        const i = at(eye.x + 1.25 * a * cos(angle), eye.y + 1.6 * b * sin(angle));
        const j = at(eye.x + 0.8 * a * cos(angle), eye.y + offset + 0.5 * b * sin(angle));
        for (let c = 0; c < 3; c++) {
          ring[c] += data[i + c];
          cheek[c] += data[j + c];
        }
        n++;
      }
      const x0 = max(0, floor(eye.x - a - 2));
      const x1 = min(width - 1, ceil(eye.x + a + 2));
      const y0 = max(0, floor(eye.y - b - 2));
      const y1 = min(height - 1, ceil(eye.y + b + 2));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const r = hypot((x - eye.x) / a, (y - eye.y) / b);
          const fill = 1 - ramp(r, 0.75, 1.05);
          if (fill <= 0) continue;
          const i = (y * width + x) * 3;
          // The cheek below, mirrored vertically so its texture runs along the lid.
          const j = at(x, eye.y + offset + (eye.y - y) * 0.6);
          // The lid line: a dark arc a little below the eye centre, fading towards the corners.
          const arc = eye.y + 0.15 * b + 0.3 * b * ((x - eye.x) / a) ** 2;
          const lid = (1 - ramp(abs(y - arc), 0.025 * iod, 0.055 * iod)) * (1 - ramp(abs(x - eye.x) / a, 0.8, 1));
          // The lid is a little darker above the line (its crease), lighter just below it.
          const shade = y < arc ? 0.9 + 0.1 * ramp(arc - y, 0, b) : 1;
          for (let c = 0; c < 3; c++) {
            const skin = (ring[c] / n + 0.8 * (data[j + c] - cheek[c] / n)) * shade;
            const painted = skin * (1 - 0.75 * lid);
            out.data[i + c] = clamp(data[i + c] * (1 - fill) + painted * fill);
          }
        }
      }
    }
    return out;
  }

  /** A small similarity transform of the whole picture (strong jitter only): an attacker moving the "camera". */
  private globalJitter(jitter: JitterLevel): InverseMap | null {
    if (jitter !== 'strong') return null;
    const { width, height } = this.source;
    const scale = 1 + (this.random() - 0.5) * 0.06;
    const angle = ((this.random() - 0.5) * 4 * PI) / 180;
    const tx = (this.random() - 0.5) * 0.04 * width;
    const ty = (this.random() - 0.5) * 0.04 * height;
    const cx = width / 2;
    const cy = height / 2;
    const c = cos(angle) / scale;
    const s = sin(angle) / scale;
    return (x, y) => {
      const dx = x - cx - tx;
      const dy = y - cy - ty;
      return { x: cx + c * dx + s * dy, y: cy - s * dx + c * dy };
    };
  }

  /** Brightness, per-channel gain and Gaussian noise, fresh for every frame, so no two frames are the same bytes. */
  private photometricJitter(frame: Frame, jitter: JitterLevel): void {
    const strong = jitter === 'strong';
    const brightness = 1 + (this.random() - 0.5) * (strong ? 0.16 : 0.04);
    const offset = (this.random() - 0.5) * (strong ? 12 : 3);
    const gains = [0, 1, 2].map(() => brightness * (1 + (this.random() - 0.5) * (strong ? 0.08 : 0.02)));
    const sigma = strong ? 5 : 1.5;
    // Unit Gaussian samples, read from a fresh random start with a fresh odd stride: different noise every frame.
    const noise = this.noiseTable();
    const mask = noise.length - 1;
    let k = floor(this.random() * noise.length);
    const stride = 2 * floor(this.random() * 1000) + 1;
    const data = frame.data;
    for (let i = 0; i < data.length; i += 3) {
      for (let c = 0; c < 3; c++) {
        data[i + c] = clamp(data[i + c] * gains[c] + offset + sigma * noise[k]);
        k = (k + stride) & mask;
      }
    }
  }

  private noise?: Float32Array;

  private noiseTable(): Float32Array {
    if (!this.noise) {
      this.noise = new Float32Array(1 << 16);
      for (let i = 0; i < this.noise.length; i++) this.noise[i] = this.gaussian();
    }
    return this.noise;
  }

  private gaussian(): number {
    const u = max(1e-12, this.random());
    return sqrt(-2 * log(u)) * cos(2 * PI * this.random());
  }
}

function composeMaps(maps: InverseMap[]): InverseMap {
  return (x, y) => maps.reduce<Point>((p, map) => map(p.x, p.y), { x, y });
}

/** Grid step, pixels, at which the (smooth) inverse maps are evaluated; pixels in between interpolate the map. */
const GRID = 4;

/** Resamples the picture through an inverse map, bilinearly; samples outside the picture clamp to its edge. */
function warp(picture: Frame, map: InverseMap): Frame {
  const { width, height, data } = picture;
  const gw = ceil(width / GRID) + 2;
  const gh = ceil(height / GRID) + 2;
  const gx = new Float32Array(gw * gh);
  const gy = new Float32Array(gw * gh);
  for (let j = 0; j < gh; j++) {
    for (let i = 0; i < gw; i++) {
      const s = map(i * GRID, j * GRID);
      gx[j * gw + i] = s.x;
      gy[j * gw + i] = s.y;
    }
  }
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const j = floor(y / GRID);
    const fj = y / GRID - j;
    for (let x = 0; x < width; x++) {
      const i = floor(x / GRID);
      const fi = x / GRID - i;
      const k = j * gw + i;
      const sxTop = gx[k] + (gx[k + 1] - gx[k]) * fi;
      const sxBottom = gx[k + gw] + (gx[k + gw + 1] - gx[k + gw]) * fi;
      const syTop = gy[k] + (gy[k + 1] - gy[k]) * fi;
      const syBottom = gy[k + gw] + (gy[k + gw + 1] - gy[k + gw]) * fi;
      const sx = min(width - 1, max(0, sxTop + (sxBottom - sxTop) * fj));
      const sy = min(height - 1, max(0, syTop + (syBottom - syTop) * fj));
      const x0 = floor(sx);
      const y0 = floor(sy);
      const x1 = min(width - 1, x0 + 1);
      const y1 = min(height - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (y * width + x) * 3;
      const i00 = (y0 * width + x0) * 3;
      const i10 = (y0 * width + x1) * 3;
      const i01 = (y1 * width + x0) * 3;
      const i11 = (y1 * width + x1) * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[i00 + c] + (data[i10 + c] - data[i00 + c]) * fx;
        const bottom = data[i01 + c] + (data[i11 + c] - data[i01 + c]) * fx;
        out[o + c] = clamp(top + (bottom - top) * fy);
      }
    }
  }
  return { width, height, data: out };
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : round(v));
