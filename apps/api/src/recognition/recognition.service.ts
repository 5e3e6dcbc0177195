import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { cosineSimilarity } from '@facegate/face-engine';
import { FaceVectorRepository } from '@facegate/database';
import { AuditService } from '../audit/audit.service';
import { CallerContext } from '../auth/caller-context';
import { CollectionAccessService, CollectionRef } from '../auth/collection-access.service';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FaceRulesService } from '../face/face-rules.service';
import { UsersRepository } from '../users/users.repository';
import { userNotFound, UsersService } from '../users/users.service';
import { confidenceOf } from './confidence';
import { CompareDto, RecognizeDto, VerifyDto } from './dto/recognition.dto';
import { LockoutService } from './lockout.service';
import { judgeLiveness } from './liveness-policy';
import { ChallengeCheck, LivenessTokenService } from '../liveness/liveness-token.service';

const round = (v: number) => Math.round(v * 10000) / 10000;
/** A crowd photo can hold hundreds of faces; the largest 50 are answered. */
const MAX_GROUP_FACES = 50;

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
    private readonly lockout: LockoutService,
    private readonly audit: AuditService,
    private readonly livenessTokens: LivenessTokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async verify(dto: VerifyDto, caller: CallerContext) {
    const user = await this.claimedUser(dto, caller);
    const collection = await this.access.resolve(caller, user.collection.name);
    const subject = { action: 'verify', collection: collection.name, userId: user.id };
    try {
      await this.lockout.assertNotLocked(user.id);
    } catch (error) {
      await this.audit.record(caller, { ...subject, outcome: 'locked_out' });
      throw error;
    }
    return this.audit.audited(
      caller,
      subject,
      async () => {
        this.livenessTokens.assertPresentIfRequired(dto.livenessToken, collection);
        const probe = await this.faces.forProbe(dto.image);
        const challenge = await this.livenessTokens.check(dto.livenessToken, collection, probe.embedding, caller);
        const liveness = this.livenessFor(probe.liveness, collection, challenge);
        const threshold = this.thresholdFor(dto.threshold, collection);
        const best = await this.vectors.bestMatchForUser({ userId: user.id, embedding: probe.embedding });
        const similarity = best ? round(best.similarity) : null;
        const verified = similarity !== null && similarity >= threshold;
        await this.lockout.recordOutcome(caller, { id: user.id, collection: collection.name }, verified);
        this.logger.log(`verify user ${user.id}: ${verified ? 'accepted' : 'rejected'} (similarity ${similarity ?? 'none'})`);
        return {
          body: {
            verified,
            similarity,
            threshold,
            confidence: confidenceOf(similarity, threshold, this.config.matching),
            user: { id: user.id, externalId: user.externalId, name: user.name },
            liveness: { score: liveness.score, live: liveness.live, mode: liveness.mode, challengePassed: challenge.challengePassed },
            face: { box: probe.box, score: probe.score, quality: probe.quality },
          },
          liveness: probe.liveness ?? null,
        };
      },
      (r) => ({ outcome: r.body.verified ? 'success' : 'rejected', similarity: r.body.similarity, liveness: r.liveness }),
    ).then((r) => r.body);
  }

  async recognize(dto: RecognizeDto, caller: CallerContext) {
    const collection = await this.access.resolve(caller, dto.collection);
    if (dto.all) return this.recognizeAll(dto, collection, caller);
    return this.audit.audited(
      caller,
      { action: 'recognize', collection: collection.name },
      async (subject) => {
        this.livenessTokens.assertPresentIfRequired(dto.livenessToken, collection);
        const threshold = this.thresholdFor(dto.threshold, collection);
        const probe = await this.faces.forProbe(dto.image);
        const challenge = await this.livenessTokens.check(dto.livenessToken, collection, probe.embedding, caller);
        const liveness = this.livenessFor(probe.liveness, collection, challenge);
        const { candidates, best, match, similarity } = await this.rank(collection, probe.embedding, dto.topK ?? 1, threshold);
        if (match) subject.userId = best!.user.id;
        this.logger.log(`recognize in ${collection.name}: ${match ? `matched ${best!.user.id}` : 'no match'} (${candidates.length} candidates)`);
        return {
          body: {
            match,
            user: match ? best!.user : null,
            similarity,
            confidence: confidenceOf(similarity, threshold, this.config.matching),
            threshold,
            candidates,
            face: { box: probe.box, score: probe.score, quality: probe.quality },
            liveness: { score: liveness.score, live: liveness.live, mode: liveness.mode, challengePassed: challenge.challengePassed },
          },
          liveness: probe.liveness ?? null,
        };
      },
      (r) => ({ outcome: r.body.match ? 'match' : 'no_match', similarity: r.body.similarity, liveness: r.liveness }),
    ).then((r) => r.body);
  }

  /** Every usable face of a group photo, each answered like a single recognition. */
  private async recognizeAll(dto: RecognizeDto, collection: CollectionRef, caller: CallerContext) {
    return this.audit.audited(
      caller,
      { action: 'recognize', collection: collection.name },
      async () => {
        // A token binds one face; a group answer cannot honour it, and a collection that requires one gets none.
        if (dto.livenessToken) throw new DomainError('VALIDATION_FAILED', 'livenessToken cannot be combined with all: true (a token is for one face).');
        this.livenessTokens.assertPresentIfRequired(undefined, collection);
        const threshold = this.thresholdFor(dto.threshold, collection);
        const probes = await this.faces.forGroupProbe(dto.image, MAX_GROUP_FACES);
        const faces = [];
        for (const probe of probes) {
          const liveness = this.livenessFor(probe.liveness, collection);
          const { candidates, best, match, similarity } = await this.rank(collection, probe.embedding, dto.topK ?? 1, threshold);
          faces.push({
            face: { box: probe.box, score: probe.score, quality: probe.quality },
            match,
            user: match ? best!.user : null,
            similarity,
            confidence: confidenceOf(similarity, threshold, this.config.matching),
            candidates,
            liveness: { score: liveness.score, live: liveness.live, mode: liveness.mode, challengePassed: false },
          });
        }
        this.logger.log(`recognize all in ${collection.name}: ${faces.length} faces, ${faces.filter((f) => f.match).length} matched`);
        return { threshold, faces };
      },
      (r) => ({ outcome: r.faces.some((f) => f.match) ? 'match' : 'no_match', details: { faces: r.faces.length, matched: r.faces.filter((f) => f.match).length } }),
    );
  }

  async detect(image: string | Buffer, smallFaces: boolean) {
    const result = await this.faces.detectAll(image, smallFaces);
    return {
      width: result.width,
      height: result.height,
      faces: result.faces.map((f) => {
        const issues = this.faces.enrolmentIssues(f, result.faces);
        return { box: f.box, score: f.score, landmarks: f.landmarks, quality: f.quality, expression: f.expression, enrolment: { ok: issues.length === 0, issues } };
      }),
    };
  }

  async compare(dto: CompareDto) {
    const [a, b] = await Promise.all([
      this.faces.forProbe(dto.imageA).catch((e: unknown) => rethrowWith(e, 'imageA')),
      this.faces.forProbe(dto.imageB).catch((e: unknown) => rethrowWith(e, 'imageB')),
    ]);
    const threshold = this.config.matching.threshold;
    const similarity = round(cosineSimilarity(a.embedding, b.embedding));
    return { similarity, match: similarity >= threshold, threshold, confidence: confidenceOf(similarity, threshold, this.config.matching) };
  }

  /**
   * Nearest distinct people for one probe, searched inside the database. The nearest person is a match only at or
   * above the threshold; otherwise the face is a stranger (never "always the nearest").
   */
  private async rank(collection: CollectionRef, embedding: Float32Array, topK: number, threshold: number) {
    const hits = await this.vectors.searchCollection({ collectionId: collection.id, embedding, topK });
    const people = new Map((await this.users.findSummaries(hits.map((h) => h.userId))).map((u) => [u.id, u]));
    const candidates = hits.filter((h) => people.has(h.userId)).map((h) => ({ user: people.get(h.userId)!, similarity: round(h.similarity) }));
    const best = candidates[0];
    return { candidates, best, match: best !== undefined && best.similarity >= threshold, similarity: best?.similarity ?? null };
  }

  /**
   * The collection's passive liveness policy (default advisory); throws SPOOF_SUSPECTED. Without a token it judges
   * the probe. After a passed challenge it judges the session's median over several frames of this same face (a
   * steadier test than one frame, whose score alone refuses ~20% of live frames), under the policy in force now, and
   * reports the probe's own score.
   */
  private livenessFor(score: number | undefined, collection: CollectionRef, challenge?: ChallengeCheck) {
    const { livenessMode = 'advisory', livenessThreshold = this.config.liveness.threshold } = collection.settings;
    if (!challenge?.challengePassed) return judgeLiveness(score, livenessMode, livenessThreshold);
    judgeLiveness(challenge.passiveMedian ?? 0, livenessMode, livenessThreshold);
    const reported = judgeLiveness(score, livenessMode === 'off' ? 'off' : 'advisory', livenessThreshold);
    return { ...reported, mode: livenessMode };
  }

  /** Request threshold, else the collection's own setting, else the server's calibrated default. */
  private thresholdFor(requested: number | undefined, collection: CollectionRef): number {
    return requested ?? collection.settings.matchThreshold ?? this.config.matching.threshold;
  }

  private async claimedUser(dto: VerifyDto, caller: CallerContext) {
    if (!dto.userId && !dto.externalId) throw new DomainError('VALIDATION_FAILED', 'Give userId or externalId.');
    if (dto.userId && dto.externalId) throw new DomainError('VALIDATION_FAILED', 'Give userId or externalId, not both.');
    if (dto.userId) {
      const user = await this.people.visible(dto.userId, caller);
      if (dto.collection && user.collection.name !== dto.collection) throw userNotFound(dto.userId);
      return user;
    }
    const collection = await this.access.resolve(caller, dto.collection);
    const user = await this.users.findByExternalId(collection.id, dto.externalId!);
    if (!user) throw userNotFound(dto.externalId!);
    return user;
  }
}

function rethrowWith(error: unknown, field: string): never {
  throw error instanceof DomainError ? error.withDetails({ field }) : error;
}
