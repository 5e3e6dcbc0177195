/*
 * Small hand-written fakes for the unit tests of the domain services (*.spec.ts): no database, no models, no timers.
 * Each fake keeps its state in memory and exposes it, so a test can both arrange the world and read what the service
 * did to it. The services themselves are always built with `new Service(...)` in the tests.
 */
import { DomainError } from '@facegate/common';
import type { Box, FaceQuality } from '@facegate/face-engine';
import { CallerContext, Scope } from '../access/actor';
import { CollectionAccessService } from '../access/collection-access.service';
import { AuditEntry, AuditRepository } from '../audit/audit.repository';
import { AuditService } from '../audit/audit.service';
import { CollectionSettings } from '../collections/collection-policy';
import { CollectionsRepository } from '../collections/collections.repository';
import { Clock } from '../common/clock';
import { AppConfig, loadConfig } from '../config/app-config';
import { ExtractedFace } from '../face/face-rules.service';
import { AttemptBudgetService } from '../lockouts/attempt-budget.service';
import { AttemptOutcome, AttemptsRepository, BudgetRules, Lock, Refusal } from '../lockouts/attempts.repository';
import { LivenessSecretsService } from '../liveness/liveness-secrets.service';
import { LivenessSessionsRepository, TokenRedemption } from '../liveness/liveness-sessions.repository';
import { LivenessTokenService } from '../liveness/liveness-token.service';

/** The validated configuration with its defaults, plus any variables a test sets (never the process's environment). */
export function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig(env, false);
}

export function caller(overrides: Partial<CallerContext> = {}): CallerContext {
  return { keyId: 'key-1', scopes: ['admin'], collections: [], clientIp: '127.0.0.1', requestId: 'req-1', ...overrides };
}

/** A caller as a key makes it: its collections' names, and the ids FakeCollections gives them (col-<name>). */
export function callerWith(scopes: Scope[], collections: string[] = [], keyId = 'key-1'): CallerContext {
  return caller({ scopes, collections, collectionIds: collections.map((name) => `col-${name}`), keyId });
}

export const EMBEDDING_LENGTH = 8;

/**
 * A unit embedding: `axis` picks the person (different axes are orthogonal: similarity 0), and `towards` tilts it
 * towards another axis so that its similarity to `axis`'s own vector is exactly `similarity`.
 */
export function embedding(axis: number, similarity = 1, towards = (axis + 1) % EMBEDDING_LENGTH): Float32Array {
  const v = new Float32Array(EMBEDDING_LENGTH);
  v[axis] = similarity;
  v[towards] = Math.sqrt(Math.max(0, 1 - similarity * similarity));
  return v;
}

const QUALITY: FaceQuality = { sizePx: 200, detectorScore: 0.99, sharpness: 100, brightness: 0.5, yaw: 0, pitch: 0, roll: 0 };
const BOX: Box = { x: 10, y: 10, width: 200, height: 200 };

export function extractedFace(vector: Float32Array, liveness?: number): ExtractedFace {
  return { embedding: vector, box: BOX, score: 0.99, quality: QUALITY, liveness };
}

/** A clock that only moves when told. */
export class FakeClock {
  now = 1_000;

  monotonicMs(): number {
    return this.now;
  }

  advance(ms: number): void {
    this.now += ms;
  }
}

/** The real AuditService over an in-memory log (its rules are tiny; the entries are what the tests read). */
export function auditLog(): { service: AuditService; entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  const repository = {
    insert: (entry: AuditEntry): Promise<void> => {
      entries.push(entry);
      return Promise.resolve();
    },
  };
  return { service: new AuditService(repository as unknown as AuditRepository), entries };
}

export interface StoredCollection {
  id: string;
  name: string;
  description: string | null;
  settings: CollectionSettings | null;
  users: number;
  faces: number;
}

/** Collections by name, with the subset of CollectionsRepository the services call. */
export class FakeCollections {
  readonly rows = new Map<string, StoredCollection>();
  /** Names looked up, in order: a key must not reach the store for a collection it may not use. */
  readonly lookups: string[] = [];

  constructor(collections: Record<string, CollectionSettings | null> = { default: {} }) {
    for (const [name, settings] of Object.entries(collections)) this.add(name, settings);
  }

  add(name: string, settings: CollectionSettings | null = {}): StoredCollection {
    const row = { id: `col-${name}`, name, description: null, settings, users: 0, faces: 0 };
    this.rows.set(name, row);
    return row;
  }

  findSettings(name: string) {
    this.lookups.push(name);
    const row = this.rows.get(name);
    return Promise.resolve(row ? { id: row.id, name: row.name, settings: row.settings } : null);
  }

  listSettings(ids?: readonly string[]) {
    const rows = [...this.rows.values()].filter((r) => !ids || ids.includes(r.id));
    return Promise.resolve(rows.map((row) => ({ id: row.id, name: row.name, settings: row.settings })));
  }

  findSettingsById(id: string) {
    const row = [...this.rows.values()].find((r) => r.id === id);
    return Promise.resolve(row ? { id: row.id, name: row.name, settings: row.settings } : null);
  }

  find(name: string) {
    this.lookups.push(name);
    const row = this.rows.get(name);
    return Promise.resolve(row ? record(row) : null);
  }

  list(ids?: string[]) {
    const rows = [...this.rows.values()].filter((r) => !ids || ids.includes(r.id)).sort((a, b) => a.name.localeCompare(b.name));
    return Promise.resolve(rows.map(record));
  }

  create(data: { name: string; description?: string; settings: object }) {
    // What Prisma throws on a unique index (see isUniqueViolation).
    if (this.rows.has(data.name)) return Promise.reject(Object.assign(new Error('Unique constraint failed on name'), { code: 'P2002' }));
    const row = this.add(data.name, data.settings as CollectionSettings);
    row.description = data.description ?? null;
    return Promise.resolve(record(row));
  }

  update(id: string, data: { description?: string; settings?: object }) {
    const row = [...this.rows.values()].find((r) => r.id === id);
    if (!row) return Promise.resolve(null);
    if (data.description !== undefined) row.description = data.description;
    if (data.settings !== undefined) row.settings = data.settings as CollectionSettings;
    return Promise.resolve(record(row));
  }

  delete(id: string) {
    const row = [...this.rows.values()].find((r) => r.id === id);
    if (!row) return Promise.resolve(null);
    this.rows.delete(row.name);
    return Promise.resolve({ users: row.users, faces: row.faces, keysRevoked: 0, keysUnbound: 0 });
  }

  asRepository(): CollectionsRepository {
    return this as unknown as CollectionsRepository;
  }
}

function record(row: StoredCollection) {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    settings: row.settings as object | null,
    createdAt: at,
    updatedAt: at,
    _count: { users: row.users, faces: row.faces },
  };
}

/** The real access rules over fake collections. */
export function accessOver(collections: FakeCollections, config: AppConfig = testConfig()): CollectionAccessService {
  return new CollectionAccessService(collections.asRepository(), config);
}

interface BudgetRow {
  failures: number;
  inFlight: number;
  locked: boolean;
  /** When an ended lock ended (epoch ms). */
  lockedUntil?: number;
}

/**
 * The attempt budget's storage, without time: failures and attempts in flight per (person, key); a lock lasts until
 * cleared. Enough to see a service charge failures and refuse a locked key.
 */
export class FakeAttempts {
  readonly rows = new Map<string, BudgetRow>();
  readonly settled: Array<{ userId: string; keyId: string; outcome: AttemptOutcome }> = [];

  private row(userId: string, keyId: string): BudgetRow {
    const key = `${userId}/${keyId}`;
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = { failures: 0, inFlight: 0, locked: false }));
    return row;
  }

  failuresOf(userId: string, keyId: string): number {
    return this.row(userId, keyId).failures;
  }

  lock(userId: string, keyId: string): void {
    this.row(userId, keyId).locked = true;
  }

  reserve(userId: string, keyId: string, rules: BudgetRules): Promise<'reserved' | 'refused' | 'gone'> {
    const row = this.row(userId, keyId);
    if (row.locked || row.failures + row.inFlight >= rules.maxFailures) return Promise.resolve('refused');
    row.inFlight++;
    return Promise.resolve('reserved');
  }

  refusal(userId: string, keyId: string): Promise<Refusal> {
    return Promise.resolve({ locked: this.row(userId, keyId).locked, retryAfterSeconds: 300 });
  }

  settle(userId: string, keyId: string, outcome: AttemptOutcome, rules: BudgetRules): Promise<Lock | 'withheld' | null> {
    this.settled.push({ userId, keyId, outcome });
    const row = this.row(userId, keyId);
    row.inFlight = Math.max(0, row.inFlight - 1);
    if (row.locked) return Promise.resolve(outcome === 'void' ? null : 'withheld');
    const failures = outcome === 'success' ? 0 : row.failures + (outcome === 'failure' ? 1 : 0);
    const lock = failures >= rules.maxFailures;
    row.failures = lock ? 0 : failures;
    if (lock) row.locked = true;
    return Promise.resolve(lock ? { lockedUntil: new Date('2026-01-01T00:05:00Z'), failures, horizon: 'window' } : null);
  }

  /** Ends the lock now, as its cool-down running out would: the key was still locked until 00:05 (lockedAfter). */
  unlockKeepingHistory(userId: string, keyId: string): void {
    const row = this.row(userId, keyId);
    row.locked = false;
    row.lockedUntil = Date.parse('2026-01-01T00:05:00Z');
  }

  /** Locks here end at 2026-01-01T00:05Z (see settle). */
  lockedAfter(keyId: string, userIds: readonly string[], at: Date): Promise<Set<string>> {
    const lockedAfterAt = (userId: string) => {
      const row = this.rows.get(`${userId}/${keyId}`);
      const until = row?.locked ? Date.parse('2026-01-01T00:05:00Z') : row?.lockedUntil;
      return until !== undefined && at.getTime() < until;
    };
    return Promise.resolve(new Set(userIds.filter(lockedAfterAt)));
  }

  lockedFor(keyId: string, userIds: string[]): Promise<Set<string>> {
    return Promise.resolve(new Set(userIds.filter((id) => this.rows.get(`${id}/${keyId}`)?.locked)));
  }
}

/** The real attempt budget over fake storage and a still clock. */
export function budgetOver(attempts: FakeAttempts, audit: AuditService, config: AppConfig = testConfig()): AttemptBudgetService {
  return new AttemptBudgetService(attempts as unknown as AttemptsRepository, audit, new FakeClock() as Clock, config);
}

/** Settles a promise into the DomainError code it rejected with, or 'resolved'. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (error) {
    return error instanceof DomainError ? error.code : `not coded: ${String(error)}`;
  }
}

/** The DomainError a promise rejected with (fails the test when it resolved or threw something else). */
export async function domainErrorOf(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError, but the promise resolved');
}

/**
 * Passed sessions' tokens by hash ("hash:" + the token), single use like the repository's: the second presentation is
 * "used". `redeemed` lists the redemptions asked for, as (hash, key, collection id).
 */
export class FakeLivenessSessions {
  readonly tokens: Map<string, TokenRedemption>;
  readonly redeemed: Array<[string, string, string]> = [];

  constructor(tokens: Record<string, TokenRedemption> = {}) {
    this.tokens = new Map(Object.entries(tokens));
  }

  redeemToken(hash: string, keyId: string, collectionId: string): Promise<TokenRedemption> {
    this.redeemed.push([hash, keyId, collectionId]);
    const found = this.tokens.get(hash);
    if (!found) return Promise.resolve({ ok: false, reason: 'invalid' });
    this.tokens.set(hash, { ok: false, reason: 'used' });
    return Promise.resolve(found);
  }
}

/** The real token service over FakeLivenessSessions, with "hash:" + value standing in for the hash. */
export function livenessTokensOver(sessions: FakeLivenessSessions): LivenessTokenService {
  const secrets = { hash: (value: string | Uint8Array) => `hash:${String(value)}` };
  return new LivenessTokenService(sessions as unknown as LivenessSessionsRepository, secrets as unknown as LivenessSecretsService);
}
