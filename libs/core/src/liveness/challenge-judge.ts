/**
 * The active liveness challenge, as pure functions: what each frame shows (relative to the first frontal frame of the
 * session) and whether the frames so far perform the asked steps in the asked order. No I/O, so every rule is unit
 * tested with measures taken from real photos.
 */
export const CHALLENGE_STEPS = ['turn_left', 'turn_right', 'look_up', 'blink', 'smile'] as const;
export type ChallengeStep = (typeof CHALLENGE_STEPS)[number];
/**
 * Head movements: judged on a rigid 3-D fit of the landmarks, which an edit of one photo cannot imitate. Blinks and
 * smiles change the face's shape, so they are judged on 2-D landmarks alone and an edited photo can fake them: they
 * are off by default, and a challenge always holds at least one head movement.
 */
export const POSE_STEPS: readonly ChallengeStep[] = ['turn_left', 'turn_right', 'look_up'];
export type Gesture = ChallengeStep | 'neutral' | 'transition';

export const STEP_INSTRUCTIONS: Record<ChallengeStep, string> = {
  turn_left: 'Turn your head to your left',
  turn_right: 'Turn your head to your right',
  look_up: 'Tilt your head up',
  blink: 'Close your eyes, then open them',
  smile: 'Smile',
};

/** What the engine measured on one frame's face. Yaw + = the subject's own left in an unmirrored image; pitch + = down. */
export interface FrameMeasures {
  yaw: number;
  pitch: number;
  eyeOpening: number;
  mouthWidth: number;
}

export interface JudgeSettings {
  /** Yaw change from the anchor frame that counts as a head turn. */
  turnDegrees: number;
  /** Upward pitch change from the anchor frame that counts as looking up. */
  lookUpDegrees: number;
}

// Measured on ../shared/faces (see README "Active liveness"): open eyes give an eye aspect ratio of 0.19-0.36 and
// nearly closed ones 0.13-0.15, about 0.65x the same person's open value; a broad smile widens the mouth by 1.15-1.45x
// the same person's neutral width. Expressions are read only while the head is roughly frontal: a turn foreshortens
// the eye and mouth widths (raising the eye ratio, shrinking the mouth ratio) and pitch squashes the lid heights.
const BLINK_RATIO = 0.7;
const SMILE_RATIO = 1.15;
const EXPRESSION_MAX_DEGREES = 15;
const NEUTRAL_DEGREES = 10;
/**
 * The anchor must face the camera. Yaw is held tight, or a head already turned one way would make looking straight
 * ahead count as a turn the other way; pitch is looser because a camera below or above the eyes tilts every frame
 * (the development webcam's frontal frames read -5 to +12 degrees in the rigid 3-D fit). A face looking up or down
 * more than that is no anchor: its embedding matched the same person's other frames at only 0.34-0.60.
 */
export const ANCHOR_MAX_YAW = 12;
export const ANCHOR_MAX_PITCH = 15;

export function isFrontal(m: FrameMeasures): boolean {
  return Math.abs(m.yaw) <= ANCHOR_MAX_YAW && Math.abs(m.pitch) <= ANCHOR_MAX_PITCH && m.eyeOpening > 0 && m.mouthWidth > 0;
}

/** The gesture a frame shows relative to the session's anchor frame. Head pose wins over expressions. */
export function classifyFrame(anchor: FrameMeasures, frame: FrameMeasures, s: JudgeSettings): Gesture {
  const dYaw = frame.yaw - anchor.yaw;
  const dPitch = frame.pitch - anchor.pitch;
  if (dYaw >= s.turnDegrees) return 'turn_left';
  if (dYaw <= -s.turnDegrees) return 'turn_right';
  // Looking up counts only while the head faces the camera: a turned head's pitch reading is less sure, and the
  // former five-point estimate read a 40-degree turn as 10-17 degrees up.
  if (dPitch <= -s.lookUpDegrees && Math.abs(dYaw) < NEUTRAL_DEGREES) return 'look_up';
  if (Math.abs(dYaw) < EXPRESSION_MAX_DEGREES && Math.abs(dPitch) < EXPRESSION_MAX_DEGREES) {
    if (frame.mouthWidth >= SMILE_RATIO * anchor.mouthWidth) return 'smile';
    if (frame.eyeOpening <= BLINK_RATIO * anchor.eyeOpening) return 'blink';
  }
  return Math.abs(dYaw) < NEUTRAL_DEGREES && Math.abs(dPitch) < NEUTRAL_DEGREES ? 'neutral' : 'transition';
}

/** Head movements are deliberate, so one the challenge did not ask for (yet) fails it; expressions are not. */
const DELIBERATE: ReadonlySet<Gesture> = new Set<Gesture>(['turn_left', 'turn_right', 'look_up']);

export interface ChallengeProgress {
  /** Steps of the challenge done so far, in order. */
  completed: number;
  /** The last step done, still "held" while the following frames show the same gesture. */
  holding: Gesture | null;
}

export type StepOutcome = { kind: 'progress'; progress: ChallengeProgress } | { kind: 'wrong_step'; expected: ChallengeStep; saw: Gesture };

/**
 * Advances the challenge by one frame's gesture. The asked step completes it; a held gesture (the same as the step
 * just done) is ignored; any other head movement fails the challenge, so a replayed clip that turns the head in its
 * own order does not pass. Unasked blinks and smiles are ignored: people blink on their own every few seconds.
 */
export function advance(challenge: readonly ChallengeStep[], progress: ChallengeProgress, gesture: Gesture): StepOutcome {
  if (progress.completed >= challenge.length) return { kind: 'progress', progress };
  const expected = challenge[progress.completed];
  if (gesture === expected && gesture !== progress.holding) {
    return { kind: 'progress', progress: { completed: progress.completed + 1, holding: gesture } };
  }
  if (gesture === progress.holding) return { kind: 'progress', progress };
  if (DELIBERATE.has(gesture)) return { kind: 'wrong_step', expected, saw: gesture };
  // Back to neutral (or any unasked expression) releases the hold, so the same step can be asked twice in a row.
  return { kind: 'progress', progress: { completed: progress.completed, holding: gesture === 'transition' ? progress.holding : null } };
}

/**
 * A random challenge of `length` steps drawn from `allowed`, never the same step twice in a row (a held pose would
 * answer both), so the order cannot be known before the session starts. Where look_up is allowed, every challenge
 * holds one: looking up shows the underside of the nose and chin, which no edit of a frontal photo has (measured,
 * README "Active liveness challenge": 71-100% of real look-up frames clear the new-capture bar, 5% of edited ones do),
 * while an edited turn finds a frame that clears it in nearly every step. When the draw holds no head movement, one
 * position gets one: expressions alone can be faked by editing one photo.
 */
export function drawChallenge(allowed: readonly ChallengeStep[], length: number, randomInt: (n: number) => number): ChallengeStep[] {
  const steps: ChallengeStep[] = [];
  for (let i = 0; i < length; i++) {
    const pool = allowed.length > 1 ? allowed.filter((s) => s !== steps[i - 1]) : allowed;
    steps.push(pool[randomInt(pool.length)]);
  }
  if (allowed.includes('look_up') && !steps.includes('look_up')) {
    // No step is a look-up, so none of the new one's neighbours is: no repeat.
    steps[randomInt(length)] = 'look_up';
  }
  const poses = allowed.filter((s) => POSE_STEPS.includes(s));
  if (poses.length > 0 && !steps.some((s) => POSE_STEPS.includes(s))) {
    // No neighbour is a head movement, so any one fits without repeating a step.
    steps[randomInt(length)] = poses[randomInt(poses.length)];
  }
  return steps;
}
