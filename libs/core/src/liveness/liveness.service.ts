import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { AuditService } from '../audit/audit.service';
import { CallerContext } from '../access/actor';
import { CollectionAccessService, CollectionRef } from '../access/collection-access.service';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ExtractedFace, FaceRulesService } from '../face/face-rules.service';
import { median } from '@facegate/face-engine';
import { drawChallenge, STEP_INSTRUCTIONS } from './challenge-judge';
import { AnalyzedFrame, applyFrames, ApplySettings, isComplete, SessionFailure, SessionState } from './challenge-session';
import { OpenSessionInput, SubmitFramesInput } from './liveness.inputs';
import { ChallengeAttemptsService } from './challenge-attempts.service';
import { BackgroundTasks } from '../common/background-tasks';
import { LivenessSecretsService } from './liveness-secrets.service';
import { LivenessSessionsRepository, StoredSession } from './liveness-sessions.repository';

/**
 * The active liveness challenge: opens sessions with a random sequence of steps, judges uploaded frames against it,
 * and on success mints a single-use token bound to the face, the key and the collection.
 */
@Injectable()
export class LivenessService {
  private readonly logger = new Logger('Liveness');

  constructor(
    private readonly sessions: LivenessSessionsRepository,
    private readonly faces: FaceRulesService,
    private readonly access: CollectionAccessService,
    private readonly secrets: LivenessSecretsService,
    private readonly audit: AuditService,
    private readonly attempts: ChallengeAttemptsService,
    private readonly background: BackgroundTasks,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async open(dto: OpenSessionInput, caller: CallerContext) {
    const collection = await this.access.resolve(caller, dto.collection);
    // Sessions abandoned after a judged frame are charged now (a probe walked away from is still a probe). Not awaited,
    // as every charge: this answer's timing must not depend on whether their faces were someone's.
    this.background.run('charging abandoned sessions', () => this.attempts.chargeAbandoned(caller.requestId));
    await this.sessions.purgeExpired();
    const { steps, challengeLength, sessionSeconds } = this.config.liveness;
    const challenge = drawChallenge(steps, challengeLength, (n) => this.secrets.randomInt(n));
    const opened = await this.sessions.create({
      keyId: caller.keyId,
      collectionId: collection.id,
      challenge,
      seconds: sessionSeconds,
      stepNonce: this.secrets.nonce(),
    });
    const { id } = opened;
    await this.audit.record(caller, {
      action: 'liveness_session',
      collection: collection.name,
      outcome: 'opened',
      details: { sessionId: id, steps: challenge.length },
    });
    this.logger.log(`session ${id} opened in ${collection.name}: ${challenge.length} steps`);
    return this.view({ ...opened, challenge, status: 'pending' });
  }

  async get(id: string, caller: CallerContext) {
    const session = await this.owned(id, caller);
    return { ...this.view(session), failure: session.failure };
  }

  async submitFrames(id: string, dto: SubmitFramesInput, caller: CallerContext) {
    const session = await this.owned(id, caller);
    const collection = await this.access.resolveById(caller, session.collectionId);
    this.assertOpen(session, dto.frames.length);
    const unanalyzed = { state: session.state, anchorEmbedding: null, report: [], failure: null };
    const stepFailure = this.stepFailure(session, dto.stepNonce);
    if (stepFailure) return this.fail(session, collection, unanalyzed, stepFailure, caller);
    const analyzed = await this.analyze(dto.frames);
    const settings = {
      turnDegrees: this.config.liveness.turnDegrees,
      lookUpDegrees: this.config.liveness.lookUpDegrees,
      lookUpFrames: this.config.liveness.lookUpFrames,
      sameFaceThreshold: collection.policy.matchThreshold,
      // One frame's passive score is unreliable (README "Passive liveness"): an enforcing session waits for enough.
      minScoredFrames: collection.policy.livenessMode === 'enforce' ? this.config.liveness.minPassiveFrames : 0,
    };
    const result = await this.judged(session, analyzed, settings, caller);
    const done = isComplete(session.challenge, result.state, settings);
    const stepped = result.state.progress.completed > session.state.progress.completed;
    const failure =
      result.failure ??
      (stepped ? this.tooFast(session) : null) ??
      (done ? this.passiveFailure(result.state, collection) : null) ??
      (dto.final && !done ? incomplete(session, result.state, settings.minScoredFrames) : null);
    if (failure) return this.fail(session, collection, result, failure, caller);
    if (done) return this.pass(session, collection, result, caller);
    // A completed step reveals the next one, with a new nonce and its own time.
    const state = stepped ? { ...result.state, stepNonce: this.secrets.nonce() } : result.state;
    const saved = await this.saveOrBusy(session, { status: 'pending', state, anchorEmbedding: result.anchorEmbedding, startStep: stepped }, caller);
    return { ...this.view({ ...session, state: saved.state ?? state }), frames: result.report };
  }

  /**
   * Applies the frames; on the upload whose frames are the session's first to be judged as the asked movement, the
   * attempts on whomever the anchor shows are reserved before the verdict is answered (ChallengeAttemptsService
   * reserveJudged), and where they cannot be, the frames are applied again with the verdicts withheld.
   */
  private async judged(session: StoredSession, analyzed: AnalyzedFrame[], settings: ApplySettings, caller: CallerContext) {
    const result = applyFrames(session.challenge, session.state, session.anchorEmbedding, analyzed, settings);
    if (!result.state.judged || session.state.judged || !result.anchorEmbedding) return result;
    const remainingSeconds = Math.max(0, (session.expiresAt.getTime() - session.nowMs) / 1000);
    const { reserved, withheld } = await this.attempts.reserveJudged(caller, result.anchorEmbedding, session.id, remainingSeconds);
    if (!withheld) return { ...result, state: { ...result.state, reserved } };
    // No verdict, so nothing to pay for: what could be reserved is freed now, the session stays unjudged (its ending
    // is charged only as an unjudged one's), and its next upload with a judged frame asks for the attempts again.
    this.background.run(`freeing session ${session.id}'s withheld attempts`, () => this.attempts.releaseReserved(caller, reserved));
    const blind = applyFrames(session.challenge, session.state, session.anchorEmbedding, analyzed, { ...settings, withheld });
    return { ...blind, state: { ...blind.state, judged: session.state.judged } };
  }

  /**
   * Before any frame is analysed: the upload must answer the step revealed last (its nonce) within the step's time.
   * A wrong nonce means frames prepared for another step or another session; either closes the session.
   */
  private stepFailure(session: StoredSession, stepNonce: string): Failure | null {
    const { stepNonce: expected, stepStartedAt } = session.state;
    if (expected === undefined || stepStartedAt === undefined) return null; // a session opened before steps had nonces
    if (stepNonce !== expected) return { code: 'CHALLENGE_FAILED', reason: 'stale_step' };
    const limitMs = this.config.liveness.stepSeconds * 1000;
    if (session.nowMs - stepStartedAt > limitMs) return { code: 'CHALLENGE_FAILED', reason: 'step_timeout', stepSeconds: this.config.liveness.stepSeconds };
    return null;
  }

  /** A step answered sooner after it was revealed than a person can read it and move (the frames were ready). */
  private tooFast(session: StoredSession): Failure | null {
    const { stepStartedAt } = session.state;
    if (stepStartedAt === undefined || session.nowMs - stepStartedAt >= this.config.liveness.minStepMs) return null;
    return { code: 'CHALLENGE_FAILED', reason: 'too_fast', minStepMs: this.config.liveness.minStepMs };
  }

  /** A session is visible only to the key that opened it; anyone else gets the same 404 as for a missing one. */
  private async owned(id: string, caller: CallerContext): Promise<StoredSession> {
    const session = await this.sessions.find(id);
    if (!session || session.keyId !== caller.keyId) throw new DomainError('LIVENESS_SESSION_NOT_FOUND', `No liveness session ${id}.`);
    return session;
  }

  private assertOpen(session: StoredSession, incoming: number): void {
    if (session.status !== 'pending') {
      throw new DomainError('LIVENESS_SESSION_CLOSED', `The session has already ${session.status}; open a new one.`, { sessionStatus: session.status });
    }
    if (session.expired) throw sessionExpired(session);
    const { maxFramesPerRequest, maxFramesPerSession } = this.config.liveness;
    if (incoming > maxFramesPerRequest)
      throw new DomainError('VALIDATION_FAILED', `At most ${maxFramesPerRequest} frames per request.`, { maxFramesPerRequest });
    if (session.state.frames + incoming > maxFramesPerSession) {
      throw new DomainError('CHALLENGE_FAILED', `The session allows ${maxFramesPerSession} frames in all.`, {
        reason: 'too_many_frames',
        maxFrames: maxFramesPerSession,
      });
    }
  }

  /** Frames are analysed in parallel on the worker pool; the order of the results is the order of the upload. */
  private async analyze(frames: Array<string | Buffer>): Promise<AnalyzedFrame[]> {
    const analyzed = await Promise.all(
      frames.map((frame, i) =>
        this.faces.forChallengeFrame(frame).catch((e: unknown) => {
          throw e instanceof DomainError ? e.withDetails({ field: `frames[${i}]` }) : e;
        }),
      ),
    );
    return analyzed.map(({ bytes, face }) => ({ hash: this.secrets.hash(bytes), face: face && toFrameFace(face) }));
  }

  /** Under an enforcing collection the frames' median passive score must reach its threshold. */
  private passiveFailure(state: SessionState, collection: CollectionRef): SessionFailure | { code: 'SPOOF_SUSPECTED' } | null {
    const { livenessMode, livenessThreshold } = collection.policy;
    const score = median(state.passiveScores);
    if (livenessMode !== 'enforce' || (score !== null && score >= livenessThreshold)) return null;
    // The median goes to the audit log (fail()), not to the caller: a score would help tune a replay.
    return { code: 'SPOOF_SUSPECTED' };
  }

  private async pass(session: StoredSession, collection: CollectionRef, result: ReturnType<typeof applyFrames>, caller: CallerContext) {
    const token = this.secrets.token();
    const { tokenExpiresAt } = await this.saveOrBusy(
      session,
      {
        status: 'passed',
        // The median is kept so that a token's redemption is judged against the collection's policy at that time.
        state: { ...result.state, passiveMedian: median(result.state.passiveScores) },
        anchorEmbedding: result.anchorEmbedding,
        tokenHash: this.secrets.hash(token),
        tokenSeconds: this.config.liveness.tokenSeconds,
      },
      caller,
    );
    await this.attempts.releaseReserved(caller, result.state.reserved ?? []);
    const liveness = this.sessionLiveness(result.state, collection);
    await this.audit.record(caller, {
      action: 'liveness_challenge',
      collection: collection.name,
      outcome: 'passed',
      liveness: liveness.score,
      details: { sessionId: session.id, frames: result.state.frames },
    });
    this.logger.log(`session ${session.id} passed after ${result.state.frames} frames`);
    return {
      ...this.view({ ...session, status: 'passed', state: result.state }),
      frames: result.report,
      liveness,
      livenessToken: token,
      tokenExpiresAt: tokenExpiresAt?.toISOString(),
    };
  }

  /**
   * Records the failure (the session is closed for good: no retries against the same challenge), charges it to the
   * person the face is (ChallengeAttemptsService) and throws it.
   */
  private async fail(
    session: StoredSession,
    collection: CollectionRef,
    result: ReturnType<typeof applyFrames>,
    failure: Failure,
    caller: CallerContext,
  ): Promise<never> {
    await this.saveOrBusy(session, { status: 'failed', state: result.state, anchorEmbedding: null, failure }, caller);
    // Not awaited: whether the face was someone's (a charge) or no one's must not show in the answer's timing. Kept in
    // BackgroundTasks so that a shutdown lets it finish.
    const anchor = result.anchorEmbedding ?? session.anchorEmbedding;
    const { judged = false, reserved } = result.state;
    this.background.run(`charging session ${session.id}`, () =>
      this.attempts.chargeFailure(caller, collection.name, anchor, failure, session.id, judged, reserved),
    );
    const { code, ...details } = failure;
    const summary = { sessionId: session.id, completedSteps: result.state.progress.completed, ...details };
    await this.audit.record(caller, {
      action: 'liveness_challenge',
      collection: collection.name,
      outcome: code,
      liveness: median(result.state.passiveScores),
      details: summary,
    });
    this.logger.log(`session ${session.id} failed: ${code}${'reason' in failure ? ` (${failure.reason})` : ''} after ${result.state.frames} frames`);
    throw new DomainError(code, describeFailure(failure), { ...summary, frames: result.report.map((r) => ({ ...r })) });
  }

  /**
   * Saves unless another upload saved first or the session expired while its frames were being analysed. Then the
   * attempts this upload reserved are not the session's, and no verdict is answered: they are freed.
   */
  private async saveOrBusy(session: StoredSession, next: Parameters<LivenessSessionsRepository['save']>[1], caller: CallerContext) {
    // The attempts this upload reserved (none once the session was judged: they are the session's since then).
    const fresh = session.state.judged ? [] : (next.state.reserved ?? []);
    const release = () => this.background.run(`freeing session ${session.id}'s unsaved attempts`, () => this.attempts.releaseReserved(caller, fresh));
    const saved = await this.sessions.save(session, next).catch((error: unknown) => {
      release();
      throw error;
    });
    if (saved.saved) return saved;
    // Not awaited, as a charge is not: the answer's timing must not depend on whether there was anything to free.
    release();
    if ((await this.sessions.find(session.id))?.expired) throw sessionExpired(session);
    throw new DomainError('LIVENESS_SESSION_BUSY', 'Another upload to this session finished first; send the next frames after it.');
  }

  private sessionLiveness(state: SessionState, collection: CollectionRef) {
    const { livenessMode, livenessThreshold } = collection.policy;
    const score = median(state.passiveScores);
    if (livenessMode === 'off' || score === null) return { score: null, live: null, mode: livenessMode };
    return { score: Math.round(score * 10000) / 10000, live: score >= livenessThreshold, mode: livenessMode };
  }

  /** What a client sees: the steps revealed so far (done ones and the current one), never the steps still to come. */
  private view(s: Pick<StoredSession, 'id' | 'challenge' | 'status' | 'expiresAt' | 'state'>) {
    const completed = s.state.progress.completed;
    const pending = s.status === 'pending';
    const revealed = s.challenge.slice(0, pending ? completed + 1 : completed);
    const startedAt = s.state.stepStartedAt;
    return {
      id: s.id,
      status: pending ? 'in_progress' : s.status,
      challenge: revealed,
      instructions: revealed.map((step) => STEP_INSTRUCTIONS[step]),
      totalSteps: s.challenge.length,
      completedSteps: completed,
      nextStep: pending ? (s.challenge[completed] ?? null) : null,
      stepNonce: pending ? (s.state.stepNonce ?? null) : null,
      stepExpiresAt: pending && startedAt !== undefined ? new Date(startedAt + this.config.liveness.stepSeconds * 1000).toISOString() : null,
      framesReceived: s.state.frames,
      maxFrames: this.config.liveness.maxFramesPerSession,
      maxFramesPerRequest: this.config.liveness.maxFramesPerRequest,
      expiresAt: s.expiresAt.toISOString(),
    };
  }
}

type Failure =
  | SessionFailure
  | { code: 'SPOOF_SUSPECTED' }
  | { code: 'CHALLENGE_FAILED'; reason: 'incomplete'; missing: string[]; stepsLeft: number }
  | { code: 'CHALLENGE_FAILED'; reason: 'too_few_frames'; scoredFrames: number; minFrames: number }
  | { code: 'CHALLENGE_FAILED'; reason: 'stale_step' }
  | { code: 'CHALLENGE_FAILED'; reason: 'step_timeout'; stepSeconds: number }
  | { code: 'CHALLENGE_FAILED'; reason: 'too_fast'; minStepMs: number };

function incomplete(session: StoredSession, state: SessionState, minScoredFrames: number): Failure {
  // Only the step being asked is named: steps not yet revealed stay unknown, even once the session has failed.
  const left = session.challenge.length - state.progress.completed;
  if (left > 0) return { code: 'CHALLENGE_FAILED', reason: 'incomplete', missing: [session.challenge[state.progress.completed]], stepsLeft: left };
  return { code: 'CHALLENGE_FAILED', reason: 'too_few_frames', scoredFrames: state.passiveScores.length, minFrames: minScoredFrames };
}

function describeFailure(f: Failure): string {
  switch (f.code) {
    case 'LIVENESS_FACE_CHANGED':
      return `Frame ${f.frame} shows a different person from the first frame.`;
    case 'SPOOF_SUSPECTED':
      return "The frames do not look live enough for this collection's liveness policy.";
    default:
      if (f.reason === 'repeated_frame') return `Frame ${f.frame} repeats an earlier frame exactly.`;
      if (f.reason === 'wrong_step') return `Frame ${f.frame} shows ${f.saw} while the challenge asked for ${f.expected}.`;
      if (f.reason === 'stale_step') return 'The frames do not answer the step this session asks now (stepNonce).';
      if (f.reason === 'step_timeout') return `The step was not done within ${f.stepSeconds} s.`;
      if (f.reason === 'too_fast') return `The step was answered within ${f.minStepMs} ms of being asked, faster than a person moves.`;
      if (f.reason === 'edited_still' || f.reason === 'not_a_rigid_face') {
        const what = f.reason === 'edited_still' ? 'look like one photo edited, not a new camera capture' : 'do not move like a rigid head';
        return `Frames for ${f.step} ${what} (frame ${f.frame}).`;
      }
      if (f.reason === 'too_few_frames') return `The steps were done, but only ${f.scoredFrames} frames showed the face; send at least ${f.minFrames}.`;
      return `The frames ended before the challenge was done (${f.stepsLeft} step(s) left, the current one: ${f.missing.join(', ')}).`;
  }
}

function sessionExpired(session: StoredSession): DomainError {
  return new DomainError('LIVENESS_SESSION_EXPIRED', `The session expired at ${session.expiresAt.toISOString()}; open a new one.`);
}

function toFrameFace(face: ExtractedFace): AnalyzedFrame['face'] {
  // forChallengeFrame guarantees the pose, texture and expression measures (ENGINE_FAILURE otherwise). Head pose
  // comes from the rigid 3-D fit of the 68 landmarks: steadier than five points (no upward pitch drift on turns).
  const pose = face.pose3d!;
  return {
    measures: { yaw: pose.yaw, pitch: pose.pitch, eyeOpening: face.expression!.eyeOpening, mouthWidth: face.expression!.mouthWidth },
    embedding: face.embedding,
    liveness: face.liveness,
    texture: face.texture!,
    residual: pose.residual,
  };
}
