import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { cosineSimilarity } from '@facegate/face-engine';
import { FaceVectorRepository, HIDDEN_MARGIN, SearchHit } from '@facegate/database';
import { AuditService } from '../audit/audit.service';
import { CallerContext, hasScope } from '../access/actor';
import type { ImageInput } from '../common/image-input';
import { CollectionAccessService, CollectionRef } from '../access/collection-access.service';
import { CollectionPolicy, decidingThreshold, displayedSimilarity } from '../collections/collection-policy';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ExtractedFace, FaceRulesService } from '../face/face-rules.service';
import { AttemptBudgetService } from '../lockouts/attempt-budget.service';
import { UsersRepository } from '../users/users.repository';
import { userNotFound } from '../users/user-errors';
import { UsersService } from '../users/users.service';
import { confidenceOf } from './confidence';
import { CompareInput, RecognizeInput, VerifyInput } from './recognition.inputs';
import { LivenessGateService } from '../liveness/liveness-gate.service';
import { ChallengeCheck, NO_CHALLENGE } from '../liveness/liveness-token.service';

/** A crowd photo can hold hundreds of faces; the largest 50 are answered. */
const MAX_GROUP_FACES = 50;

/** What a caller is shown of one decision: scores below the threshold only where the collection exposes them. */
interface Shown {
  similarity: number | null;
  confidence: ReturnType<typeof confidenceOf> | null;
}

/** 1:1 verification, 1:N recognition, detection and comparison. Matching is decided here, by the threshold. */
@Injectable()
export class RecognitionService {
  private readonly logger = new Logger('Recognition');

  constructor(
    private readonly faces: FaceRulesService,
    private readonly users: UsersRepository,
    private readonly people: UsersService,
    private readonly vectors: FaceVectorRepository,
    private readonly access: CollectionAccessService,
    private readonly attempts: AttemptBudgetService,
    private readonly audit: AuditService,
    private readonly gate: LivenessGateService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Each verification is one attempt of the caller's key against the person, reserved before the engine runs
   * (LOCKED_OUT when the key's budget for this person is spent) and settled before the answer leaves. The liveness
   * token is redeemed before the claimed person is looked up by externalId (a userId, unguessable, names the
   * collection first) and before the budget is asked (LivenessGateService.redeem).
   */
  async verify(dto: VerifyInput, caller: CallerContext) {
    assertProbeAllowed(dto, caller);
    assertOneClaim(dto);
    if (dto.faceId !== undefined) return this.verifyStoredFace(dto, caller);
    const byId = dto.userId !== undefined ? await this.claimedUser(dto, caller) : undefined;
    const collection = await this.access.resolve(caller, byId?.collection.name ?? dto.collection);
    const subject = { action: 'verify', collection: collection.name, userId: byId?.id };
    // A bad image is refused before the token is spent on it.
    const checked = { ...dto, image: await this.audit.refusalAudited(caller, subject, () => this.faces.checkedImage(dto.image!)) };
    const challenge = await this.gate.redeem(dto.livenessToken, collection, caller, subject);
    const user = byId ?? (await this.claimedUser(dto, caller, collection));
    const threshold = decidingThreshold(collection.policy, dto.threshold);
    const judge = () => this.auditedClaim(checked, user, collection, threshold, caller, challenge);
    return this.attempts.attempt(caller, { action: 'verify', id: user.id, collection: collection.name }, judge, (body) => body.verified);
  }

  /**
   * A stored face is no attempt on the person: nothing is guessed, and its certain success must not wipe the key's
   * failures (an admin clears a lockout in the open, through /lockouts, audited as such). It is no live capture either.
   */
  private async verifyStoredFace(dto: VerifyInput, caller: CallerContext) {
    const user = await this.claimedUser(dto, caller);
    const collection = await this.access.resolve(caller, user.collection.name);
    return this.auditedClaim(dto, user, collection, decidingThreshold(collection.policy, dto.threshold), caller, NO_CHALLENGE);
  }

  private auditedClaim(
    dto: VerifyInput,
    user: { id: string; externalId: string | null; name: string },
    collection: CollectionRef,
    threshold: number,
    caller: CallerContext,
    challenge: ChallengeCheck,
  ) {
    const subject = { action: 'verify', collection: collection.name, userId: user.id };
    return this.audit
      .audited(
        caller,
        subject,
        () => this.judgeClaim(dto, user, collection, threshold, caller, challenge),
        (r) => r.audit,
      )
      .then((r) => r.body);
  }

  private async judgeClaim(
    dto: VerifyInput,
    user: { id: string; externalId: string | null; name: string },
    collection: CollectionRef,
    threshold: number,
    caller: CallerContext,
    redeemed: ChallengeCheck,
  ) {
    const { probe, challenge, liveness } = await this.probeWithLiveness(dto, collection, caller, redeemed);
    const best = await this.vectors.bestMatchForUser({ userId: user.id, embedding: probe.embedding });
    const similarity = best?.similarity ?? null;
    const verified = similarity !== null && similarity >= threshold;
    if (verified) await this.gate.assertIsPerson(user.id, challenge, threshold, caller);
    this.logger.log(`verify user ${user.id}: ${verified ? 'accepted' : 'rejected'} at threshold ${threshold}`);
    return {
      body: {
        verified,
        ...this.shown(similarity, verified, threshold, collection.policy),
        threshold,
        // Only a verified claim names the person: a rejected one would tell any recognize key the name behind an
        // externalId (listing people needs read) for the price of one photo. The caller knows whom it claimed.
        user: verified ? { id: user.id, externalId: user.externalId, name: user.name } : null,
        liveness: { score: liveness.score, live: liveness.live, mode: liveness.mode, challengePassed: challenge.challengePassed },
        face: presentProbe(probe),
      },
      audit: { outcome: verified ? 'success' : 'rejected', similarity, liveness: probe.liveness ?? null, details: { threshold, ...probeDetails(dto) } },
    };
  }

  async recognize(dto: RecognizeInput, caller: CallerContext) {
    assertProbeAllowed(dto, caller);
    if (dto.all && dto.faceId !== undefined)
      throw new DomainError('VALIDATION_FAILED', 'faceId cannot be combined with all: true (a stored face is one face).');
    const collection = await this.access.resolve(caller, dto.collection);
    if (dto.all) return this.recognizeAll(dto, collection, caller);
    const threshold = decidingThreshold(collection.policy, dto.threshold);
    return this.audit
      .audited(
        caller,
        { action: 'recognize', collection: collection.name },
        async (subject) => {
          const { probe, challenge, liveness } = await this.probeWithLiveness(dto, collection, caller);
          const ranked = await this.rank(collection, probe.embedding, dto.topK ?? 1, threshold, caller);
          if (ranked.match || ranked.lockedOut) subject.userId = ranked.nearestUserId;
          if (ranked.user) await this.gate.assertIsPerson(ranked.user.id, challenge, threshold, caller);
          const candidates = await this.candidatesOfChallengeFace(ranked, collection, challenge, threshold, caller);
          this.logger.log(
            `recognize in ${collection.name}: ${ranked.match ? `matched ${ranked.user!.id}` : 'no match'} at threshold ${threshold} (${ranked.candidates.length} candidates)`,
          );
          return {
            body: {
              match: ranked.match,
              user: ranked.user ?? null,
              ...this.shown(ranked.visibleSimilarity, ranked.match, threshold, collection.policy),
              threshold,
              candidates,
              face: presentProbe(probe),
              liveness: { score: liveness.score, live: liveness.live, mode: liveness.mode, challengePassed: challenge.challengePassed },
            },
            similarity: ranked.similarity,
            lockedOut: ranked.lockedOut,
            liveness: probe.liveness ?? null,
          };
        },
        (r) => ({
          outcome: r.lockedOut ? 'locked_out' : r.body.match ? 'match' : 'no_match',
          similarity: r.similarity,
          liveness: r.liveness,
          details: { threshold, ...probeDetails(dto) },
        }),
      )
      .then((r) => r.body);
  }

  /**
   * The probe of a verification or recognition with its liveness. A photo goes through the engine and the collection's
   * liveness policy. A stored face (faceId, the cloud APIs' "search by face id") is an operator's tool: admin only,
   * of this collection, and never a live capture, so it carries no liveness score, cannot take a liveness token and
   * never reports a passed challenge. A collection's token requirement guards sign-in by photo; an admin key, which
   * may enrol any face anyway, gains nothing from a stored face that it could not already do.
   */
  /**
   * After a passed challenge, every other person listed at or above the threshold (topK > 1) must match the face that
   * passed it too, as the match must (LivenessGateService.assertIsPerson): otherwise a probe tuned towards someone the challenge
   * face is not would still name them. Candidates below the threshold (shown only where scores are exposed) are no
   * matches and stay. Judged on the exact similarities, not the ones cut for display, and, as for the match, not a
   * person this key was locked out of while the session was open.
   */
  private async candidatesOfChallengeFace(
    ranked: Awaited<ReturnType<RecognitionService['rank']>>,
    collection: CollectionRef,
    challenge: ChallengeCheck,
    threshold: number,
    caller: CallerContext,
  ) {
    const others = ranked.listed.filter((h) => h.similarity >= threshold && h.userId !== ranked.user?.id).map((h) => h.userId);
    if (!challenge.anchorEmbedding || others.length === 0) return ranked.candidates;
    const anchor = await this.vectors.bestSimilarities({ collectionId: collection.id, userIds: others, embedding: challenge.anchorEmbedding });
    // As for the match: not someone this key was locked out of while the session was open (its failures were free).
    const lockedMeanwhile = challenge.openedAt ? await this.attempts.lockedSince(caller, others, challenge.openedAt) : new Set<string>();
    const refused = new Set(others.filter((id) => (anchor.get(id) ?? -1) < threshold || lockedMeanwhile.has(id)));
    return ranked.candidates.filter((c) => !refused.has(c.user.id));
  }

  /**
   * The probe and its liveness. A token redeemed already (verify) is passed in; otherwise (recognize) it is redeemed
   * here, before the image is analysed, so that a photo without a face spends it too.
   */
  private async probeWithLiveness(
    dto: { image?: ImageInput; faceId?: string; livenessToken?: string },
    collection: CollectionRef,
    caller: CallerContext,
    redeemed?: ChallengeCheck,
  ) {
    if (dto.faceId !== undefined) {
      if (dto.livenessToken) throw new DomainError('VALIDATION_FAILED', 'livenessToken cannot be combined with faceId (a stored face is no live capture).');
      const probe = await this.storedProbe(dto.faceId, collection);
      return { probe, challenge: NO_CHALLENGE, liveness: this.gate.passiveVerdict(undefined, collection) };
    }
    // A bad image is refused before the token is spent on it (checking bytes checked already costs only the sniff).
    const image = this.faces.checkedImage(dto.image!);
    const challenge = redeemed ?? (await this.gate.redeem(dto.livenessToken, collection, caller));
    const probe = await this.faces.forProbe(image, { liveness: needsPassiveScore(collection) });
    this.gate.assertSameFaces(challenge, [probe.embedding], collection);
    return { probe, challenge, liveness: this.gate.passiveVerdict(probe.liveness, collection, challenge) };
  }

  /** A stored face of this collection as a probe; a face of another collection is as unknown as a missing one. */
  private async storedProbe(faceId: string, collection: CollectionRef): Promise<ExtractedFace> {
    const face = await this.vectors.storedFace(faceId);
    if (!face || face.collectionId !== collection.id) throw new DomainError('FACE_NOT_FOUND', `No face ${faceId} in collection "${collection.name}".`);
    return { embedding: face.embedding, box: face.box as ExtractedFace['box'], score: face.score, quality: face.quality as ExtractedFace['quality'] };
  }

  /** Every usable face of a group photo, each answered like a single recognition. */
  private async recognizeAll(dto: RecognizeInput, collection: CollectionRef, caller: CallerContext) {
    const threshold = decidingThreshold(collection.policy, dto.threshold);
    return this.audit
      .audited(
        caller,
        { action: 'recognize', collection: collection.name },
        async () => {
          // A token binds one face; a group answer cannot honour it, and a collection that requires one gets none.
          if (dto.livenessToken) throw new DomainError('VALIDATION_FAILED', 'livenessToken cannot be combined with all: true (a token is for one face).');
          await this.gate.redeem(undefined, collection, caller); // LIVENESS_REQUIRED where the collection requires a token
          if (dto.image === undefined) throw new DomainError('VALIDATION_FAILED', 'image is required with all: true.');
          const probes = await this.faces.forGroupProbe(dto.image, MAX_GROUP_FACES, { liveness: needsPassiveScore(collection) });
          const faces = [];
          const lockedOut: string[] = [];
          for (const probe of probes) {
            const liveness = this.gate.passiveVerdict(probe.liveness, collection);
            const ranked = await this.rank(collection, probe.embedding, dto.topK ?? 1, threshold, caller);
            if (ranked.lockedOut) lockedOut.push(ranked.nearestUserId);
            faces.push({
              face: presentProbe(probe),
              match: ranked.match,
              user: ranked.user ?? null,
              ...this.shown(ranked.visibleSimilarity, ranked.match, threshold, collection.policy),
              candidates: ranked.candidates,
              liveness: { score: liveness.score, live: liveness.live, mode: liveness.mode, challengePassed: false },
            });
          }
          this.logger.log(
            `recognize all in ${collection.name}: ${faces.length} faces, ${faces.filter((f) => f.match).length} matched at threshold ${threshold}`,
          );
          return { threshold, faces, lockedOut };
        },
        (r) => ({
          outcome: r.faces.some((f) => f.match) ? 'match' : 'no_match',
          details: { threshold, faces: r.faces.length, matched: r.faces.filter((f) => f.match).length, lockedOutUsers: r.lockedOut },
        }),
      )
      .then(({ threshold: decided, faces }) => ({ threshold: decided, faces }));
  }

  async detect(image: string | Buffer, smallFaces: boolean) {
    const result = await this.faces.detectAll(image, smallFaces);
    return {
      width: result.width,
      height: result.height,
      faces: result.faces.map((f) => {
        const issues = this.faces.enrolmentIssues(f, result.faces);
        // detectAll analyses every face in full (details: 'all'), so these are always there.
        if (!f.landmarks || !f.quality || !f.expression) throw new Error('detectAll returned a face without its details');
        return {
          box: f.box,
          score: f.score,
          landmarks: f.landmarks,
          quality: f.quality,
          expression: f.expression,
          enrolment: { ok: issues.length === 0, issues },
        };
      }),
    };
  }

  /** Two photos, judged under a collection's policy (its threshold, and whether scores below it are shown). */
  async compare(dto: CompareInput, caller: CallerContext) {
    const collection = await this.access.resolve(caller, dto.collection);
    const threshold = collection.policy.matchThreshold;
    return this.audit
      .audited(
        caller,
        { action: 'compare', collection: collection.name },
        async () => {
          const [a, b] = await Promise.all([
            this.faces.forProbe(dto.imageA).catch((e: unknown) => rethrowWith(e, 'imageA')),
            this.faces.forProbe(dto.imageB).catch((e: unknown) => rethrowWith(e, 'imageB')),
          ]);
          const similarity = cosineSimilarity(a.embedding, b.embedding);
          const match = similarity >= threshold;
          return { body: { match, ...this.shown(similarity, match, threshold, collection.policy), threshold }, similarity };
        },
        (r) => ({ outcome: r.body.match ? 'match' : 'no_match', similarity: r.similarity, details: { threshold } }),
      )
      .then((r) => r.body);
  }

  /**
   * Nearest distinct people for one probe, searched inside the database. The nearest person is a match only at or
   * above the threshold; otherwise the face is a stranger (never "always the nearest"). Candidates below the
   * threshold are a scoring oracle (an attacker can hill-climb an image towards someone), so they are left out
   * unless the collection exposes scores. People this key is locked out of are never handed over, and a face that
   * reaches one of them answers like a stranger: a distinct answer would tell a locked-out guesser "this photo works"
   * (the audit log records it).
   */
  private async rank(collection: CollectionRef, embedding: Float32Array, topK: number, threshold: number, caller: CallerContext) {
    // Where scores are exposed, people the key is locked out of are read past and left out (HIDDEN_MARGIN).
    const read = collection.policy.exposeScores ? topK + HIDDEN_MARGIN : topK;
    const lockedAmong = (found: SearchHit[]) =>
      this.attempts.lockedFor(
        caller,
        found.map((h) => h.userId),
      );
    let early: { hits: SearchHit[]; locked: Set<string> } | undefined;
    const hits = await this.vectors.searchCollection({
      collectionId: collection.id,
      embedding,
      topK: read,
      // One result: a first pass that found a person this key may be shown at the threshold answers; anything else
      // (a stranger, or a person the key is locked out of, who must take a stranger's time too or the timing would
      // say "this photo works") takes the full pass. With more results, the others must be found too: full pass.
      found:
        read === 1
          ? async (first) => {
              const locked = await lockedAmong(first);
              const answers = first[0] !== undefined && first[0].similarity >= threshold && !locked.has(first[0].userId);
              if (answers) early = { hits: first, locked };
              return answers;
            }
          : undefined,
    });
    // Every search asks for the locks of what it found, whether or not it names someone: no query only for strangers.
    const locked = early?.hits === hits ? early.locked : await lockedAmong(hits);
    const nearest = hits[0];
    const reached = nearest !== undefined && nearest.similarity >= threshold;
    const lockedOut = reached && locked.has(nearest.userId);
    // A face that reaches a person this key is locked out of answers as a stranger's would, with no one listed at the
    // threshold either (with topK > 1, "no match, but someone else at 0.8" would say a nearer person was hidden).
    const showable = hits.filter((h) => (collection.policy.exposeScores || h.similarity >= threshold) && !(lockedOut && h.similarity >= threshold));
    const shown = showable.filter((h) => !locked.has(h.userId)).slice(0, topK);
    const candidates = shown.map((h) => ({ user: summaryOf(h), similarity: displayedSimilarity(h.similarity) }));
    const user = reached && !lockedOut ? summaryOf(nearest) : undefined;
    // What the caller may be told: the gallery as it would answer without the people this key is locked out of, so
    // a locked-out person's score never shows (not even where the collection exposes scores), and a face that reached
    // one shows a stranger's score, below the threshold (HIDDEN_MARGIN). The audit keeps the truth.
    const visibleSimilarity = hits.find((h) => !locked.has(h.userId) && !(lockedOut && h.similarity >= threshold))?.similarity ?? null;
    return {
      candidates,
      /** The people listed, with their exact similarities (candidates shows them cut for display). */
      listed: shown,
      user,
      nearestUserId: nearest?.userId,
      match: user !== undefined,
      lockedOut,
      similarity: nearest?.similarity ?? null,
      visibleSimilarity,
    };
  }

  /**
   * What the caller sees of a similarity: shown when it decided a match, or when the collection exposes scores; a
   * rejection's score (and its confidence band, a coarse score) is otherwise withheld. Rounded down for display.
   */
  private shown(similarity: number | null, matched: boolean, threshold: number, policy: CollectionPolicy): Shown {
    if (similarity === null || (!matched && !policy.exposeScores)) return { similarity: null, confidence: null };
    return { similarity: displayedSimilarity(similarity), confidence: confidenceOf(similarity, threshold, this.config.matching) };
  }

  private async claimedUser(dto: VerifyInput, caller: CallerContext, collection?: CollectionRef) {
    if (dto.userId) {
      const user = await this.people.visible(dto.userId, caller);
      if (dto.collection && user.collection.name !== dto.collection) throw userNotFound(dto.userId);
      return user;
    }
    const named = collection ?? (await this.access.resolve(caller, dto.collection));
    const user = await this.users.findByExternalId(named.id, dto.externalId!);
    if (!user) throw userNotFound(dto.externalId!);
    return user;
  }
}

function assertOneClaim(dto: VerifyInput): void {
  if (!dto.userId && !dto.externalId) throw new DomainError('VALIDATION_FAILED', 'Give userId or externalId.');
  if (dto.userId && dto.externalId) throw new DomainError('VALIDATION_FAILED', 'Give userId or externalId, not both.');
}

/**
 * Checked before anything is looked up: one probe, a photo or a stored face, and a stored face only for an admin key,
 * so a key that may not search by face learns nothing (no person, collection or face exists or not) and spends nothing.
 */
function assertProbeAllowed(dto: { image?: unknown; faceId?: string }, caller: CallerContext): void {
  if ((dto.image === undefined) === (dto.faceId === undefined)) throw new DomainError('VALIDATION_FAILED', 'Give image or faceId, not both.');
  if (dto.faceId !== undefined && !hasScope(caller, 'admin')) {
    throw new DomainError('FORBIDDEN', 'Only an admin key may search by a stored face (faceId).', { scope: 'admin' });
  }
}

/** The person a search hit names (the search reads the name in its own statement). */
function summaryOf(hit: SearchHit): { id: string; externalId: string | null; name: string } {
  return { id: hit.userId, externalId: hit.externalId, name: hit.name };
}

/** The audit log names the stored face a search by face id used. */
function probeDetails(dto: { faceId?: string }): { probeFaceId?: string } {
  return dto.faceId === undefined ? {} : { probeFaceId: dto.faceId };
}

function presentProbe(probe: ExtractedFace) {
  return { box: probe.box, score: probe.score, quality: probe.quality };
}

function rethrowWith(error: unknown, field: string): never {
  throw error instanceof DomainError ? error.withDetails({ field }) : error;
}

/** A probe's passive liveness score is computed only where the collection's policy reports or enforces it. */
function needsPassiveScore(collection: CollectionRef): boolean {
  return collection.policy.livenessMode !== 'off';
}
