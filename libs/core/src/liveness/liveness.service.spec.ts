import { BackgroundTasks } from '../common/background-tasks';
import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { TEXTURE_LENGTH } from '@facegate/face-engine';
import { ExtractedFace, FaceRulesService } from '../face/face-rules.service';
import { accessOver, auditLog, callerWith, codeOf, domainErrorOf, embedding, extractedFace, FakeCollections, testConfig } from '../testing/fakes';
import { ChallengeStep } from './challenge-judge';
import { EMPTY_STATE, SessionState } from './challenge-session';
import { ChallengeAttemptsService } from './challenge-attempts.service';
import { LivenessSecretsService } from './liveness-secrets.service';
import { LivenessSessionsRepository, StoredSession } from './liveness-sessions.repository';
import { LivenessService } from './liveness.service';

beforeAll(() => Logger.overrideLogger(false));

const sha = (value: string | Uint8Array) => createHash('sha256').update(value).digest('hex');

/**
 * The sessions table in memory, with its own clock (the database's, in epoch ms): expiry, the optimistic version lock
 * and the step start time behave as the SQL does.
 */
class FakeSessions {
  nowMs = Date.parse('2026-06-01T12:00:00Z');
  readonly rows = new Map<string, Omit<StoredSession, 'expired' | 'nowMs'> & { tokenHash: string | null }>();
  purged = 0;
  /** Runs between a session's read and its save: another upload that saved first. */
  beforeSave: (() => void) | null = null;

  async purgeExpired() {
    this.purged++;
    return 0;
  }

  async create(input: { keyId: string; collectionId: string; challenge: ChallengeStep[]; seconds: number; stepNonce: string }) {
    const id = `sess-${this.rows.size + 1}`;
    const state: SessionState = { ...EMPTY_STATE, stepNonce: input.stepNonce, stepStartedAt: this.nowMs };
    const expiresAt = new Date(this.nowMs + input.seconds * 1000);
    this.rows.set(id, {
      id,
      keyId: input.keyId,
      collectionId: input.collectionId,
      challenge: input.challenge,
      status: 'pending',
      state,
      anchorEmbedding: null,
      failure: null,
      version: 0,
      expiresAt,
      tokenExpiresAt: null,
      tokenHash: null,
    });
    return { id, expiresAt, state };
  }

  async find(id: string): Promise<StoredSession | null> {
    const row = this.rows.get(id);
    if (!row) return null;
    const { tokenHash: _hash, ...session } = structuredClone(row);
    return { ...session, expired: row.expiresAt.getTime() <= this.nowMs, nowMs: this.nowMs };
  }

  async save(
    session: Pick<StoredSession, 'id' | 'version'>,
    next: {
      status: StoredSession['status'];
      state: SessionState;
      anchorEmbedding: Float32Array | null;
      failure?: object;
      tokenHash?: string;
      tokenSeconds?: number;
      startStep?: boolean;
    },
  ) {
    this.beforeSave?.();
    const row = this.rows.get(session.id);
    if (!row || row.version !== session.version || row.status !== 'pending' || row.expiresAt.getTime() <= this.nowMs) {
      return { saved: false, tokenExpiresAt: null, state: null };
    }
    const state = next.startStep ? { ...next.state, stepStartedAt: this.nowMs } : next.state;
    Object.assign(row, {
      status: next.status,
      state,
      anchorEmbedding: next.anchorEmbedding,
      failure: (next.failure as Record<string, unknown>) ?? null,
      tokenHash: next.tokenHash ?? null,
      tokenExpiresAt: next.tokenHash ? new Date(this.nowMs + (next.tokenSeconds ?? 0) * 1000) : null,
      version: row.version + 1,
    });
    return { saved: true, tokenExpiresAt: row.tokenExpiresAt, state };
  }
}

// Frames are descriptions the fake engine reads back: the head pose, whose face, its passive score. Every frame is
// a distinct capture (its own bytes), and one turned from the anchor shows a new texture (see motion-evidence).
const ANCHOR_TEXTURE = Float32Array.from({ length: TEXTURE_LENGTH }, (_, i) => (i % 10 === 0 ? 1 : 0));
const NEW_CAPTURE = Float32Array.from({ length: TEXTURE_LENGTH }, (_, i) => (i % 10 === 5 ? 1 : 0));
let frameCount = 0;
function frame(yaw: number, options: { person?: number; liveness?: number; face?: boolean; residual?: number } = {}): string {
  const { person = 0, liveness = 0.5, face = true, residual = 0.04 } = options;
  return JSON.stringify({ yaw, person, liveness, face, residual, n: frameCount++ });
}
function analyzed(image: string | Buffer): { bytes: Buffer; face: ExtractedFace | null } {
  const text = String(image);
  const f = JSON.parse(text) as { yaw: number; person: number; liveness: number; face: boolean; residual: number };
  const bytes = Buffer.from(text);
  if (!f.face) return { bytes, face: null };
  return {
    bytes,
    face: {
      ...extractedFace(embedding(f.person), f.liveness),
      expression: { eyeOpening: 0.3, mouthWidth: 0.8, mouthOpening: 0.1 },
      pose3d: { yaw: f.yaw, pitch: 0, roll: 0, residual: f.residual },
      texture: f.yaw === 0 ? ANCHOR_TEXTURE : NEW_CAPTURE,
    },
  };
}

const me = callerWith(['recognize'], [], 'key-1');

/**
 * Challenges are drawn with randomInt() = 0 from the turns: turn_left, then turn_right. (With look_up allowed, as by
 * default, every challenge holds a look-up: drawChallenge's tests cover that; these are about the session's mechanics.)
 */
function setUp(env: Record<string, string> = {}) {
  const config = testConfig({
    FACEGATE_LIVENESS_STEPS: 'turn_left,turn_right',
    FACEGATE_MATCH_THRESHOLD: '0.42',
    FACEGATE_LIVENESS_THRESHOLD: '0.04',
    FACEGATE_LIVENESS_MIN_FRAMES: '5',
    FACEGATE_LIVENESS_CHALLENGE_LENGTH: '2',
    ...env,
  });
  const collections = new FakeCollections({ default: { purpose: 'photo_search' }, signin: { purpose: 'sign_in' }, other: { purpose: 'photo_search' } });
  const sessions = new FakeSessions();
  const faces = { forChallengeFrame: jest.fn(async (image: string | Buffer) => analyzed(image)) };
  let nonces = 0;
  const secrets = { randomInt: jest.fn(() => 0), token: () => 'lt_minted', nonce: () => `nonce-${++nonces}`, hash: sha };
  const { service: audit, entries } = auditLog();
  // The charge's own rules are ChallengeAttemptsService's tests; here, what the session hands it.
  const attempts = {
    chargeFailure: jest.fn(async (_c: unknown, _col: unknown, anchor: Float32Array | null): Promise<string | null> => (anchor ? 'u-charged' : null)),
    chargeAbandoned: jest.fn(async () => 0),
    reserveJudged: jest.fn(async (_c: unknown, anchor: Float32Array, _id: string, _seconds: number) => ({
      reserved: anchor ? [{ userId: 'u-held', collection: 'default' }] : [],
      withheld: false,
    })),
    releaseReserved: jest.fn(async () => undefined),
  };
  const background = new BackgroundTasks();
  const service = new LivenessService(
    sessions as unknown as LivenessSessionsRepository,
    faces as unknown as FaceRulesService,
    accessOver(collections, config),
    secrets as unknown as LivenessSecretsService,
    audit,
    attempts as unknown as ChallengeAttemptsService,
    background,
    config,
  );
  /** Time for a person to read the step and move (more than FACEGATE_LIVENESS_MIN_STEP_MS). */
  const think = () => (sessions.nowMs += 1000);
  return { service, sessions, faces, entries, secrets, collections, config, think, attempts, background };
}

describe('LivenessService.open', () => {
  it("opens a session for the caller's key in the resolved collection, revealing only the first step", async () => {
    const { service, sessions, entries, secrets, attempts } = setUp();
    const opened = await service.open({}, me);
    expect(secrets.randomInt).toHaveBeenCalledWith(2);
    expect(opened).toMatchObject({
      status: 'in_progress',
      challenge: ['turn_left'],
      instructions: ['Turn your head to your left'],
      totalSteps: 2,
      completedSteps: 0,
      nextStep: 'turn_left',
      stepNonce: 'nonce-1',
      stepExpiresAt: new Date(sessions.nowMs + 15_000).toISOString(),
      framesReceived: 0,
      expiresAt: new Date(sessions.nowMs + 60_000).toISOString(),
    });
    expect(sessions.rows.get(opened.id)).toMatchObject({ keyId: 'key-1', collectionId: 'col-default', challenge: ['turn_left', 'turn_right'] });
    expect(sessions.purged).toBe(1);
    // Sessions abandoned after a judged frame are charged before this one opens.
    expect(attempts.chargeAbandoned).toHaveBeenCalledWith(me.requestId);
    expect(entries).toContainEqual(expect.objectContaining({ action: 'liveness_session', outcome: 'opened', collection: 'default' }));
  });

  it('draws as many steps as configured, from the configured steps', async () => {
    const { service, sessions } = setUp({ FACEGATE_LIVENESS_CHALLENGE_LENGTH: '3', FACEGATE_LIVENESS_STEPS: 'look_up,turn_right' });
    const opened = await service.open({}, me);
    expect(opened.totalSteps).toBe(3);
    expect(sessions.rows.get(opened.id)?.challenge).toEqual(['look_up', 'turn_right', 'look_up']);
  });

  it('keeps a bound key out of other collections, opening nothing', async () => {
    const { service, sessions } = setUp();
    expect(await codeOf(service.open({ collection: 'default' }, callerWith(['recognize'], ['other'])))).toBe('COLLECTION_NOT_FOUND');
    expect(await codeOf(service.open({ collection: 'nope' }, me))).toBe('COLLECTION_NOT_FOUND');
    expect(sessions.rows.size).toBe(0);
  });
});

describe('LivenessService: a session belongs to its key', () => {
  it('answers another key exactly like a session that does not exist', async () => {
    const { service } = setUp();
    const { id } = await service.open({}, me);
    const other = callerWith(['recognize'], [], 'key-2');
    expect(await codeOf(service.get(id, other))).toBe('LIVENESS_SESSION_NOT_FOUND');
    expect(await codeOf(service.get('sess-404', me))).toBe('LIVENESS_SESSION_NOT_FOUND');
    expect(await codeOf(service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-1' }, other))).toBe('LIVENESS_SESSION_NOT_FOUND');
    expect((await service.get(id, me)).id).toBe(id);
  });
});

describe('LivenessService.submitFrames', () => {
  it('advances one step per upload, revealing the next step with a fresh nonce and its own time', async () => {
    const { service, sessions, think } = setUp();
    const { id } = await service.open({}, me);
    think();
    const anchored = await service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-1' }, me);
    expect(anchored).toMatchObject({ completedSteps: 0, nextStep: 'turn_left', stepNonce: 'nonce-1', framesReceived: 1 });
    const stepped = await service.submitFrames(id, { frames: [frame(30)], stepNonce: 'nonce-1' }, me);
    expect(stepped).toMatchObject({ completedSteps: 1, challenge: ['turn_left', 'turn_right'], nextStep: 'turn_right', stepNonce: 'nonce-2' });
    expect(stepped.stepExpiresAt).toBe(new Date(sessions.nowMs + 15_000).toISOString());
    expect(stepped.frames).toEqual([expect.objectContaining({ index: 1, gesture: 'turn_left', similarity: 1 })]);
  });

  describe('the attempt reserved at the first judged frame', () => {
    it("reserves once, before the first verdict is answered, with the anchor and the session's remaining time; a pass frees it", async () => {
      const { service, sessions, think, attempts } = setUp();
      const { id } = await service.open({}, me);
      think();
      // An anchor alone is no verdict: nothing reserved yet.
      await service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-1' }, me);
      expect(attempts.reserveJudged).not.toHaveBeenCalled();
      await service.submitFrames(id, { frames: [frame(30)], stepNonce: 'nonce-1' }, me);
      expect(attempts.reserveJudged).toHaveBeenCalledWith(me, embedding(0), id, 59);
      expect(sessions.rows.get(id)?.state.reserved).toEqual([{ userId: 'u-held', collection: 'default' }]);
      think();
      const passed = await service.submitFrames(id, { frames: [frame(-30), frame(-31)], stepNonce: 'nonce-2' }, me);
      expect(passed.status).toBe('passed');
      expect(attempts.reserveJudged).toHaveBeenCalledTimes(1);
      expect(attempts.releaseReserved).toHaveBeenCalledWith(me, [{ userId: 'u-held', collection: 'default' }]);
      expect(attempts.chargeFailure).not.toHaveBeenCalled();
    });

    it('withholds the verdicts of an upload whose attempts could not be reserved, charges nothing for it, and asks again on the next', async () => {
      const { service, sessions, think, attempts } = setUp();
      // One person reserved, another refused (a lock): the one reserved is freed at once.
      attempts.reserveJudged.mockResolvedValueOnce({ reserved: [{ userId: 'u-held', collection: 'default' }], withheld: true });
      const { id } = await service.open({}, me);
      think();
      // The same frames pass a session whose attempt was reserved (the test above).
      const first = await service.submitFrames(id, { frames: [frame(0), frame(30)], stepNonce: 'nonce-1' }, me);
      expect(first).toMatchObject({ status: 'in_progress', completedSteps: 0, nextStep: 'turn_left', stepNonce: 'nonce-1' });
      expect(first.frames).toEqual([expect.objectContaining({ gesture: 'anchor' }), expect.objectContaining({ gesture: 'turn_left' })]);
      expect(attempts.releaseReserved).toHaveBeenCalledWith(me, [{ userId: 'u-held', collection: 'default' }]);
      const state = sessions.rows.get(id)!.state;
      expect(state).toMatchObject({ suspectFrames: 1 });
      expect(state.reserved).toBeUndefined();
      expect(state.judged).toBeFalsy();
      // Still refused on the next upload: a third frame without a counted capture fails the session as an edit would,
      // and the failure is handed over as an unjudged one (isChargedFailure does not charge a withheld edit).
      attempts.reserveJudged.mockResolvedValueOnce({ reserved: [], withheld: true });
      const failed = await domainErrorOf(service.submitFrames(id, { frames: [frame(31), frame(32)], stepNonce: 'nonce-1' }, me));
      expect(failed).toMatchObject({ code: 'CHALLENGE_FAILED', details: { reason: 'edited_still', step: 'turn_left' } });
      expect(attempts.reserveJudged).toHaveBeenCalledTimes(2);
      expect(attempts.chargeFailure).toHaveBeenLastCalledWith(
        me,
        'default',
        embedding(0),
        expect.objectContaining({ reason: 'edited_still' }),
        id,
        false,
        undefined,
      );
    });

    it('fails frames that fail anyway for their own reason whether or not the verdicts are withheld (no tell)', async () => {
      const failure = async (withheld: boolean) => {
        const { service, think, attempts } = setUp();
        attempts.reserveJudged.mockResolvedValue({ reserved: [], withheld });
        const { id } = await service.open({}, me);
        think();
        const frames = [frame(0), frame(30, { residual: 0.5 }), frame(31, { residual: 0.5 }), frame(32, { residual: 0.5 })];
        const { details } = await domainErrorOf(service.submitFrames(id, { frames, stepNonce: 'nonce-1' }, me));
        return { ...details, sessionId: undefined };
      };
      const judged = await failure(false);
      expect(judged).toMatchObject({ reason: 'not_a_rigid_face', step: 'turn_left' });
      expect(await failure(true)).toEqual(judged);
    });

    it('judges an upload once its attempts can be reserved, after a withheld one', async () => {
      const { service, think, attempts } = setUp();
      attempts.reserveJudged.mockResolvedValueOnce({ reserved: [], withheld: true });
      const { id } = await service.open({}, me);
      think();
      expect((await service.submitFrames(id, { frames: [frame(0), frame(30)], stepNonce: 'nonce-1' }, me)).completedSteps).toBe(0);
      expect((await service.submitFrames(id, { frames: [frame(31)], stepNonce: 'nonce-1' }, me)).completedSteps).toBe(1);
    });

    it('frees the attempts an upload reserved when another upload saved first (no verdict was answered)', async () => {
      const { service, sessions, think, attempts } = setUp();
      const { id } = await service.open({}, me);
      think();
      await service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-1' }, me);
      sessions.beforeSave = () => {
        sessions.beforeSave = null;
        sessions.rows.get(id)!.version++;
      };
      expect(await codeOf(service.submitFrames(id, { frames: [frame(30)], stepNonce: 'nonce-1' }, me))).toBe('LIVENESS_SESSION_BUSY');
      expect(attempts.releaseReserved).toHaveBeenCalledWith(me, [{ userId: 'u-held', collection: 'default' }]);
    });
  });

  describe('closing the session on failure', () => {
    it('fails on a stale nonce before analysing any frame, and the session stays closed', async () => {
      const { service, sessions, faces, entries, think } = setUp();
      const { id } = await service.open({}, me);
      think();
      const error = await domainErrorOf(service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-old' }, me));
      expect(error).toMatchObject({ code: 'CHALLENGE_FAILED', details: { reason: 'stale_step', sessionId: id } });
      expect(faces.forChallengeFrame).not.toHaveBeenCalled();
      expect(sessions.rows.get(id)).toMatchObject({ status: 'failed', failure: { reason: 'stale_step' } });
      expect(entries).toContainEqual(expect.objectContaining({ action: 'liveness_challenge', outcome: 'CHALLENGE_FAILED' }));
      const closed = await domainErrorOf(service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-1' }, me));
      expect(closed).toMatchObject({ code: 'LIVENESS_SESSION_CLOSED', details: { sessionStatus: 'failed' } });
      expect((await service.get(id, me)).failure).toMatchObject({ code: 'CHALLENGE_FAILED', reason: 'stale_step' });
    });

    it('fails a step not answered within its time', async () => {
      const { service, sessions } = setUp();
      const { id } = await service.open({}, me);
      sessions.nowMs += 15_001;
      const error = await domainErrorOf(service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-1' }, me));
      expect(error.details).toMatchObject({ reason: 'step_timeout', stepSeconds: 15 });
      expect(sessions.rows.get(id)?.status).toBe('failed');
    });

    it('fails a step answered faster than a person can move after its reveal (frames prepared in advance)', async () => {
      const { service, sessions } = setUp();
      const { id } = await service.open({}, me);
      sessions.nowMs += 299;
      const error = await domainErrorOf(service.submitFrames(id, { frames: [frame(0), frame(30)], stepNonce: 'nonce-1' }, me));
      expect(error.details).toMatchObject({ reason: 'too_fast', minStepMs: 300 });
      expect(sessions.rows.get(id)?.status).toBe('failed');
    });

    it('fails on a head movement the challenge did not ask for, and on another face', async () => {
      const { service, sessions, think } = setUp();
      const first = await service.open({}, me);
      think();
      const wrong = await domainErrorOf(service.submitFrames(first.id, { frames: [frame(0), frame(-30)], stepNonce: 'nonce-1' }, me));
      expect(wrong.details).toMatchObject({ reason: 'wrong_step', expected: 'turn_left', saw: 'turn_right' });

      const second = await service.open({}, me);
      think();
      const changed = await domainErrorOf(service.submitFrames(second.id, { frames: [frame(0), frame(5, { person: 3 })], stepNonce: 'nonce-2' }, me));
      expect(changed).toMatchObject({ code: 'LIVENESS_FACE_CHANGED', details: { frame: 1 } });
      expect(sessions.rows.get(second.id)).toMatchObject({ status: 'failed', anchorEmbedding: null });
    });

    it("hands every failure to the attempt charge with the session's anchor face, and answers without waiting for it", async () => {
      const { service, think, attempts, background } = setUp();
      // A charge that never settles: the failure must still be answered (its timing must not depend on the charge).
      attempts.chargeFailure.mockImplementation(() => new Promise(() => undefined));
      const first = await service.open({}, me);
      think();
      // The anchor comes from this upload's first frame.
      const changed = await domainErrorOf(service.submitFrames(first.id, { frames: [frame(0), frame(5, { person: 3 })], stepNonce: 'nonce-1' }, me));
      expect(changed.code).toBe('LIVENESS_FACE_CHANGED');
      expect(attempts.chargeFailure).toHaveBeenLastCalledWith(
        me,
        'default',
        embedding(0),
        expect.objectContaining({ code: 'LIVENESS_FACE_CHANGED' }),
        first.id,
        false,
        // Never judged: nothing reserved, so the charge searches for whom the face showed.
        undefined,
      );
      // ...and it is kept for a shutdown to wait for.
      expect(background.size).toBe(1);

      // A failure before any frame is analysed uses the anchor the session kept from earlier steps.
      const second = await service.open({}, me);
      think();
      await service.submitFrames(second.id, { frames: [frame(0), frame(30)], stepNonce: 'nonce-2' }, me);
      think();
      await domainErrorOf(service.submitFrames(second.id, { frames: [frame(0)], stepNonce: 'nonce-old' }, me));
      expect(attempts.chargeFailure).toHaveBeenLastCalledWith(
        me,
        expect.anything(),
        embedding(0),
        expect.objectContaining({ reason: 'stale_step' }),
        second.id,
        // Its first step was judged (frame(30) answered it): every later ending is charged, the attempt reserved then
        // settled as this failure.
        true,
        [{ userId: 'u-held', collection: 'default' }],
      );
    });

    it('on a final upload with steps left, names only the step being asked, never the ones still hidden', async () => {
      const { service, think } = setUp();
      const { id } = await service.open({}, me);
      think();
      const error = await domainErrorOf(service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-1', final: true }, me));
      expect(error.details).toMatchObject({ reason: 'incomplete', missing: ['turn_left'], stepsLeft: 2 });
      expect(JSON.stringify(error.details)).not.toContain('turn_right');
    });
  });

  it('refuses uploads to an expired session and over the frame limits', async () => {
    const { service, sessions, faces, think } = setUp({ FACEGATE_LIVENESS_MAX_FRAMES: '4', FACEGATE_LIVENESS_MAX_FRAMES_PER_REQUEST: '3' });
    const { id } = await service.open({}, me);
    think();
    expect(await codeOf(service.submitFrames(id, { frames: [frame(0), frame(0), frame(0), frame(0)], stepNonce: 'nonce-1' }, me))).toBe('VALIDATION_FAILED');
    await service.submitFrames(id, { frames: [frame(0), frame(0)], stepNonce: 'nonce-1' }, me);
    const tooMany = await domainErrorOf(service.submitFrames(id, { frames: [frame(0), frame(0), frame(0)], stepNonce: 'nonce-1' }, me));
    expect(tooMany).toMatchObject({ code: 'CHALLENGE_FAILED', details: { reason: 'too_many_frames', maxFrames: 4 } });
    expect(faces.forChallengeFrame).toHaveBeenCalledTimes(2);
    const late = await service.open({}, me);
    sessions.nowMs += 60_000;
    expect(await codeOf(service.submitFrames(late.id, { frames: [frame(0)], stepNonce: 'nonce-2' }, me))).toBe('LIVENESS_SESSION_EXPIRED');
  });

  it('answers LIVENESS_SESSION_BUSY when another upload saved first, and saves nothing of its own', async () => {
    const { service, sessions, think } = setUp();
    const { id } = await service.open({}, me);
    think();
    sessions.beforeSave = () => {
      sessions.rows.get(id)!.version++;
      sessions.beforeSave = null;
    };
    expect(await codeOf(service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-1' }, me))).toBe('LIVENESS_SESSION_BUSY');
    expect(sessions.rows.get(id)?.state.frames).toBe(0);
  });

  it('answers LIVENESS_SESSION_EXPIRED when the session expired while its frames were being analyzed', async () => {
    const { service, sessions, think } = setUp();
    const { id } = await service.open({}, me);
    think();
    sessions.beforeSave = () => (sessions.nowMs += 60_000);
    expect(await codeOf(service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-1' }, me))).toBe('LIVENESS_SESSION_EXPIRED');
    expect(sessions.rows.get(id)?.status).toBe('pending');
  });

  describe('passing', () => {
    /** One upload: a frontal anchor, then frames turned left (a one-step challenge). */
    async function passTurnLeft(collection: string, turns: Array<{ liveness?: number }>, anchorLiveness = 0.5) {
      const world = setUp({ FACEGATE_LIVENESS_CHALLENGE_LENGTH: '1' });
      const { id } = await world.service.open({ collection }, me);
      world.think();
      const frames = [frame(0, { liveness: anchorLiveness }), ...turns.map((t) => frame(30, t))];
      return { ...world, id, result: () => world.service.submitFrames(id, { frames, stepNonce: 'nonce-1' }, me) };
    }

    it('mints a single-use token bound to the session (only its hash is stored), and audits the pass', async () => {
      const { result, sessions, entries, id } = await passTurnLeft('default', [{ liveness: 0.7 }]);
      const body = await result();
      expect(body).toMatchObject({
        status: 'passed',
        livenessToken: 'lt_minted',
        nextStep: null,
        stepNonce: null,
        liveness: { score: 0.6, live: true, mode: 'advisory' },
      });
      const row = sessions.rows.get(id)!;
      expect(row).toMatchObject({ status: 'passed', tokenHash: sha('lt_minted') });
      expect(row.tokenExpiresAt?.toISOString()).toBe((body as { tokenExpiresAt?: string }).tokenExpiresAt);
      expect(row.tokenExpiresAt!.getTime() - sessions.nowMs).toBe(120_000);
      // The median is kept for the token's redemption, and the anchor face for its binding.
      expect(row.state.passiveMedian).toBeCloseTo(0.6);
      expect(row.anchorEmbedding).toEqual(embedding(0));
      expect(entries).toContainEqual(expect.objectContaining({ action: 'liveness_challenge', outcome: 'passed', collection: 'default' }));
    });

    it('where the passive check is enforced, waits for enough scored frames before the steps count as done', async () => {
      const { result, sessions, id } = await passTurnLeft('signin', [{}]);
      expect(await result()).toMatchObject({ status: 'in_progress', completedSteps: 1, nextStep: null });
      expect(sessions.rows.get(id)?.tokenHash).toBeNull();
    });

    it('where the passive check is enforced, passes with enough live frames', async () => {
      const { result } = await passTurnLeft('signin', [{}, {}, {}, {}]);
      expect(await result()).toMatchObject({ status: 'passed', livenessToken: 'lt_minted', liveness: { mode: 'enforce', live: true } });
    });

    it("fails with SPOOF_SUSPECTED when the frames' median is below an enforced threshold, without telling the score", async () => {
      const spoof = { liveness: 0.01 };
      const { result, sessions, entries, id } = await passTurnLeft('signin', [spoof, spoof, spoof, spoof]);
      const error = await domainErrorOf(result());
      expect(error.code).toBe('SPOOF_SUSPECTED');
      expect(JSON.stringify(error.details)).not.toContain('0.01');
      expect(sessions.rows.get(id)).toMatchObject({ status: 'failed', tokenHash: null });
      expect(entries).toContainEqual(expect.objectContaining({ action: 'liveness_challenge', outcome: 'SPOOF_SUSPECTED', liveness: 0.01 }));
    });

    it('passes low passive scores where liveness is only advisory, reporting them', async () => {
      const { result } = await passTurnLeft('default', [{ liveness: 0.01 }], 0.01);
      expect(await result()).toMatchObject({ status: 'passed', liveness: { mode: 'advisory', live: false } });
    });

    it('fails a final upload where the steps are done but too few frames were scored', async () => {
      const world = setUp({ FACEGATE_LIVENESS_CHALLENGE_LENGTH: '1' });
      const { id } = await world.service.open({ collection: 'signin' }, me);
      world.think();
      const error = await domainErrorOf(world.service.submitFrames(id, { frames: [frame(0), frame(30)], stepNonce: 'nonce-1', final: true }, me));
      expect(error.details).toMatchObject({ reason: 'too_few_frames', scoredFrames: 2, minFrames: 5 });
    });
  });

  it("refuses frames when the session's collection is gone", async () => {
    const { service, collections, think } = setUp();
    const { id } = await service.open({ collection: 'other' }, me);
    collections.rows.delete('other');
    think();
    expect(await codeOf(service.submitFrames(id, { frames: [frame(0)], stepNonce: 'nonce-1' }, me))).toBe('COLLECTION_NOT_FOUND');
  });
});
