import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { AuditService } from '../audit/audit.service';
import { Actor, CallerContext, hasScope } from '../access/actor';
import { CollectionAccessService, CollectionRef, collectionNotFound } from '../access/collection-access.service';
import { FaceVectorRepository } from '@facegate/database';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { Box, FaceQuality } from '@facegate/face-engine';
import { ExtractedFace, FaceRulesService } from '../face/face-rules.service';
import { CreateUserInput, ListUsersQuery, UpdateUserInput } from './user.inputs';
import { findMismatch } from './face-consistency';
import { duplicateExternalId, ExternalIdTakenError, FaceLimitReachedError, OwnerGoneError, tooManyFaces, userNotFound } from './user-errors';
import { AttemptBudgetService } from '../lockouts/attempt-budget.service';
import { LivenessGateService } from '../liveness/liveness-gate.service';
import { ChallengeCheck } from '../liveness/liveness-token.service';
import { FaceRecord, UserRecord, UsersRepository } from './users.repository';
import { metadataProblem } from './user-metadata';
import { displayedSimilarity } from '../collections/collection-policy';

/** Enrolment and management of people. Every rule lives here; the controller only translates HTTP. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly users: UsersRepository,
    private readonly faces: FaceRulesService,
    private readonly access: CollectionAccessService,
    private readonly audit: AuditService,
    private readonly vectors: FaceVectorRepository,
    private readonly attempts: AttemptBudgetService,
    private readonly gate: LivenessGateService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async enrol(dto: CreateUserInput, caller: CallerContext) {
    this.assertFaceCount(dto.images.length);
    return this.store(dto, () => this.extractAll(dto.images), caller);
  }

  /**
   * Enrols faces already extracted one by one with FaceRulesService.forEnrolment (the command-line folder enrolment,
   * which reports each bad photo instead of failing the person). Same rules as enrol() from there on.
   */
  async enrolExtracted(dto: Omit<CreateUserInput, 'images'>, faces: ExtractedFace[], caller: Actor) {
    this.assertFaceCount(faces.length);
    return this.store(dto, () => Promise.resolve(faces), caller);
  }

  /** A new person gets between 1 and FACEGATE_MAX_FACES_PER_USER faces, whichever door enrols them; checked before any work. */
  private assertFaceCount(faces: number): void {
    const max = this.config.enrolment.maxFacesPerUser;
    if (faces === 0 || faces > max) throw new DomainError('VALIDATION_FAILED', `Between 1 and ${max} faces per user.`, { faces });
  }

  private async store(dto: Omit<CreateUserInput, 'images'>, extract: () => Promise<ExtractedFace[]>, caller: Actor) {
    checkMetadata(dto.metadata);
    assertMayOverride(dto, caller);
    const collection = await this.access.resolve(caller, dto.collection);
    return this.audit.audited(
      caller,
      { action: 'enrol', collection: collection.name },
      async (subject) => {
        const started = Date.now();
        if (dto.externalId && (await this.users.findByExternalId(collection.id, dto.externalId))) throw duplicateExternalId(dto.externalId);
        // Analyse every photo before touching the database: one bad photo means nothing is stored.
        const extracted = await extract();
        if (!dto.allowMismatch) rejectMixedPeople(extracted, collection.policy.matchThreshold);
        if (!dto.allowDuplicate) await this.rejectDuplicates(extracted, collection, caller);
        const user = await this.users
          .createWithFaces({ collectionId: collection.id, name: dto.name, externalId: dto.externalId, metadata: dto.metadata ?? {}, faces: extracted })
          .catch((error: unknown) => {
            if (error instanceof OwnerGoneError) throw collectionNotFound(collection.name);
            throw error instanceof ExternalIdTakenError ? duplicateExternalId(error.externalId) : error;
          });
        subject.userId = user.id;
        this.logger.log(`enrolled user ${user.id} in ${collection.name} with ${extracted.length} faces in ${Date.now() - started} ms`);
        return present(user);
      },
      (user) => ({ details: { faces: user.faces.length, ...overrides(dto) } }),
    );
  }

  async get(id: string, caller: CallerContext) {
    return present(await this.visible(id, caller));
  }

  async list(query: ListUsersQuery, caller: CallerContext) {
    const collection = await this.access.resolve(caller, query.collection);
    const limit = query.limit ?? 20;
    const { rows, more } = await this.users.list(collection.id, limit, query.cursor ? decodeCursor(query.cursor) : undefined, query.search);
    const last = rows[rows.length - 1];
    return {
      items: rows.map((r) => ({ id: r.id, externalId: r.externalId, name: r.name, faceCount: r._count.faces, createdAt: r.createdAt })),
      nextCursor: more && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
    };
  }

  async update(id: string, dto: UpdateUserInput, caller: CallerContext) {
    checkMetadata(dto.metadata);
    const user = await this.visible(id, caller);
    return this.audited(caller, 'update', user, async () => {
      const updated = await this.users.update(id, dto);
      if (!updated) throw userNotFound(id);
      return present(updated);
    });
  }

  async remove(id: string, caller: CallerContext): Promise<void> {
    const user = await this.visible(id, caller);
    await this.audited(caller, 'delete', user, async () => {
      if (!(await this.users.delete(id))) throw userNotFound(id);
      this.logger.log(`deleted user ${id} and its embeddings`);
    });
  }

  /**
   * New photos must match each other and every face the person already has (FACE_MISMATCH otherwise): a key that may
   * enrol must not be able to slip its own face into someone else's template. In a collection that requires liveness
   * tokens, a key without admin scope must also bring the token of a challenge passed by the person's face
   * (liveTokenNeeded).
   */
  async addFaces(id: string, images: Array<string | Buffer>, caller: CallerContext, options: AddFacesOptions = {}) {
    assertMayOverride(options, caller);
    const user = await this.visible(id, caller);
    const max = this.config.enrolment.maxFacesPerUser;
    const collection = await this.access.resolve(caller, user.collection.name);
    const subject = { action: 'add_faces', collection: user.collection.name, userId: user.id };
    // What is known without the engine is refused before a token is spent on it (the store checks the count again
    // under the person's lock, for concurrent additions).
    const checked = await this.audit.refusalAudited(caller, subject, () => {
      this.assertImageCount(images.length);
      if (user.faces.length + images.length > max) throw tooManyFaces(user.faces.length, max);
      return images.map((image) => this.faces.checkedImage(image));
    });
    // Before the budget and before anything about the person is said, as on /verify: LOCKED_OUT (or FORBIDDEN for a
    // person without faces) would tell a caller without the token whom its failed sessions showed.
    const challenge = liveTokenNeeded(collection, caller) ? await this.gate.redeem(options.livenessToken, collection, caller, subject) : undefined;
    // Before the engine and the attempt budget: refused work should cost neither (checked again per face below, for
    // faces deleted meanwhile).
    assertMayRefill(user.faces.length > 0, user.id, caller);
    // Testing photos against a known person is an attempt on them like a verification: FACE_MISMATCH is a failure.
    return this.attempts.attempt(
      caller,
      { action: 'add_faces', id: user.id, collection: collection.name },
      () =>
        this.audit.audited(
          caller,
          subject,
          async () => {
            const extracted = await this.extractAll(checked);
            if (challenge) await this.assertLiveCapture(challenge, extracted, user.id, collection, caller);
            if (!options.allowMismatch) await this.rejectStrangers(extracted, user.id, collection.policy.matchThreshold, caller);
            if (!options.allowDuplicate) await this.rejectDuplicates(extracted, collection, caller, user.id);
            const faces = await this.users.addFaces({ id, collectionId: user.collectionId }, extracted, max).catch((error: unknown) => {
              if (error instanceof OwnerGoneError) throw userNotFound(id);
              throw error instanceof FaceLimitReachedError ? tooManyFaces(error.existing, error.maxFaces) : error;
            });
            this.logger.log(`added ${faces.length} faces to user ${id}`);
            return { faces: faces.map(presentFace) };
          },
          (added) => ({ details: { faces: added.faces.length, ...overrides(options), ...(challenge ? { livenessSession: challenge.sessionId } : {}) } }),
        ),
      () => true,
    );
  }

  /**
   * The redeemed challenge's face must be every new photo's (at the collection's threshold) and the person's, and its
   * session must pass the passive policy in force now, as a verification's must.
   */
  private async assertLiveCapture(challenge: ChallengeCheck, faces: ExtractedFace[], userId: string, collection: CollectionRef, caller: CallerContext) {
    this.gate.assertSameFaces(
      challenge,
      faces.map((f) => f.embedding),
      collection,
    );
    this.gate.passiveVerdict(undefined, collection, challenge);
    await this.gate.assertIsPerson(userId, challenge, collection.policy.matchThreshold, caller);
  }

  async removeFace(id: string, faceId: string, caller: CallerContext): Promise<void> {
    const user = await this.visible(id, caller);
    await this.audited(caller, 'delete_face', user, async () => {
      if (!(await this.users.deleteFace(id, faceId))) throw new DomainError('FACE_NOT_FOUND', `User ${id} has no face ${faceId}.`);
    });
  }

  /** Several faces of one person in one call, all or nothing (admin only, like removing one). */
  async removeFaces(id: string, faceIds: readonly string[], caller: CallerContext): Promise<{ deleted: number; remaining: number }> {
    const user = await this.visible(id, caller);
    return this.audit.audited(
      caller,
      { action: 'delete_faces', collection: user.collection.name, userId: user.id },
      async () => {
        const result = await this.users.deleteFaces(id, faceIds);
        if ('missing' in result) {
          throw new DomainError('FACE_NOT_FOUND', `User ${id} has no face ${result.missing.join(', ')}; nothing was deleted.`, { missing: result.missing });
        }
        this.logger.log(`deleted ${result.deleted} faces of user ${id} (${result.remaining} left)`);
        return result;
      },
      (r) => ({ details: { faces: r.deleted, faceIds: [...faceIds] } }),
    );
  }

  /** The user, if it exists in a collection this key may use; otherwise the same 404 as a user that does not exist. */
  async visible(id: string, caller: CallerContext): Promise<UserRecord> {
    const user = await this.users.findById(id);
    if (!user || !this.access.mayUseCollection(caller, { id: user.collectionId, name: user.collection.name })) throw userNotFound(id);
    return user;
  }

  private audited<T>(caller: CallerContext, action: string, user: UserRecord, work: () => Promise<T>): Promise<T> {
    return this.audit.audited(caller, { action, collection: user.collection.name, userId: user.id }, work);
  }

  /** Each new face against the person's existing faces (and the new ones against each other); see assertMayRefill. */
  private async rejectStrangers(faces: ExtractedFace[], userId: string, threshold: number, caller: Actor): Promise<void> {
    rejectMixedPeople(faces, threshold);
    for (const [index, face] of faces.entries()) {
      const worst = await this.vectors.worstMatchForUser({ userId, embedding: face.embedding });
      assertMayRefill(worst !== null, userId, caller);
      if (worst !== null && worst < threshold) {
        throw new DomainError('FACE_MISMATCH', `Photo ${index} does not match this person's enrolled faces; every face of a person must match the others.`, {
          index,
        });
      }
    }
  }

  /**
   * A face that already matches another person of the collection at the match threshold would make 1:N ambiguous
   * (and is how one person gets two identities): refuse it unless the caller insists. Who it matches, and how well,
   * only goes to keys that may read people: an enrol-only key must not learn who is enrolled from its refusals.
   * Best effort under concurrency: two simultaneous enrolments of one face can both pass.
   */
  private async rejectDuplicates(faces: ExtractedFace[], collection: CollectionRef, caller: Actor, self?: string): Promise<void> {
    const threshold = collection.policy.matchThreshold;
    for (const [index, face] of faces.entries()) {
      const hits = await this.vectors.searchCollection({ collectionId: collection.id, embedding: face.embedding, topK: 2 });
      const other = hits.find((h) => h.userId !== self && h.similarity >= threshold);
      if (!other) continue;
      const named = hasScope(caller, 'read');
      const detail = named ? ` (user ${other.userId}, similarity ${displayedSimilarity(other.similarity)})` : '';
      throw new DomainError('DUPLICATE_FACE', `Photo ${index} matches an enrolled person${detail}; send allowDuplicate: true to enrol anyway.`, {
        index,
        ...(named ? { userId: other.userId, similarity: displayedSimilarity(other.similarity) } : {}),
      });
    }
  }

  private assertImageCount(images: number): void {
    const max = this.config.limits.maxImagesPerRequest;
    if (images > max) throw new DomainError('VALIDATION_FAILED', `At most ${max} images per request.`, { images });
  }

  private async extractAll(images: Array<string | Buffer>): Promise<ExtractedFace[]> {
    this.assertImageCount(images.length);
    return Promise.all(
      images.map((image, index) =>
        this.faces.forEnrolment(image).catch((error: unknown) => {
          throw error instanceof DomainError ? error.withDetails({ index }) : error;
        }),
      ),
    );
  }
}

export interface AddFacesOptions {
  allowDuplicate?: boolean;
  allowMismatch?: boolean;
  livenessToken?: string;
}

/**
 * Where a collection requires liveness tokens, a key without admin scope adds photos to a person only with a
 * challenge passed by that person's face, and every photo must show the face that passed it (the photos themselves
 * need not be frames of the challenge). Before the token, such a key learns nothing about the person from this route.
 * An admin's additions (the console, the command-line tool) are the operator's own.
 */
function liveTokenNeeded(collection: CollectionRef, caller: Actor): boolean {
  return collection.policy.requireLivenessToken && !hasScope(caller, 'admin');
}

/**
 * Overriding the one-person rule or the one-identity rule is an admin decision. An enrol key could otherwise merge
 * itself into anyone (allowMismatch), or enrol copies of a victim's face as other people (allowDuplicate): decoys
 * nearer to an attacker's anchor face than the victim's own faces, which would take the charges of its failed
 * liveness sessions (ChallengeAttemptsService) and leave the victim's attempt budget untouched.
 */
function assertMayOverride(options: { allowDuplicate?: boolean; allowMismatch?: boolean }, caller: Actor): void {
  if (hasScope(caller, 'admin')) return;
  const flag = options.allowMismatch ? 'allowMismatch' : options.allowDuplicate ? 'allowDuplicate' : null;
  if (flag) throw new DomainError('FORBIDDEN', `Only an admin key may send ${flag}: true.`, { scope: 'admin' });
}

function rejectMixedPeople(faces: ExtractedFace[], threshold: number): void {
  const mismatch = findMismatch(
    faces.map((f) => f.embedding),
    threshold,
  );
  if (mismatch) {
    throw new DomainError(
      'FACE_MISMATCH',
      `Photo ${mismatch.index} does not match photo ${mismatch.otherIndex}; all photos of one enrolment must show the same person.`,
      { ...mismatch },
    );
  }
}

/** The overrides a request used, for its audit entry. */
function overrides(options: { allowDuplicate?: boolean; allowMismatch?: boolean }) {
  return { ...(options.allowDuplicate ? { allowDuplicate: true } : {}), ...(options.allowMismatch ? { allowMismatch: true } : {}) };
}

function checkMetadata(metadata: object | undefined): void {
  const problem = metadata === undefined ? null : metadataProblem(metadata);
  if (problem) throw new DomainError('VALIDATION_FAILED', `${problem}.`);
}

function present(user: UserRecord) {
  return {
    id: user.id,
    externalId: user.externalId,
    name: user.name,
    collection: user.collection.name,
    // JSON columns hold what the service wrote from validated input (metadata) or the engine (box, quality).
    metadata: user.metadata as Record<string, unknown>,
    faces: user.faces.map(presentFace),
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

function presentFace(face: FaceRecord) {
  return { id: face.id, box: face.box as unknown as Box, score: face.score, quality: face.quality as unknown as FaceQuality, createdAt: face.createdAt };
}

/**
 * A person left with no face (an admin deleted them all) has nothing to match new photos against: only an admin may
 * give them faces again, or an enrol key could make any emptied person its own and then verify as them.
 */
function assertMayRefill(hasFaces: boolean, userId: string, caller: Actor): void {
  if (hasFaces || hasScope(caller, 'admin')) return;
  throw new DomainError('FORBIDDEN', `User ${userId} has no enrolled faces left; only an admin key may add faces to them.`, { scope: 'admin' });
}
