import { displayedSimilarity } from '../collections/collection-policy';
import { cosineSimilarity } from '@facegate/face-engine';
import { advance, ChallengeProgress, ChallengeStep, classifyFrame, FrameMeasures, Gesture, isFrontal, JudgeSettings, POSE_STEPS } from './challenge-judge';
import { evidenceFramesNeeded, maxSuspectFrames, motionEvidence } from './motion-evidence';

/** What a session remembers between uploads. Measures, digests and scores only: never a frame. */
export interface SessionState {
  /** The first frontal frame's measures: every later frame is judged relative to it. */
  anchor: FrameMeasures | null;
  progress: ChallengeProgress;
  frames: number;
  /** sha256 of every frame received, to refuse a frame sent twice (a still image repeated). */
  frameHashes: string[];
  /** Passive liveness score of every frame with a face. */
  passiveScores: number[];
  /** Set when the session passes: the median of passiveScores, judged again when its token is redeemed. */
  passiveMedian?: number | null;
  /**
   * The step being answered is revealed with a fresh nonce; an upload must carry it. Steps are revealed one at a time,
   * so frames for a later step cannot be prepared before the server asks for it.
   */
  stepNonce?: string;
  /** When the current step was revealed, in the database's clock (epoch ms): its deadline and minimum time. */
  stepStartedAt?: number;
  /** The anchor's region texture statistics (not a picture: 220 numbers), to tell a new capture from an edit. */
  anchorTexture?: number[];
  /** Frames of the current step that showed the asked movement without evidence of a new capture. */
  suspectFrames?: number;
  /** Frames of the current step that showed the asked movement as a new capture, while it needs more than one. */
  evidenceFrames?: number;
  /**
   * Set once a frame showed the asked head movement and was judged as a capture: the client has seen a verdict it
   * could tune edits of a photo against, so from then on every ending but a pass is a failed attempt (abandoning the
   * session or turning the wrong way included; ChallengeAttemptsService).
   */
  judged?: boolean;
  /** The attempts on the people the anchor matches, reserved at the first judged frame (ChallengeAttemptsService). */
  reserved?: Array<{ userId: string; collection: string }>;
}

/** Yaw from the anchor beyond which a frame is not judged (see applyFrames). */
export const MAX_JUDGED_YAW = 32;

export const EMPTY_STATE: SessionState = { anchor: null, progress: { completed: 0, holding: null }, frames: 0, frameHashes: [], passiveScores: [] };

/** One analysed frame: its digest and its primary face (null when it shows none of usable size). */
export interface AnalyzedFrame {
  hash: string;
  face: { measures: FrameMeasures; embedding: Float32Array; liveness?: number; texture: Float32Array; residual: number } | null;
}

export interface FrameReport {
  index: number;
  face: boolean;
  gesture: Gesture | 'anchor' | 'not_frontal' | 'too_far' | null;
  /** Similarity to the anchor face (1 for the anchor itself). */
  similarity: number | null;
}

export type SessionFailure =
  | { code: 'CHALLENGE_FAILED'; reason: 'repeated_frame'; frame: number }
  | { code: 'CHALLENGE_FAILED'; reason: 'wrong_step'; frame: number; expected: ChallengeStep; saw: Gesture }
  | { code: 'CHALLENGE_FAILED'; reason: 'edited_still'; frame: number; step: ChallengeStep }
  | { code: 'CHALLENGE_FAILED'; reason: 'not_a_rigid_face'; frame: number; step: ChallengeStep }
  | { code: 'LIVENESS_FACE_CHANGED'; frame: number };

export interface ApplyResult {
  state: SessionState;
  anchorEmbedding: Float32Array | null;
  report: FrameReport[];
  failure: SessionFailure | null;
}

export interface ApplySettings extends JudgeSettings {
  /** Every frame's face must match the anchor at least this well (the collection's match threshold). */
  sameFaceThreshold: number;
  /** Frames with a passive score the session needs before it may end (0 when the passive check is not enforced). */
  minScoredFrames: number;
  /** Frames with evidence of a new capture a look-up needs (see motion-evidence.ts). */
  lookUpFrames: number;
  /**
   * The upload's verdicts are withheld (the key cannot attempt a person the anchor matches now): a frame that would
   * count as a new capture does not (ChallengeAttemptsService.reserveJudged).
   */
  withheld?: boolean;
}

/** The steps are done and there are enough scored frames for the passive median to decide. */
export function isComplete(challenge: readonly ChallengeStep[], state: SessionState, settings: Pick<ApplySettings, 'minScoredFrames'>): boolean {
  return state.progress.completed >= challenge.length && state.passiveScores.length >= settings.minScoredFrames;
}

/**
 * Applies a batch of analysed frames, in order, to a session. The first frontal face becomes the anchor; every later
 * face must be the same person and its gesture must advance the challenge. Stops at the first failure.
 */
export function applyFrames(
  challenge: readonly ChallengeStep[],
  before: SessionState,
  anchorBefore: Float32Array | null,
  frames: readonly AnalyzedFrame[],
  settings: ApplySettings,
): ApplyResult {
  const state: SessionState = { ...before, progress: { ...before.progress }, frameHashes: [...before.frameHashes], passiveScores: [...before.passiveScores] };
  let anchorEmbedding = anchorBefore;
  const report: FrameReport[] = [];
  const fail = (failure: SessionFailure): ApplyResult => ({ state, anchorEmbedding, report, failure });
  // One step per upload: frames captured in the same batch as the step they follow were taken before the client
  // could know the next step, so they never answer it (they are still checked and scored).
  const completedBefore = state.progress.completed;
  for (const frame of frames) {
    const index = state.frames++;
    if (state.frameHashes.includes(frame.hash)) return fail({ code: 'CHALLENGE_FAILED', reason: 'repeated_frame', frame: index });
    state.frameHashes.push(frame.hash);
    const face = frame.face;
    if (!face) {
      report.push({ index, face: false, gesture: null, similarity: null });
      continue;
    }
    if (!state.anchor || !anchorEmbedding) {
      const frontal = isFrontal(face.measures);
      if (frontal) {
        state.anchor = face.measures;
        state.anchorTexture = Array.from(face.texture);
        anchorEmbedding = face.embedding;
        if (face.liveness !== undefined) state.passiveScores.push(face.liveness);
      }
      report.push({ index, face: true, gesture: frontal ? 'anchor' : 'not_frontal', similarity: frontal ? 1 : null });
      continue;
    }
    if (Math.abs(face.measures.yaw - state.anchor.yaw) > MAX_JUDGED_YAW) {
      // Beyond this turn the embedding no longer holds the identity (real frames of one person fell below the match
      // threshold at 36-40 degrees). Such a frame is not judged at all: it counts for nothing (no step, no passive
      // score), so it cannot help anyone either.
      report.push({ index, face: true, gesture: 'too_far', similarity: null });
      continue;
    }
    // The exact value decides; a stranger's score is not reported (it would make the session a free 1:1 scorer).
    const exact = cosineSimilarity(anchorEmbedding, face.embedding);
    if (exact < settings.sameFaceThreshold) return fail({ code: 'LIVENESS_FACE_CHANGED', frame: index });
    const similarity = displayedSimilarity(exact);
    if (face.liveness !== undefined) state.passiveScores.push(face.liveness);
    const gesture = classifyFrame(state.anchor, face.measures, settings);
    if (state.progress.completed > completedBefore) {
      report.push({ index, face: true, gesture, similarity });
      if (isComplete(challenge, state, settings)) break;
      continue;
    }
    const asked = answersPoseStep(challenge, state, gesture);
    if (asked) state.judged = true;
    const judged = asked ? motionEvidence(state.anchorTexture ?? [], face) : 'moved';
    // Withheld: a frame that would count does not, and fails as an edit's; one that fails anyway fails for its own
    // reason (a different reason only under withholding would say "withheld": "this face is someone's").
    const evidence = asked && settings.withheld && judged === 'moved' ? 'same_texture' : judged;
    if (evidence !== 'moved') {
      // The asked movement, but no new capture: it does not count, and repeated, it ends the session. Which test
      // the frame failed is not reported (the session's failure names it): each verdict is charged once the session
      // ends without a pass, but a finer one per frame would teach an editor more for the same charge.
      report.push({ index, face: true, gesture, similarity });
      state.suspectFrames = (state.suspectFrames ?? 0) + 1;
      const step = challenge[state.progress.completed];
      if (state.suspectFrames >= maxSuspectFrames(step)) {
        return fail({ code: 'CHALLENGE_FAILED', reason: evidence === 'not_rigid' ? 'not_a_rigid_face' : 'edited_still', frame: index, step });
      }
      continue;
    }
    report.push({ index, face: true, gesture, similarity });
    if (answersPoseStep(challenge, state, gesture)) {
      // A look-up counts once it is held: a second new capture showing it, not one lucky edit.
      state.evidenceFrames = (state.evidenceFrames ?? 0) + 1;
      if (state.evidenceFrames < evidenceFramesNeeded(challenge[state.progress.completed], settings.lookUpFrames)) continue;
    }
    const outcome = advance(challenge, state.progress, gesture);
    if (outcome.kind === 'wrong_step')
      return fail({ code: 'CHALLENGE_FAILED', reason: 'wrong_step', frame: index, expected: outcome.expected, saw: outcome.saw });
    if (outcome.progress.completed > state.progress.completed) {
      state.suspectFrames = 0;
      state.evidenceFrames = 0;
    }
    state.progress = outcome.progress;
    if (isComplete(challenge, state, settings)) break;
  }
  return { state, anchorEmbedding, report, failure: null };
}

/** The frame shows the head movement the challenge asks now, not merely held from the step before. */
function answersPoseStep(challenge: readonly ChallengeStep[], state: SessionState, gesture: Gesture): boolean {
  const asked = challenge[state.progress.completed];
  return asked !== undefined && gesture === asked && gesture !== state.progress.holding && POSE_STEPS.includes(asked);
}
