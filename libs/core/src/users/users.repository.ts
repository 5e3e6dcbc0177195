import { Injectable } from '@nestjs/common';
import { ExternalIdTakenError, FaceLimitReachedError, OwnerGoneError } from './user-errors';
import { FaceVectorRepository, isForeignKeyViolation, isUniqueViolation, Prisma, PrismaService, ReplicaRouter } from '@facegate/database';
import { KeysetCursor } from '../common/keyset-cursor';
import { ExtractedFace, EMBEDDING_MODEL_ID } from '../face/face-rules.service';

const FACE_FIELDS = { id: true, box: true, score: true, quality: true, createdAt: true } as const;
const USER_FIELDS = {
  id: true,
  externalId: true,
  name: true,
  metadata: true,
  collectionId: true,
  createdAt: true,
  updatedAt: true,
  collection: { select: { name: true } },
  faces: { select: FACE_FIELDS, orderBy: { createdAt: 'asc' as const } },
} as const;

export type UserRecord = Prisma.UserGetPayload<{ select: typeof USER_FIELDS }>;
export type FaceRecord = Prisma.FaceGetPayload<{ select: typeof FACE_FIELDS }>;

/**
 * Users and their faces in the database. Face vectors go through FaceVectorRepository, the only vector SQL. Every
 * committed change to a collection's faces is recorded with ReplicaRouter before it returns, so searches sent to read
 * replicas see it.
 */
@Injectable()
export class UsersRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly vectors: FaceVectorRepository,
    private readonly replicas: ReplicaRouter,
  ) {}

  /** User and faces in one transaction: either all photos are stored or none. */
  async createWithFaces(input: { collectionId: string; name: string; externalId?: string; metadata: object; faces: ExtractedFace[] }): Promise<UserRecord> {
    try {
      const user = await this.prisma.client.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: { collectionId: input.collectionId, name: input.name, externalId: input.externalId ?? null, metadata: input.metadata },
          select: { id: true },
        });
        await this.vectors.insertFaces(tx, this.faceRows(user.id, input.collectionId, input.faces));
        return tx.user.findUniqueOrThrow({ where: { id: user.id }, select: USER_FIELDS });
      });
      await this.replicas.markFacesWritten(input.collectionId);
      return user;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ExternalIdTakenError(input.externalId ?? '');
      }
      // The only parent of a new person is the collection: it was deleted after the request looked it up.
      if (isForeignKeyViolation(error)) throw new OwnerGoneError('collection');
      throw error;
    }
  }

  findById(id: string): Promise<UserRecord | null> {
    return this.prisma.client.user.findUnique({ where: { id }, select: USER_FIELDS });
  }

  findByExternalId(collectionId: string, externalId: string): Promise<UserRecord | null> {
    return this.prisma.client.user.findUnique({ where: { collectionId_externalId: { collectionId, externalId } }, select: USER_FIELDS });
  }

  /** Keyset pagination on (createdAt, id): stable under concurrent inserts, no OFFSET scans. */
  async list(collectionId: string, limit: number, after?: KeysetCursor, search?: string) {
    const text = search ? likeLiteral(search) : undefined;
    const rows = await this.prisma.client.user.findMany({
      where: {
        collectionId,
        AND: [
          text ? { OR: [{ name: { contains: text, mode: 'insensitive' as const } }, { externalId: { contains: text, mode: 'insensitive' as const } }] } : {},
          after ? { OR: [{ createdAt: { gt: after.at } }, { createdAt: after.at, id: { gt: after.id } }] } : {},
        ],
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit + 1,
      select: { id: true, externalId: true, name: true, createdAt: true, _count: { select: { faces: true } } },
    });
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }

  async update(id: string, data: { name?: string; metadata?: object }): Promise<UserRecord | null> {
    const updated = await this.prisma.client.user.updateMany({
      where: { id },
      data: { ...(data.name !== undefined ? { name: data.name } : {}), ...(data.metadata !== undefined ? { metadata: data.metadata } : {}) },
    });
    if (updated.count === 0) return null;
    const user = await this.findById(id);
    // Searches name their hits from the database they ran on: a replica serves them only once it has this rename.
    if (user && data.name !== undefined) await this.replicas.markFacesWritten(user.collectionId);
    return user;
  }

  /** Deletes the user; faces (and their embeddings) go with it by ON DELETE CASCADE, not a soft flag. */
  async delete(id: string): Promise<boolean> {
    const owner = await this.collectionOf(id);
    const { count } = await this.prisma.client.user.deleteMany({ where: { id } });
    if (count > 0 && owner) await this.replicas.markFacesWritten(owner);
    return count > 0;
  }

  /** Adds faces unless the user would exceed `maxFaces`; the user row is locked so parallel adds cannot overshoot. */
  async addFaces(user: { id: string; collectionId: string }, faces: ExtractedFace[], maxFaces: number): Promise<FaceRecord[]> {
    const added = await this.prisma.client.$transaction(async (tx) => {
      // The lock holds the person until commit; no row means they were deleted after the request looked them up.
      const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM users WHERE id = ${user.id}::uuid FOR UPDATE`;
      if (locked.length === 0) throw new OwnerGoneError('user');
      const existing = await tx.face.count({ where: { userId: user.id } });
      if (existing + faces.length > maxFaces) {
        throw new FaceLimitReachedError(existing, maxFaces);
      }
      const inserted = await this.vectors.insertFaces(tx, this.faceRows(user.id, user.collectionId, faces));
      return tx.face.findMany({ where: { id: { in: inserted.map((f) => f.id) } }, select: FACE_FIELDS, orderBy: { createdAt: 'asc' } });
    });
    await this.replicas.markFacesWritten(user.collectionId);
    return added;
  }

  async deleteFace(userId: string, faceId: string): Promise<boolean> {
    const owner = await this.collectionOf(userId);
    const { count } = await this.prisma.client.face.deleteMany({ where: { id: faceId, userId } });
    if (count > 0 && owner) await this.replicas.markFacesWritten(owner);
    return count > 0;
  }

  /**
   * Deletes these faces of the user, all or none: when any id is not one of the user's faces (or went meanwhile), the
   * transaction rolls back and the missing ids are returned instead.
   */
  async deleteFaces(userId: string, faceIds: readonly string[]): Promise<{ deleted: number; remaining: number } | { missing: string[] }> {
    const owner = await this.collectionOf(userId);
    try {
      const result = await this.prisma.client.$transaction(async (tx) => {
        const { count } = await tx.face.deleteMany({ where: { id: { in: [...faceIds] }, userId } });
        if (count !== faceIds.length) throw new IncompleteDeletion();
        return { deleted: count, remaining: await tx.face.count({ where: { userId } }) };
      });
      if (owner) await this.replicas.markFacesWritten(owner);
      return result;
    } catch (error) {
      if (!(error instanceof IncompleteDeletion)) throw error;
      const present = await this.prisma.client.face.findMany({ where: { id: { in: [...faceIds] }, userId }, select: { id: true } });
      const found = new Set(present.map((f) => f.id));
      return { missing: faceIds.filter((id) => !found.has(id)) };
    }
  }

  /** A person's collection (people never move between collections), read before a change that may remove them. */
  private async collectionOf(userId: string): Promise<string | null> {
    const user = await this.prisma.client.user.findUnique({ where: { id: userId }, select: { collectionId: true } });
    return user?.collectionId ?? null;
  }

  private faceRows(userId: string, collectionId: string, faces: ExtractedFace[]) {
    return faces.map((f) => ({
      userId,
      collectionId,
      embedding: f.embedding,
      modelId: EMBEDDING_MODEL_ID,
      box: f.box,
      score: f.score,
      quality: f.quality,
    }));
  }
}

/** Rolls back a batch deletion that did not find every face it was given. */
class IncompleteDeletion extends Error {}

/** Prisma's `contains` becomes ILIKE '%text%' without escaping: `%` and `_` in a search must match themselves. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
