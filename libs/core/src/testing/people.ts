/*
 * People and their faces in memory: the subset of UsersRepository and FaceVectorRepository that the services call,
 * over one shared store. Similarities are real cosine similarities of the stored embeddings (see fakes.embedding),
 * so duplicate and mismatch rules are exercised with numbers the test chose.
 */
import { cosineSimilarity } from '@facegate/face-engine';
import type { FaceVectorRepository, SearchHit } from '@facegate/database';
import { ExtractedFace } from '../face/face-rules.service';
import { ExternalIdTakenError, FaceLimitReachedError, OwnerGoneError } from '../users/user-errors';
import { FaceRecord, UserRecord, UsersRepository } from '../users/users.repository';

interface StoredFace {
  id: string;
  embedding: Float32Array;
  createdAt: Date;
}

interface StoredUser {
  id: string;
  collectionId: string;
  collection: string;
  name: string;
  externalId: string | null;
  metadata: Record<string, unknown>;
  faces: StoredFace[];
  createdAt: Date;
}

const AT = new Date('2026-01-01T00:00:00Z');

export class FakePeople {
  readonly users = new Map<string, StoredUser>();
  /** Set to make the next createWithFaces lose an externalId race (the database's unique index refuses it). */
  loseExternalIdRace = false;
  /** Collection ids deleted after a request looked them up: createWithFaces meets the foreign key, as in the database. */
  readonly deletedCollections = new Set<string>();
  private next = 1;

  /** Arranges an enrolled person directly in the store. */
  seed(input: { id?: string; collection: string; name?: string; externalId?: string | null; faces: Float32Array[] }): StoredUser {
    const id = input.id ?? `u-${this.next++}`;
    const user: StoredUser = {
      id,
      collectionId: `col-${input.collection}`,
      collection: input.collection,
      name: input.name ?? id,
      externalId: input.externalId ?? null,
      metadata: {},
      faces: input.faces.map((embedding) => ({ id: `f-${this.next++}`, embedding, createdAt: AT })),
      createdAt: AT,
    };
    this.users.set(id, user);
    return user;
  }

  facesOf(id: string): number {
    return this.users.get(id)?.faces.length ?? 0;
  }

  private record(user: StoredUser): UserRecord {
    return {
      id: user.id,
      externalId: user.externalId,
      name: user.name,
      metadata: user.metadata,
      collectionId: user.collectionId,
      createdAt: user.createdAt,
      updatedAt: user.createdAt,
      collection: { name: user.collection },
      faces: user.faces.map(faceRecord),
    } as UserRecord;
  }

  private collectionName(collectionId: string): string {
    return collectionId.replace(/^col-/, '');
  }

  /** UsersRepository */
  readonly repository = {
    createWithFaces: (input: { collectionId: string; name: string; externalId?: string; metadata: object; faces: ExtractedFace[] }): Promise<UserRecord> => {
      if (this.loseExternalIdRace) return Promise.reject(new ExternalIdTakenError(input.externalId ?? ''));
      if (this.deletedCollections.has(input.collectionId)) return Promise.reject(new OwnerGoneError('collection'));
      const user = this.seed({
        collection: this.collectionName(input.collectionId),
        name: input.name,
        externalId: input.externalId ?? null,
        faces: input.faces.map((f) => f.embedding),
      });
      user.metadata = input.metadata as Record<string, unknown>;
      return Promise.resolve(this.record(user));
    },
    findById: (id: string): Promise<UserRecord | null> => {
      const user = this.users.get(id);
      return Promise.resolve(user ? this.record(user) : null);
    },
    findByExternalId: (collectionId: string, externalId: string): Promise<UserRecord | null> => {
      const user = [...this.users.values()].find((u) => u.collectionId === collectionId && u.externalId === externalId);
      return Promise.resolve(user ? this.record(user) : null);
    },
    update: (id: string, data: { name?: string; metadata?: object }): Promise<UserRecord | null> => {
      const user = this.users.get(id);
      if (!user) return Promise.resolve(null);
      if (data.name !== undefined) user.name = data.name;
      if (data.metadata !== undefined) user.metadata = data.metadata as Record<string, unknown>;
      return Promise.resolve(this.record(user));
    },
    delete: (id: string): Promise<boolean> => Promise.resolve(this.users.delete(id)),
    addFaces: (target: { id: string; collectionId: string }, faces: ExtractedFace[], maxFaces: number): Promise<FaceRecord[]> => {
      const user = this.users.get(target.id);
      // As the repository: the person's row lock finds no row once the person is gone.
      if (!user) return Promise.reject(new OwnerGoneError('user'));
      const existing = user.faces.length;
      if (existing + faces.length > maxFaces) {
        return Promise.reject(new FaceLimitReachedError(existing, maxFaces));
      }
      const added = faces.map((f) => ({ id: `f-${this.next++}`, embedding: f.embedding, createdAt: AT }));
      user.faces.push(...added);
      return Promise.resolve(added.map(faceRecord));
    },
    deleteFace: (userId: string, faceId: string): Promise<boolean> => {
      const user = this.users.get(userId);
      const before = user?.faces.length ?? 0;
      if (user) user.faces = user.faces.filter((f) => f.id !== faceId);
      return Promise.resolve((user?.faces.length ?? 0) < before);
    },
    list: (collectionId: string, limit: number) => {
      const rows = [...this.users.values()].filter((u) => u.collectionId === collectionId);
      return Promise.resolve({
        rows: rows
          .slice(0, limit)
          .map((u) => ({ id: u.id, externalId: u.externalId, name: u.name, createdAt: u.createdAt, _count: { faces: u.faces.length } })),
        more: rows.length > limit,
      });
    },
  };

  /** FaceVectorRepository: exact search, best face per person, nearest first. */
  readonly vectors = {
    searchCollection: (params: { collectionId: string; embedding: Float32Array; topK: number }): Promise<SearchHit[]> => {
      const hits = [...this.users.values()]
        .filter((u) => u.collectionId === params.collectionId && u.faces.length > 0)
        .map((u) => {
          const best = u.faces
            .map((f) => ({ faceId: f.id, similarity: cosineSimilarity(f.embedding, params.embedding) }))
            .sort((a, b) => b.similarity - a.similarity)[0];
          return { userId: u.id, faceId: best.faceId, similarity: best.similarity, externalId: u.externalId, name: u.name };
        })
        .sort((a, b) => b.similarity - a.similarity);
      return Promise.resolve(hits.slice(0, params.topK));
    },
    bestMatchForUser: (params: { userId: string; embedding: Float32Array }): Promise<{ faceId: string; similarity: number } | null> => {
      const scored = (this.users.get(params.userId)?.faces ?? []).map((f) => ({ faceId: f.id, similarity: cosineSimilarity(f.embedding, params.embedding) }));
      return Promise.resolve(scored.sort((a, b) => b.similarity - a.similarity)[0] ?? null);
    },
    worstMatchForUser: (params: { userId: string; embedding: Float32Array }): Promise<number | null> => {
      const faces = this.users.get(params.userId)?.faces ?? [];
      if (faces.length === 0) return Promise.resolve(null);
      return Promise.resolve(Math.min(...faces.map((f) => cosineSimilarity(f.embedding, params.embedding))));
    },
  };

  asRepository(): UsersRepository {
    return this.repository as unknown as UsersRepository;
  }

  asVectors(): FaceVectorRepository {
    return this.vectors as unknown as FaceVectorRepository;
  }
}

function faceRecord(face: StoredFace): FaceRecord {
  return { id: face.id, box: { x: 0, y: 0, width: 200, height: 200 }, score: 0.99, quality: {}, createdAt: face.createdAt } as FaceRecord;
}
