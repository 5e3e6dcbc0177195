import { TEXTURE_LENGTH, textureChange } from '@facegate/face-engine';
import type { ChallengeStep } from './challenge-judge';

/**
 * Whether a frame that shows an asked head movement is a new capture of a head that moved, or one photo edited to
 * look turned. Measured with scripts/liveness/motion-evidence.measure.ts (README "Active liveness challenge"):
 *
 * - Texture: the median change of 22 landmark-anchored face regions against the anchor frame. Real turns of 15° or
 *   more in webcam video measured 0.148-0.855 (77 of 82 pairs at or above 0.20), frontal-vs-turned photos of one
 *   person 0.207-1.043; 1,259 edits of single photos (features shifted, halves compressed, perspective warps, eyes
 *   painted, with noise, brightness and blur) measured medians of 0.05-0.16, and 56 of them (4.4%) reached 0.20.
 * - Rigid fit: the reprojection error of a rigid 3-D face. The landmark model pulls edited faces back to plausible
 *   shapes, so edits and real faces overlap (real 0.018-0.185, edits 0.023-0.102); it only catches grossly
 *   non-rigid landmark sets, above 0.10 (3 of 298 real frames).
 */
export const MIN_TEXTURE_CHANGE = 0.2;
export const MAX_POSE_RESIDUAL = 0.1;
/**
 * Frames showing the asked movement without that evidence, per step, before the session fails. A real turn gives
 * several frames and the texture change grows with the angle, so one or two weak frames are tolerated.
 */
export const MAX_SUSPECT_FRAMES = 3;
/**
 * A look-up allows none: on the clips it was chosen on, every real look-up frame cleared the bar (47 of 47 in ten
 * clips of ten people, lowest 0.213), while edited ones rarely do. On eight other clips (README "Measured on other
 * clips") 47 of 66 real look-up frames cleared it and 12 of 17 real look-up steps passed: small, brief tilts of a
 * low-resolution camera fall short. Allowing a weak frame lets edits through (30 of 507 edited steps with two), so the
 * rule stays and the README states its cost to live users.
 */
export const MAX_SUSPECT_LOOK_UP_FRAMES = 1;

/**
 * Frames with evidence a look-up needs before it counts (FACEGATE_LIVENESS_LOOK_UP_FRAMES). Measured on nine public
 * clips of real head movements (scripts/liveness/challenge-evidence.measure.ts, README "Active liveness challenge"):
 * with one, 7 of 8 real look-up steps pass at 10 frames a second and 5 of 7 at 5; with two, only 3 of 8 and 3 of 7,
 * because people in those clips tilt the head briefly. Edited look-up steps passed 0 of 126 either way. So one by
 * default; a deployment whose users hold the tilt on a prompt may ask for more.
 */
export const DEFAULT_LOOK_UP_EVIDENCE_FRAMES = 1;

/** Frames showing the asked movement with evidence of a new capture that complete the step (a turn: its first). */
export function evidenceFramesNeeded(step: ChallengeStep | undefined, lookUpFrames: number): number {
  return step === 'look_up' ? lookUpFrames : 1;
}

/** Frames of a step that may show the movement without evidence; the one that reaches this fails the session. */
export function maxSuspectFrames(step: ChallengeStep | undefined): number {
  return step === 'look_up' ? MAX_SUSPECT_LOOK_UP_FRAMES : MAX_SUSPECT_FRAMES;
}

export type MotionEvidence = 'moved' | 'not_rigid' | 'same_texture';

export function motionEvidence(anchorTexture: ArrayLike<number>, frame: { texture: Float32Array; residual: number }): MotionEvidence {
  if (frame.residual > MAX_POSE_RESIDUAL) return 'not_rigid';
  // A session anchored before the upgrade that added textures has none: nothing proves a new capture there.
  if (anchorTexture.length !== TEXTURE_LENGTH) return 'same_texture';
  const change = textureChange(Float32Array.from(anchorTexture), frame.texture).summary;
  return change >= MIN_TEXTURE_CHANGE ? 'moved' : 'same_texture';
}
