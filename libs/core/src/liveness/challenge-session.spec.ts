import { TEXTURE_LENGTH } from '@facegate/face-engine';
import { applyFrames, AnalyzedFrame, EMPTY_STATE, isComplete } from './challenge-session';

// Unit embeddings: the same person = the same direction; a stranger = an orthogonal one.
const person = new Float32Array([1, 0, 0]);
const stranger = new Float32Array([0, 1, 0]);
const pose = (yaw: number, pitch = 0) => ({ yaw, pitch, eyeOpening: 0.3, mouthWidth: 0.8 });
let n = 0;
// A texture that differs from the anchor's in every region (a new capture), or that equals it (an edited still).
const ANCHOR_TEXTURE = Float32Array.from({ length: TEXTURE_LENGTH }, (_, i) => (i % 10 === 0 ? 1 : 0));
const NEW_CAPTURE = Float32Array.from({ length: TEXTURE_LENGTH }, (_, i) => (i % 10 === 5 ? 1 : 0));
const frame = (yaw: number, embedding = person, liveness = 0.5, texture = NEW_CAPTURE, residual = 0.04): AnalyzedFrame => ({
  hash: `h${n++}`,
  face: { measures: pose(yaw), embedding, liveness, texture: Math.abs(yaw) < 1e-9 ? ANCHOR_TEXTURE : texture, residual },
});
const settings = { turnDegrees: 18, lookUpDegrees: 12, sameFaceThreshold: 0.36, minScoredFrames: 0, lookUpFrames: 1 };

describe('applyFrames', () => {
  it('anchors on the first frontal face, then completes one step per upload', () => {
    const r = applyFrames(['turn_left', 'turn_right'], EMPTY_STATE, null, [frame(40), frame(0), frame(30), frame(0), frame(-30)], settings);
    expect(r.failure).toBeNull();
    expect(r.report.map((f) => f.gesture)).toEqual(['not_frontal', 'anchor', 'turn_left', 'neutral', 'turn_right']);
    // The right turn came in the batch that completed the left one: captured before the client knew the next step.
    expect(r.state.progress.completed).toBe(1);
    expect(r.anchorEmbedding).toBe(person);
    expect(r.state.passiveScores).toHaveLength(4);
    const next = applyFrames(['turn_left', 'turn_right'], r.state, r.anchorEmbedding, [frame(-30)], settings);
    expect(next.state.progress.completed).toBe(2);
  });

  it('still checks the face of frames that follow a step in the same upload', () => {
    const r = applyFrames(['turn_left', 'turn_right'], EMPTY_STATE, null, [frame(0), frame(30), frame(-30, stranger)], settings);
    expect(r.failure).toEqual({ code: 'LIVENESS_FACE_CHANGED', frame: 2 });
  });

  it('carries progress across uploads', () => {
    const first = applyFrames(['turn_left', 'turn_right'], EMPTY_STATE, null, [frame(0), frame(30)], settings);
    const second = applyFrames(['turn_left', 'turn_right'], first.state, first.anchorEmbedding, [frame(-30)], settings);
    expect(second.state.progress.completed).toBe(2);
    expect(second.report[0].index).toBe(2);
  });

  it('fails on another person, naming the frame', () => {
    const r = applyFrames(['turn_left'], EMPTY_STATE, null, [frame(0), frame(30, stranger)], settings);
    expect(r.failure).toEqual({ code: 'LIVENESS_FACE_CHANGED', frame: 1 });
  });

  it('fails on a frame sent twice', () => {
    const still = frame(0);
    expect(applyFrames(['turn_left'], EMPTY_STATE, null, [still, frame(5), still], settings).failure).toEqual({
      code: 'CHALLENGE_FAILED',
      reason: 'repeated_frame',
      frame: 2,
    });
  });

  it('fails on a head movement out of order', () => {
    const wrong = applyFrames(['turn_left', 'turn_right'], EMPTY_STATE, null, [frame(0), frame(-30)], settings);
    expect(wrong.failure).toMatchObject({ reason: 'wrong_step', expected: 'turn_left', saw: 'turn_right' });
    // No frame was judged as the asked movement: a live user's slip, not a probe of the judge.
    expect(wrong.state.judged).toBeUndefined();
  });

  it('marks the session judged once a frame shows the asked movement, whether it counts or not', () => {
    const r = applyFrames(['turn_left', 'turn_right'], EMPTY_STATE, null, [frame(0), frame(3)], settings);
    expect(r.state.judged).toBeUndefined();
    const turned = applyFrames(['turn_left', 'turn_right'], r.state, r.anchorEmbedding, [frame(30)], settings);
    expect(turned.state.progress.completed).toBe(1);
    expect(turned.state.judged).toBe(true);
  });

  it('skips frames without a face', () => {
    const r = applyFrames(['turn_left'], EMPTY_STATE, null, [{ hash: 'empty', face: null }, frame(0), frame(30)], settings);
    expect(r.failure).toBeNull();
    expect(r.report[0]).toEqual({ index: 0, face: false, gesture: null, similarity: null });
    expect(r.state.progress.completed).toBe(1);
  });

  it('does not change the state it was given', () => {
    const before = structuredClone(EMPTY_STATE);
    applyFrames(['turn_left'], EMPTY_STATE, null, [frame(0), frame(30)], settings);
    expect(EMPTY_STATE).toEqual(before);
  });

  it('waits for enough scored frames when the passive check is enforced, still judging the extra frames', () => {
    const enforcing = { ...settings, minScoredFrames: 5 };
    const steps = ['turn_left'] as const;
    const r = applyFrames(steps, EMPTY_STATE, null, [frame(0), frame(30), frame(0), frame(2)], enforcing);
    expect(r.state.progress.completed).toBe(1);
    expect(isComplete(steps, r.state, enforcing)).toBe(false);
    expect(applyFrames(steps, r.state, r.anchorEmbedding, [frame(30, stranger)], enforcing).failure).toEqual({ code: 'LIVENESS_FACE_CHANGED', frame: 4 });
    const more = applyFrames(steps, r.state, r.anchorEmbedding, [frame(1), frame(3)], enforcing);
    expect(more.state.passiveScores).toHaveLength(5);
    expect(more.report).toHaveLength(1);
    expect(isComplete(steps, more.state, enforcing)).toBe(true);
  });

  it('does not count an asked head movement shown by an edited still, and fails after three such frames', () => {
    const edited = (yaw: number) => frame(yaw, person, 0.5, ANCHOR_TEXTURE);
    const r = applyFrames(['turn_left'], EMPTY_STATE, null, [frame(0), edited(30), edited(31)], settings);
    expect(r.failure).toBeNull();
    expect(r.state.progress.completed).toBe(0);
    expect(r.state.suspectFrames).toBe(2);
    expect(r.state.judged).toBe(true);
    // The frames are reported as the movement they show, never with the test they failed (no tuning oracle).
    expect(r.report.slice(1)).toEqual([expect.objectContaining({ gesture: 'turn_left' }), expect.objectContaining({ gesture: 'turn_left' })]);
    expect(r.report.every((f) => Object.keys(f).every((k) => ['index', 'face', 'gesture', 'similarity'].includes(k)))).toBe(true);
    const third = applyFrames(['turn_left'], r.state, r.anchorEmbedding, [edited(32)], settings);
    expect(third.failure).toEqual({ code: 'CHALLENGE_FAILED', reason: 'edited_still', frame: 3, step: 'turn_left' });
  });

  it('fails a look-up at its first frame without a new capture (every real look-up measured had one)', () => {
    const up = (texture: Float32Array): AnalyzedFrame => ({
      hash: `h${n++}`,
      face: { measures: pose(0, -20), embedding: person, liveness: 0.5, texture, residual: 0.04 },
    });
    const edited = applyFrames(['look_up'], EMPTY_STATE, null, [frame(0), up(ANCHOR_TEXTURE)], settings);
    expect(edited.failure).toEqual({ code: 'CHALLENGE_FAILED', reason: 'edited_still', frame: 1, step: 'look_up' });
    const real = applyFrames(['look_up'], EMPTY_STATE, null, [frame(0), up(NEW_CAPTURE)], settings);
    expect(real.failure).toBeNull();
    expect(real.state.progress.completed).toBe(1);
  });

  it('completes a look-up only when held for FACEGATE_LIVENESS_LOOK_UP_FRAMES new captures, across uploads too; a suspect frame between ends it', () => {
    const held2 = { ...settings, lookUpFrames: 2 };
    const up = (texture: Float32Array): AnalyzedFrame => ({
      hash: `h${n++}`,
      face: { measures: pose(0, -20), embedding: person, liveness: 0.5, texture, residual: 0.04 },
    });
    const once = applyFrames(['look_up', 'turn_left'], EMPTY_STATE, null, [frame(0), up(NEW_CAPTURE)], held2);
    expect(once.failure).toBeNull();
    expect(once.state.progress.completed).toBe(0);
    expect(once.state.evidenceFrames).toBe(1);
    const held = applyFrames(['look_up', 'turn_left'], once.state, once.anchorEmbedding, [up(NEW_CAPTURE)], held2);
    expect(held.state.progress.completed).toBe(1);
    expect(held.state.evidenceFrames).toBe(0);
    const edited = applyFrames(['look_up', 'turn_left'], once.state, once.anchorEmbedding, [up(ANCHOR_TEXTURE), up(NEW_CAPTURE)], held2);
    expect(edited.failure).toEqual({ code: 'CHALLENGE_FAILED', reason: 'edited_still', frame: 2, step: 'look_up' });
  });

  it('still completes a turn at its first new capture when a look-up must be held', () => {
    const r = applyFrames(['turn_left'], EMPTY_STATE, null, [frame(0), frame(30)], { ...settings, lookUpFrames: 2 });
    expect(r.state.progress.completed).toBe(1);
  });

  it('lets a new capture complete the step after weak frames, and refuses a non-rigid landmark set', () => {
    const r = applyFrames(['turn_left', 'turn_right'], EMPTY_STATE, null, [frame(0), frame(30, person, 0.5, ANCHOR_TEXTURE), frame(31)], settings);
    expect(r.state.progress.completed).toBe(1);
    expect(r.state.suspectFrames).toBe(0);
    const bent = (yaw: number) => frame(yaw, person, 0.5, NEW_CAPTURE, 0.2);
    const next = applyFrames(['turn_left', 'turn_right'], r.state, r.anchorEmbedding, [bent(-30), bent(-31), bent(-32)], settings);
    expect(next.failure).toMatchObject({ reason: 'not_a_rigid_face', step: 'turn_right' });
  });

  it('does not judge a frame turned beyond 32 degrees: no step, no score, no identity verdict', () => {
    const r = applyFrames(['turn_left'], EMPTY_STATE, null, [frame(0), frame(45, stranger)], settings);
    expect(r.failure).toBeNull();
    expect(r.report[1]).toEqual({ index: 1, face: true, gesture: 'too_far', similarity: null });
    expect(r.state.progress.completed).toBe(0);
    expect(r.state.passiveScores).toHaveLength(1);
  });
});
