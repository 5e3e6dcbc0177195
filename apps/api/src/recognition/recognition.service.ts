import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { cosineSimilarity } from '@facegate/face-engine';
import { FaceVectorRepository } from '@facegate/database';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FaceRulesService } from '../face/face-rules.service';
import { DEFAULT_COLLECTION, userNotFound } from '../users/users.service';
import { UsersRepository } from '../users/users.repository';
import { confidenceOf } from './confidence';
import { CompareDto, RecognizeDto, VerifyDto } from './dto/recognition.dto';

const round = (v: number) => Math.round(v * 10000) / 10000;

/** 1:1 verification, 1:N recognition, detection and comparison. Matching is decided here, by the threshold. */
@Injectable()
export class RecognitionService {
  private readonly logger = new Logger('Recognition');

  constructor(
    private readonly faces: FaceRulesService,
    private readonly users: UsersRepository,
    private readonly vectors: FaceVectorRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async verify(dto: VerifyDto) {
    const user = await this.claimedUser(dto);
    const probe = await this.faces.forProbe(dto.image);
    const threshold = dto.threshold ?? this.config.matching.threshold;
    const best = await this.vectors.bestMatchForUser({ userId: user.id, embedding: probe.embedding });
    const similarity = best ? round(best.similarity) : null;
    const verified = similarity !== null && similarity >= threshold;
    this.logger.log(`verify user ${user.id}: ${verified ? 'accepted' : 'rejected'} (similarity ${similarity ?? 'none'})`);
    return {
      verified,
      similarity,
      threshold,
      confidence: confidenceOf(similarity, threshold, this.config.matching),
      user: { id: user.id, externalId: user.externalId, name: user.name },
    };
  }

  async recognize(dto: RecognizeDto) {
    const threshold = dto.threshold ?? this.config.matching.threshold;
    const probe = await this.faces.forProbe(dto.image);
    const collection = await this.users.findCollection(dto.collection ?? DEFAULT_COLLECTION);
    const hits = collection ? await this.vectors.searchCollection({ collectionId: collection.id, embedding: probe.embedding, topK: dto.topK ?? 1 }) : [];
    const people = new Map((await this.users.findSummaries(hits.map((h) => h.userId))).map((u) => [u.id, u]));
    const candidates = hits
      .filter((h) => people.has(h.userId))
      .map((h) => ({ user: people.get(h.userId)!, similarity: round(h.similarity) }));
    const best = candidates[0];
    // The nearest person is a match only at or above the threshold; otherwise the face is a stranger.
    const match = best !== undefined && best.similarity >= threshold;
    const similarity = best?.similarity ?? null;
    this.logger.log(`recognize in ${collection?.name ?? 'missing collection'}: ${match ? `matched ${best.user.id}` : 'no match'} (${candidates.length} candidates)`);
    return {
      match,
      user: match ? best.user : null,
      similarity,
      confidence: confidenceOf(similarity, threshold, this.config.matching),
      threshold,
      candidates,
      face: { box: probe.box, score: probe.score },
    };
  }

  async detect(image: string | Buffer) {
    const result = await this.faces.detectAll(image);
    return {
      width: result.width,
      height: result.height,
      faces: result.faces.map((f) => ({ box: f.box, score: f.score, landmarks: f.landmarks, quality: f.quality })),
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

  private async claimedUser(dto: VerifyDto) {
    if (!dto.userId && !dto.externalId) throw new DomainError('VALIDATION_FAILED', 'Give userId or externalId.');
    if (dto.userId && dto.externalId) throw new DomainError('VALIDATION_FAILED', 'Give userId or externalId, not both.');
    const collectionName = dto.collection ?? (dto.userId ? undefined : DEFAULT_COLLECTION);
    const collection = collectionName ? await this.users.findCollection(collectionName) : null;
    if (collectionName && !collection) throw userNotFound(dto.userId ?? dto.externalId!);
    const user = dto.userId
      ? await this.users.findById(dto.userId, collection?.id)
      : await this.users.findByExternalId(collection!.id, dto.externalId!);
    if (!user) throw userNotFound(dto.userId ?? dto.externalId!);
    return user;
  }
}

function rethrowWith(error: unknown, field: string): never {
  throw error instanceof DomainError ? error.withDetails({ field }) : error;
}
