import { Logger } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import type { FaceVectorRepository, SearchHit } from '@facegate/database';
import { CollectionSettings } from '../collections/collection-policy';
import { ExtractedFace, FaceRulesService } from '../face/face-rules.service';
import { LivenessGateService } from '../liveness/liveness-gate.service';
import { TokenRedemption } from '../liveness/liveness-sessions.repository';
import {
  accessOver,
  auditLog,
  budgetOver,
  caller,
  callerWith,
  codeOf,
  domainErrorOf,
  embedding,
  extractedFace,
  FakeAttempts,
  FakeCollections,
  FakeLivenessSessions,
  livenessTokensOver,
  testConfig,
} from '../testing/fakes';
import { userNotFound } from '../users/user-errors';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import { RecognitionService } from './recognition.service';

beforeAll(() => Logger.overrideLogger(false));

// The server's match threshold is 0.42 (the default, pinned here); the liveness threshold 0.04. Three failures lock a key out.
const THRESHOLD = 0.42;
const COLLECTIONS: Record<string, CollectionSettings> = {
  // Liveness reported only, no token needed: the plain 1:1 / 1:N rules.
  default: { purpose: 'photo_search' },
  // The secure default: a passed challenge required, the passive check enforced.
  signin: { purpose: 'sign_in' },
  // Scores below the threshold shown (an operator's opt-in).
  open: { purpose: 'photo_search', exposeScores: true },
  // Passive check enforced, but no token required.
  strict: { purpose: 'photo_search', livenessMode: 'enforce' },
  off: { purpose: 'photo_search', livenessMode: 'off' },
  high: { purpose: 'photo_search', matchThreshold: 0.6 },
};

interface Person {
  id: string;
  externalId: string;
  name: string;
  collection: string;
}
const PEOPLE: Person[] = [
  { id: 'u-ann', externalId: 'ann', name: 'Ann', collection: 'default' },
  { id: 'u-bob', externalId: 'bob', name: 'Bob', collection: 'default' },
  { id: 'u-cat', externalId: 'cat', name: 'Cat', collection: 'default' },
  ...Object.keys(COLLECTIONS)
    .filter((c) => c !== 'default')
    .map((c) => ({ id: `u-${c}`, externalId: 'ann', name: `Ann of ${c}`, collection: c })),
];

function setUp(
  options: {
    best?: number | null;
    /** The best match of the challenge's anchor face (the token's embedding(7) anchor), when it differs from `best`. */
    anchorBest?: number;
    hits?: SearchHit[];
    /** The challenge face's best similarity to these candidates (bestSimilarities). */
    anchorSimilarities?: Record<string, number>;
    probe?: ExtractedFace;
    group?: ExtractedFace[];
    tokens?: Record<string, TokenRedemption>;
  } = {},
) {
  const config = testConfig({ FACEGATE_MATCH_THRESHOLD: String(THRESHOLD), FACEGATE_LIVENESS_THRESHOLD: '0.04', FACEGATE_LOCKOUT_FAILURES: '3' });
  const collections = new FakeCollections(COLLECTIONS);
  const access = accessOver(collections, config);
  const { service: audit, entries } = auditLog();
  const attempts = new FakeAttempts();
  const budget = budgetOver(attempts, audit, config);

  const record = (p: Person) => ({ id: p.id, externalId: p.externalId, name: p.name, collectionId: `col-${p.collection}`, collection: { name: p.collection } });
  const faces = {
    // Names stand for photos; 'not-an-image' is refused as a real bad upload would be, before the engine.
    checkedImage: jest.fn((image: string | Buffer) => {
      if (image === 'not-an-image') throw new DomainError('INVALID_IMAGE', 'The image is corrupt or truncated and cannot be decoded.');
      return image;
    }),
    forProbe: jest.fn(async (image: string | Buffer) => {
      if (image === 'no-face') throw new DomainError('NO_FACE', 'No face was found in the image.');
      return options.probe ?? extractedFace(embedding(0), 0.9);
    }),
    forGroupProbe: jest.fn(async () => options.group ?? [extractedFace(embedding(0), 0.9)]),
  };
  const users = {
    findByExternalId: jest.fn(async (collectionId: string, externalId: string) => {
      const found = PEOPLE.find((p) => `col-${p.collection}` === collectionId && p.externalId === externalId);
      return found ? record(found) : null;
    }),
  };
  const people = {
    visible: jest.fn(async (id: string, who: { collections: string[] }) => {
      const found = PEOPLE.find((p) => p.id === id);
      if (!found || !access.mayUse(who, found.collection)) throw userNotFound(id);
      return record(found);
    }),
  };
  const vectors = {
    bestMatchForUser: jest.fn(async (params: { embedding: Float32Array }) => {
      if (options.anchorBest !== undefined && params.embedding[7] === 1) {
        return { faceId: 'f1', similarity: options.anchorBest };
      }
      return options.best === null ? null : { faceId: 'f1', similarity: options.best ?? 0.8 };
    }),
    searchCollection: jest.fn(async (_params: { collectionId: string; topK: number; found?: (hits: SearchHit[]) => Promise<boolean> }) =>
      (options.hits ?? []).slice(0, _params.topK),
    ),
    // The challenge face against each candidate: as `anchorSimilarities` says, else as the probe's hit.
    bestSimilarities: jest.fn(async (params: { userIds: readonly string[] }) => {
      const probeHit = (id: string) => (options.hits ?? []).find((h) => h.userId === id)?.similarity;
      return new Map(params.userIds.map((id) => [id, options.anchorSimilarities?.[id] ?? probeHit(id) ?? -1]));
    }),
  };
  const sessions = new FakeLivenessSessions(options.tokens);
  const livenessTokens = livenessTokensOver(sessions);
  const service = new RecognitionService(
    faces as unknown as FaceRulesService,
    users as unknown as UsersRepository,
    people as unknown as UsersService,
    vectors as unknown as FaceVectorRepository,
    access,
    budget,
    audit,
    new LivenessGateService(livenessTokens, vectors as unknown as FaceVectorRepository, budget, audit),
    config,
  );
  return { service, faces, vectors, users, attempts, entries, sessions };
}

/** When the fake sessions were opened (FakeAttempts locks end after it: 2026-01-01T00:05Z). */
const OPENED_AT = new Date('2026-01-01T00:00:00Z');
const passed = (passiveMedian: number | null, anchor = embedding(0)): TokenRedemption => ({
  ok: true,
  sessionId: 's1',
  anchorEmbedding: anchor,
  passiveMedian,
  openedAt: OPENED_AT,
});
/** A search hit as the repository returns it, named in the same statement. */
const hit = (userId: string, similarity: number): SearchHit => {
  const person = PEOPLE.find((p) => p.id === userId);
  return { userId, faceId: `f-${userId}`, similarity, externalId: person?.externalId ?? null, name: person?.name ?? 'unknown' };
};
const me = callerWith(['recognize']);

// recognize() answers one face, or every face with `all: true`.
type Recognized = Awaited<ReturnType<RecognitionService['recognize']>>;
const single = async (answer: Promise<Recognized>) => (await answer) as Exclude<Recognized, { faces: unknown }>;
const group = async (answer: Promise<Recognized>) => (await answer) as Extract<Recognized, { faces: unknown }>;

describe('RecognitionService.verify', () => {
  describe('the decision', () => {
    it("accepts at or above the collection's threshold and shows the score, cut to 4 decimals, with its confidence", async () => {
      const { service } = setUp({ best: 0.73219 });
      const body = await service.verify({ userId: 'u-ann', image: 'img' }, me);
      expect(body).toMatchObject({ verified: true, similarity: 0.7321, confidence: 'high', threshold: THRESHOLD, user: { id: 'u-ann', externalId: 'ann' } });
    });

    it('accepts a similarity exactly at the threshold, and refuses one just under it', async () => {
      expect((await setUp({ best: THRESHOLD }).service.verify({ userId: 'u-ann', image: 'img' }, me)).verified).toBe(true);
      expect((await setUp({ best: THRESHOLD - 1e-6 }).service.verify({ userId: 'u-ann', image: 'img' }, me)).verified).toBe(false);
    });

    it('names the claimed person only when the claim is verified', async () => {
      const rejected = await setUp({ best: THRESHOLD - 0.1 }).service.verify({ externalId: 'ann', image: 'img' }, me);
      expect(rejected).toMatchObject({ verified: false, user: null });
      const accepted = await setUp({ best: THRESHOLD + 0.1 }).service.verify({ externalId: 'ann', image: 'img' }, me);
      expect(accepted.user).toMatchObject({ id: 'u-ann', externalId: 'ann' });
    });

    it('refuses when the person has no face to compare with (no score to show)', async () => {
      const body = await setUp({ best: null }).service.verify({ userId: 'u-ann', image: 'img' }, me);
      expect(body).toMatchObject({ verified: false, similarity: null, confidence: null });
    });

    it("never lets a request lower the collection's threshold", async () => {
      const body = await setUp({ best: 0.3 }).service.verify({ userId: 'u-ann', image: 'img', threshold: 0 }, me);
      expect(body).toMatchObject({ verified: false, threshold: THRESHOLD });
    });

    it('lets a request raise the threshold for itself', async () => {
      const body = await setUp({ best: 0.6 }).service.verify({ userId: 'u-ann', image: 'img', threshold: 0.7 }, me);
      expect(body).toMatchObject({ verified: false, threshold: 0.7 });
    });

    it("decides with a collection's own threshold", async () => {
      const body = await setUp({ best: 0.5 }).service.verify({ userId: 'u-high', image: 'img' }, me);
      expect(body).toMatchObject({ verified: false, threshold: 0.6 });
    });

    it('withholds the score and confidence of a rejection unless the collection exposes scores', async () => {
      expect(await setUp({ best: 0.3 }).service.verify({ userId: 'u-ann', image: 'img' }, me)).toMatchObject({ similarity: null, confidence: null });
      expect(await setUp({ best: 0.3 }).service.verify({ userId: 'u-open', image: 'img' }, me)).toMatchObject({
        verified: false,
        similarity: 0.3,
        confidence: 'medium',
      });
    });

    it('audits the outcome with the exact score, whatever the caller was shown', async () => {
      const { service, entries } = setUp({ best: 0.3 });
      await service.verify({ userId: 'u-ann', image: 'img' }, me);
      expect(entries).toContainEqual(expect.objectContaining({ action: 'verify', outcome: 'rejected', userId: 'u-ann', similarity: 0.3, keyId: 'key-1' }));
    });
  });

  describe('the claimed person', () => {
    it('needs exactly one of userId and externalId', async () => {
      const { service, faces } = setUp();
      expect(await codeOf(service.verify({ image: 'img' }, me))).toBe('VALIDATION_FAILED');
      expect(await codeOf(service.verify({ userId: 'u-ann', externalId: 'ann', image: 'img' }, me))).toBe('VALIDATION_FAILED');
      expect(faces.forProbe).not.toHaveBeenCalled();
    });

    it('finds an externalId in the named collection only', async () => {
      const { service } = setUp();
      expect((await service.verify({ externalId: 'ann', collection: 'high', image: 'img' }, me)).user?.id).toBe('u-high');
      expect((await service.verify({ externalId: 'ann', image: 'img' }, me)).user?.id).toBe('u-ann');
      expect(await codeOf(service.verify({ externalId: 'nobody', image: 'img' }, me))).toBe('USER_NOT_FOUND');
    });

    it('answers USER_NOT_FOUND when the userId is not in the collection the request names', async () => {
      const { service, faces } = setUp();
      expect(await codeOf(service.verify({ userId: 'u-ann', collection: 'open', image: 'img' }, me))).toBe('USER_NOT_FOUND');
      expect(faces.forProbe).not.toHaveBeenCalled();
    });

    it('keeps a key bound to collections out of the others: the person is "not found", the collection too', async () => {
      const bound = callerWith(['recognize'], ['open']);
      const { service, faces } = setUp();
      expect(await codeOf(service.verify({ userId: 'u-ann', image: 'img' }, bound))).toBe('USER_NOT_FOUND');
      expect(await codeOf(service.verify({ externalId: 'ann', collection: 'default', image: 'img' }, bound))).toBe('COLLECTION_NOT_FOUND');
      // Its only collection is the one it works in when none is named.
      expect((await service.verify({ externalId: 'ann', image: 'img' }, bound)).user?.id).toBe('u-open');
      expect(faces.forProbe).toHaveBeenCalledTimes(1);
    });
  });

  describe('the attempt budget (3 failures per key and person here)', () => {
    it('locks the key out of the person after 3 rejections, before the engine runs again', async () => {
      const { service, faces, entries } = setUp({ best: 0.1 });
      for (let i = 0; i < 3; i++) expect((await service.verify({ userId: 'u-ann', image: 'img' }, me)).verified).toBe(false);
      const refusal = await domainErrorOf(service.verify({ userId: 'u-ann', image: 'img' }, me));
      expect(refusal.code).toBe('LOCKED_OUT');
      expect(refusal.details).toMatchObject({ retryAfterSeconds: 300 });
      expect(faces.forProbe).toHaveBeenCalledTimes(3);
      expect(entries).toContainEqual(expect.objectContaining({ action: 'lockout', outcome: 'locked', userId: 'u-ann' }));
    });

    it('locks only this key out of this person: another key, or another person, still verifies', async () => {
      const { service, attempts } = setUp({ best: 0.8 });
      attempts.lock('u-ann', 'key-1');
      expect(await codeOf(service.verify({ userId: 'u-ann', image: 'img' }, me))).toBe('LOCKED_OUT');
      expect((await service.verify({ userId: 'u-ann', image: 'img' }, callerWith(['recognize'], [], 'key-2'))).verified).toBe(true);
      expect((await service.verify({ userId: 'u-bob', image: 'img' }, me)).verified).toBe(true);
    });

    it('counts a rejection as a failure and a match as a success (which forgives earlier failures)', async () => {
      const rejected = setUp({ best: 0.1 });
      await rejected.service.verify({ userId: 'u-ann', image: 'img' }, me);
      await rejected.service.verify({ userId: 'u-ann', image: 'img' }, me);
      expect(rejected.attempts.failuresOf('u-ann', 'key-1')).toBe(2);
      expect(rejected.attempts.settled.map((s) => s.outcome)).toEqual(['failure', 'failure']);

      const accepted = setUp({ best: 0.9 });
      accepted.attempts.rows.set('u-ann/key-1', { failures: 2, inFlight: 0, locked: false });
      await accepted.service.verify({ userId: 'u-ann', image: 'img' }, me);
      expect(accepted.attempts.failuresOf('u-ann', 'key-1')).toBe(0);
    });

    it('does not charge a photo without a face, nor a missing liveness token', async () => {
      const { service, attempts } = setUp();
      expect(await codeOf(service.verify({ userId: 'u-ann', image: 'no-face' }, me))).toBe('NO_FACE');
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img' }, me))).toBe('LIVENESS_REQUIRED');
      // The face-less photo's attempt is settled void; the missing token is refused before any attempt is reserved.
      expect(attempts.settled.map((s) => s.outcome)).toEqual(['void']);
      expect(attempts.failuresOf('u-ann', 'key-1')).toBe(0);
      expect(attempts.failuresOf('u-signin', 'key-1')).toBe(0);
    });

    it('charges a spoof like a rejected match', async () => {
      const { service, attempts } = setUp({ probe: extractedFace(embedding(0), 0.01), best: 0.9 });
      expect(await codeOf(service.verify({ userId: 'u-strict', image: 'img' }, me))).toBe('SPOOF_SUSPECTED');
      expect(attempts.failuresOf('u-strict', 'key-1')).toBe(1);
    });
  });

  describe('liveness', () => {
    it('requires a token in a sign-in collection, before any image work', async () => {
      const { service, faces, entries } = setUp();
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img' }, me))).toBe('LIVENESS_REQUIRED');
      expect(faces.forProbe).not.toHaveBeenCalled();
      expect(entries).toContainEqual(expect.objectContaining({ action: 'verify', outcome: 'LIVENESS_REQUIRED' }));
    });

    it('asks a claim by externalId for the token before looking the person up (who is enrolled must not show)', async () => {
      const { service, users, entries } = setUp({ tokens: { 'hash:lt_real': passed(0.5) } });
      for (const externalId of ['nobody', 'ann']) {
        expect(await codeOf(service.verify({ externalId, collection: 'signin', image: 'img' }, me))).toBe('LIVENESS_REQUIRED');
        expect(await codeOf(service.verify({ externalId, collection: 'signin', image: 'img', livenessToken: 'lt_made_up' }, me))).toBe(
          'LIVENESS_TOKEN_INVALID',
        );
      }
      expect(users.findByExternalId).not.toHaveBeenCalled();
      expect(entries).toContainEqual(expect.objectContaining({ action: 'verify', collection: 'signin', outcome: 'LIVENESS_REQUIRED' }));
      // A caller that passed a challenge is told, and the answer spends its token: one challenge, one question.
      expect(await codeOf(service.verify({ externalId: 'nobody', collection: 'signin', image: 'img', livenessToken: 'lt_real' }, me))).toBe('USER_NOT_FOUND');
      expect(await codeOf(service.verify({ externalId: 'ann', collection: 'signin', image: 'img', livenessToken: 'lt_real' }, me))).toBe('LIVENESS_TOKEN_USED');
    });

    it('refuses a bad image before spending the token on it, on /verify and /recognize', async () => {
      const { service, entries } = setUp({ tokens: { 'hash:lt_real': passed(0.5) } });
      const claim = { externalId: 'ann', collection: 'signin', livenessToken: 'lt_real' };
      expect(await codeOf(service.verify({ ...claim, image: 'not-an-image' }, me))).toBe('INVALID_IMAGE');
      expect(entries).toContainEqual(expect.objectContaining({ action: 'verify', collection: 'signin', outcome: 'INVALID_IMAGE' }));
      expect(await codeOf(service.recognize({ collection: 'signin', image: 'not-an-image', livenessToken: 'lt_real' }, me))).toBe('INVALID_IMAGE');
      expect(await codeOf(service.verify({ ...claim, image: 'img' }, me))).not.toMatch(/LIVENESS_TOKEN/);
    });

    it('asks for the token before telling a locked-out key so (failed sessions charged to the person must not show)', async () => {
      const { service, attempts } = setUp({ tokens: { 'hash:lt_real': passed(0.5) } });
      attempts.lock('u-signin', 'key-1');
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img' }, me))).toBe('LIVENESS_REQUIRED');
      // A made-up token is refused as such before the budget is asked (it used to be a free oracle).
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_made_up' }, me))).toBe('LIVENESS_TOKEN_INVALID');
      // Only a caller that passed a challenge learns of the lock.
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_real' }, me))).toBe('LOCKED_OUT');
      // And the answer spent the token: asking again about this person, or anyone, takes another passed challenge.
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_real' }, me))).toBe('LIVENESS_TOKEN_USED');
    });

    it('refuses a token from a session that was open while this key was locked out of the person', async () => {
      // FakeAttempts' locks end at 00:05; this session opened at 00:00. The lock itself is over (unlocked below).
      const { service, attempts } = setUp({ tokens: { 'hash:lt_during': passed(0.5) }, best: 0.9 });
      attempts.lock('u-signin', 'key-1');
      attempts.unlockKeepingHistory('u-signin', 'key-1');
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_during' }, me))).toBe('LIVENESS_TOKEN_INVALID');
      const other = setUp({ tokens: { 'hash:lt_clean': passed(0.5) }, best: 0.9 });
      expect((await other.service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_clean' }, me)).verified).toBe(true);
    });

    it('refuses a probe below the liveness threshold where the passive check is enforced, without a score', async () => {
      const error = await domainErrorOf(setUp({ probe: extractedFace(embedding(0), 0.01) }).service.verify({ userId: 'u-strict', image: 'img' }, me));
      expect(error.code).toBe('SPOOF_SUSPECTED');
      expect(JSON.stringify(error.details)).not.toContain('0.01');
    });

    it('only reports liveness where it is advisory, and neither computes nor reports it where it is off', async () => {
      const advisorySetUp = setUp({ probe: extractedFace(embedding(0), 0.01) });
      const advisory = await advisorySetUp.service.verify({ userId: 'u-ann', image: 'img' }, me);
      expect(advisory).toMatchObject({ verified: true, liveness: { score: 0.01, live: false, mode: 'advisory', challengePassed: false } });
      expect(advisorySetUp.faces.forProbe).toHaveBeenCalledWith('img', { liveness: true });
      const offSetUp = setUp({ probe: extractedFace(embedding(0), 0.01) });
      const off = await offSetUp.service.verify({ userId: 'u-off', image: 'img' }, me);
      expect(off).toMatchObject({ verified: true, liveness: { score: null, live: null, mode: 'off' } });
      expect(offSetUp.faces.forProbe).toHaveBeenCalledWith('img', { liveness: false });
    });

    it("after a passed challenge, judges the session's median under the policy and only reports the probe's own score", async () => {
      const tokens = { 'hash:lt_ok': passed(0.5) };
      const body = await setUp({ probe: extractedFace(embedding(0), 0.01), tokens }).service.verify(
        { userId: 'u-signin', image: 'img', livenessToken: 'lt_ok' },
        me,
      );
      expect(body).toMatchObject({ verified: true, liveness: { score: 0.01, live: false, mode: 'enforce', challengePassed: true } });
    });

    it('refuses a passed challenge whose median is below an enforced threshold (the policy in force now)', async () => {
      const tokens = { 'hash:lt_weak': passed(0.01) };
      const { service } = setUp({ probe: extractedFace(embedding(0), 0.9), tokens });
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_weak' }, me))).toBe('SPOOF_SUSPECTED');
    });

    it('refuses a token for another face, and charges it as a failure', async () => {
      const tokens = { 'hash:lt_other': passed(0.5, embedding(3)) };
      const { service, attempts } = setUp({ tokens });
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_other' }, me))).toBe('LIVENESS_FACE_MISMATCH');
      expect(attempts.failuresOf('u-signin', 'key-1')).toBe(1);
    });

    it('refuses a match when the face that passed the challenge is not the person, and charges it', async () => {
      // The probe matches both the person and the challenge's face; the challenge's face is below the threshold for
      // the person (an anchor tuned to match no one, so that failed sessions were never charged).
      const tokens = { 'hash:lt_tuned': passed(0.5, embedding(7)) };
      const { service, attempts, vectors } = setUp({ tokens, anchorBest: THRESHOLD - 0.01, probe: extractedFace(embedding(7, 0.9), 0.9) });
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_tuned' }, me))).toBe('LIVENESS_FACE_MISMATCH');
      expect(vectors.bestMatchForUser).toHaveBeenCalledWith({ userId: 'u-signin', embedding: embedding(7) });
      expect(attempts.failuresOf('u-signin', 'key-1')).toBe(1);
      const ok = setUp({ tokens: { 'hash:lt_fine': passed(0.5, embedding(7)) }, anchorBest: THRESHOLD, probe: extractedFace(embedding(7, 0.9), 0.9) });
      expect((await ok.service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_fine' }, me)).verified).toBe(true);
    });

    it('uses a token up on its first presentation, and refuses an unknown one', async () => {
      const { service, sessions } = setUp({ tokens: { 'hash:lt_ok': passed(0.5) } });
      await service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_ok' }, me);
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_ok' }, me))).toBe('LIVENESS_TOKEN_USED');
      expect(await codeOf(service.verify({ userId: 'u-signin', image: 'img', livenessToken: 'lt_forged' }, me))).toBe('LIVENESS_TOKEN_INVALID');
      // Bound to the key and the collection of the claimed person.
      expect(sessions.redeemed).toContainEqual(['hash:lt_ok', 'key-1', 'col-signin']);
    });
  });
});

describe('RecognitionService.recognize', () => {
  it('names the nearest person at or above the threshold, with the candidates that reached it', async () => {
    const { service } = setUp({ hits: [hit('u-ann', 0.81234), hit('u-bob', 0.5), hit('u-cat', 0.2)] });
    const body = await single(service.recognize({ image: 'img', topK: 3 }, me));
    expect(body).toMatchObject({ match: true, user: { id: 'u-ann' }, similarity: 0.8123, threshold: THRESHOLD, confidence: 'high' });
    expect(body.candidates).toEqual([
      { user: { id: 'u-ann', externalId: 'ann', name: 'Ann' }, similarity: 0.8123 },
      { user: { id: 'u-bob', externalId: 'bob', name: 'Bob' }, similarity: 0.5 },
    ]);
  });

  it('never answers "the nearest" below the threshold: a stranger gets no name, no score and no candidates', async () => {
    const { service } = setUp({ hits: [hit('u-ann', 0.41), hit('u-bob', 0.3)] });
    const body = await single(service.recognize({ image: 'img', topK: 2 }, me));
    expect(body).toMatchObject({ match: false, user: null, similarity: null, confidence: null, candidates: [] });
    expect(JSON.stringify(body)).not.toMatch(/Ann|Bob/);
  });

  it('shows candidates and the score below the threshold where the collection exposes scores', async () => {
    const { service } = setUp({ hits: [hit('u-open', 0.41), hit('u-ann', 0.3)] });
    const body = await single(service.recognize({ image: 'img', collection: 'open', topK: 2 }, me));
    expect(body).toMatchObject({ match: false, user: null, similarity: 0.41, confidence: 'low' });
    expect(body.candidates.map((c) => [c.user.id, c.similarity])).toEqual([
      ['u-open', 0.41],
      ['u-ann', 0.3],
    ]);
  });

  it('asks the search for topK people (1 by default) in the resolved collection', async () => {
    const { service, vectors } = setUp({ hits: [] });
    await service.recognize({ image: 'img' }, me);
    await service.recognize({ image: 'img', collection: 'high', topK: 5 }, me);
    expect(vectors.searchCollection.mock.calls.map(([p]) => [p.collectionId, p.topK])).toEqual([
      ['col-default', 1],
      ['col-high', 5],
    ]);
  });

  it('lets a request raise the threshold, never lower it', async () => {
    const hits = [hit('u-ann', 0.5)];
    expect(await setUp({ hits }).service.recognize({ image: 'img', threshold: 0.6 }, me)).toMatchObject({ match: false, threshold: 0.6, candidates: [] });
    expect(await setUp({ hits: [hit('u-ann', 0.4)] }).service.recognize({ image: 'img', threshold: 0.1 }, me)).toMatchObject({
      match: false,
      threshold: THRESHOLD,
    });
  });

  it('answers a face that reaches a person this key is locked out of like a stranger, and audits it as locked_out', async () => {
    const { service, attempts, entries } = setUp({ hits: [hit('u-ann', 0.9), hit('u-bob', 0.7)] });
    attempts.lock('u-ann', 'key-1');
    const body = await single(service.recognize({ image: 'img', topK: 2 }, me));
    expect(body).toMatchObject({ match: false, user: null, similarity: null });
    // Bob (0.7) is at the threshold too: listing him with "no match" would say a nearer person was hidden.
    expect(body.candidates).toEqual([]);
    expect(entries).toContainEqual(expect.objectContaining({ action: 'recognize', outcome: 'locked_out', userId: 'u-ann' }));
    // Another key is not locked out.
    expect(await service.recognize({ image: 'img' }, callerWith(['recognize'], [], 'key-2'))).toMatchObject({ match: true, user: { id: 'u-ann' } });
  });

  // Found by this test (fixed): with exposeScores on, the top-level similarity of a locked-out person's face was shown
  // (>= the threshold, with match: false), telling the locked-out guesser "this photo works". Then (a review found it)
  // it showed no score at all, or the next person's at the threshold with match: false: the same tell, said otherwise.
  it("shows a stranger's score for a face that reaches a locked-out person where the collection exposes scores", async () => {
    const locked = (hits: SearchHit[], topK?: number) => {
      const { service, attempts, vectors } = setUp({ hits });
      attempts.lock('u-open', 'key-1');
      return { vectors, answer: single(service.recognize({ image: 'img', collection: 'open', topK }, me)) };
    };
    // The gallery as it answers without the locked person: the nearest other one's score, read beyond topK.
    const one = locked([hit('u-open', 0.9), hit('u-ann', 0.2)]);
    expect(await one.answer).toMatchObject({ match: false, user: null, similarity: 0.2, candidates: [{ user: { id: 'u-ann' }, similarity: 0.2 }] });
    expect(one.vectors.searchCollection.mock.calls[0][0]).toMatchObject({ topK: 9, found: undefined });
    // Someone else at the threshold is hidden as the locked person is (a stranger's answer names no one there).
    const three = locked([hit('u-open', 0.9), hit('u-bob', 0.8), hit('u-cat', 0.3), hit('u-ann', 0.2)], 2);
    const body = await three.answer;
    expect(body).toMatchObject({ match: false, similarity: 0.3 });
    expect(body.candidates.map((c: { user: { id: string } }) => c.user.id)).toEqual(['u-cat', 'u-ann']);
    // At the most people an answer holds, as many are read past the locked one (a review found 50 + 8 capped at 50).
    const many = Array.from({ length: 60 }, (_, i) => hit(`u-${i}`, 0.3 - i * 0.001));
    const full = locked([hit('u-open', 0.9), ...many], 50);
    expect((await full.answer).candidates).toHaveLength(50);
    expect(full.vectors.searchCollection.mock.calls[0][0].topK).toBe(58);
    // Nothing else within reach: no score, as for an empty gallery.
    expect(await locked([hit('u-open', 0.9)]).answer).toMatchObject({ match: false, similarity: null });
  });

  it('reads only the people asked for where scores are not exposed', async () => {
    const { service, vectors } = setUp({ hits: [hit('u-ann', 0.9), hit('u-bob', 0.2)] });
    expect((await single(service.recognize({ image: 'img', topK: 1 }, me))).candidates).toHaveLength(1);
    expect(vectors.searchCollection.mock.calls[0][0].topK).toBe(1);
  });

  it('does not charge the attempt budget (1:N names nobody in advance)', async () => {
    const { service, attempts } = setUp({ hits: [hit('u-ann', 0.1)] });
    await service.recognize({ image: 'img' }, me);
    expect(attempts.settled).toEqual([]);
  });

  it('requires a liveness token in a sign-in collection before any image work, and enforces the passive check', async () => {
    const { service, faces } = setUp();
    expect(await codeOf(service.recognize({ image: 'img', collection: 'signin' }, me))).toBe('LIVENESS_REQUIRED');
    expect(faces.forProbe).not.toHaveBeenCalled();
    const spoof = setUp({ probe: extractedFace(embedding(0), 0.01), hits: [hit('u-strict', 0.9)] });
    expect(await codeOf(spoof.service.recognize({ image: 'img', collection: 'strict' }, me))).toBe('SPOOF_SUSPECTED');
  });

  it('names no one when the face that passed the challenge is not the person the probe matched', async () => {
    const probe = extractedFace(embedding(7, 0.9), 0.9);
    const tuned = setUp({ tokens: { 'hash:lt_tuned': passed(0.5, embedding(7)) }, anchorBest: THRESHOLD - 0.01, probe, hits: [hit('u-signin', 0.9)] });
    expect(await codeOf(tuned.service.recognize({ image: 'img', collection: 'signin', livenessToken: 'lt_tuned' }, me))).toBe('LIVENESS_FACE_MISMATCH');
    const fine = setUp({ tokens: { 'hash:lt_fine': passed(0.5, embedding(7)) }, anchorBest: THRESHOLD, probe, hits: [hit('u-signin', 0.9)] });
    expect(await single(fine.service.recognize({ image: 'img', collection: 'signin', livenessToken: 'lt_fine' }, me))).toMatchObject({ match: true });
  });

  it('lists, after a passed challenge, only the candidates the challenge face matches too', async () => {
    const probe = extractedFace(embedding(7, 0.9), 0.9);
    const hits = [hit('u-signin', 0.9), hit('u-ann', 0.8), hit('u-bob', 0.7)];
    // The probe was tuned towards Ann; the face that passed the challenge is far from her.
    const { service, vectors } = setUp({
      tokens: { 'hash:lt_ok': passed(0.5, embedding(7)) },
      anchorBest: 0.9,
      anchorSimilarities: { 'u-ann': THRESHOLD - 0.01 },
      probe,
      hits,
    });
    const answer = await single(service.recognize({ image: 'img', collection: 'signin', livenessToken: 'lt_ok', topK: 3 }, me));
    expect(answer).toMatchObject({ match: true, user: { id: 'u-signin' } });
    expect(answer.candidates.map((c: { user: { id: string } }) => c.user.id)).toEqual(['u-signin', 'u-bob']);
    // The match itself was checked already (LivenessGateService.assertIsPerson); the others in one statement.
    expect(vectors.bestSimilarities).toHaveBeenCalledWith({ collectionId: 'col-signin', userIds: ['u-ann', 'u-bob'], embedding: embedding(7) });
    // Without a challenge, nothing more is asked of the database.
    const plain = setUp({ hits: [hit('u-ann', 0.9), hit('u-bob', 0.8)] });
    expect((await single(plain.service.recognize({ image: 'img', topK: 2 }, me))).candidates).toHaveLength(2);
    expect(plain.vectors.bestSimilarities).not.toHaveBeenCalled();
  });

  it('checks every other listed person against the challenge face, also when the nearest is locked and not named', async () => {
    const probe = extractedFace(embedding(7, 0.9), 0.9);
    const hits = [hit('u-bob', 0.9), hit('u-ann', 0.8)];
    const { service, attempts } = setUp({
      tokens: { 'hash:lt_ok': passed(0.5, embedding(7)) },
      anchorSimilarities: { 'u-ann': THRESHOLD - 0.01 },
      probe,
      hits,
    });
    attempts.lock('u-bob', 'key-1');
    const answer = await single(service.recognize({ image: 'img', collection: 'signin', livenessToken: 'lt_ok', topK: 2 }, me));
    expect(answer).toMatchObject({ match: false, user: null });
    expect(answer.candidates).toEqual([]);
  });

  it('after a passed challenge, lists no other person this key was locked out of while the session was open', async () => {
    const probe = extractedFace(embedding(7, 0.9), 0.9);
    const hits = [hit('u-signin', 0.9), hit('u-ann', 0.8)];
    const { service, attempts } = setUp({
      tokens: { 'hash:lt_ok': passed(0.5, embedding(7)) },
      anchorBest: 0.9,
      anchorSimilarities: { 'u-ann': 0.8 },
      probe,
      hits,
    });
    // Locked out of Ann until 00:05, after the session opened; no longer locked now.
    attempts.lock('u-ann', 'key-1');
    attempts.unlockKeepingHistory('u-ann', 'key-1');
    const answer = await single(service.recognize({ image: 'img', collection: 'signin', livenessToken: 'lt_ok', topK: 2 }, me));
    expect(answer).toMatchObject({ match: true, user: { id: 'u-signin' } });
    expect(answer.candidates.map((c: { user: { id: string } }) => c.user.id)).toEqual(['u-signin']);
  });

  it('lists no one at the threshold when the nearest person is one the key is locked out of, as for a stranger', async () => {
    const { service, attempts } = setUp({ hits: [hit('u-bob', 0.9), hit('u-ann', 0.8), hit('u-cat', 0.1)] });
    attempts.lock('u-bob', 'key-1');
    const answer = await single(service.recognize({ image: 'img', topK: 3 }, me));
    expect(answer).toMatchObject({ match: false, user: null, candidates: [] });
  });

  it('looks locks up as often for a stranger as for a person the key is locked out of (no timing tell)', async () => {
    // The repository's two passes, as FaceVectorRepository runs them: the first pass's hits, then the full pass's
    // unless `found` accepts the first.
    const run = (first: SearchHit[], full: SearchHit[], lock?: string) => {
      const { service, vectors, attempts } = setUp();
      if (lock) attempts.lock(lock, 'key-1');
      vectors.searchCollection.mockImplementation(async (params) => ((await params.found?.(first)) ? first : full));
      const lookups = jest.spyOn(attempts, 'lockedFor');
      return service.recognize({ image: 'img' }, me).then(() => lookups.mock.calls.length);
    };
    const stranger = await run([hit('u-ann', 0.1)], [hit('u-ann', 0.1)]);
    const locked = await run([hit('u-bob', 0.9)], [hit('u-bob', 0.9)], 'u-bob');
    const match = await run([hit('u-ann', 0.9)], [hit('u-ann', 0.9)]);
    expect(stranger).toBe(2);
    expect(locked).toBe(stranger);
    // A match answered by the first pass reuses that pass's lookup.
    expect(match).toBe(1);
  });

  it('lets a first search pass answer only when it names someone the key may be shown, and only for one result', async () => {
    const { service, vectors, attempts } = setUp({ hits: [hit('u-ann', 0.9)] });
    await service.recognize({ image: 'img' }, me);
    const found = vectors.searchCollection.mock.calls[0][0].found!;
    // A person the key may be shown at the threshold answers; below it, or locked out of, the full pass runs.
    await expect(found([hit('u-ann', 0.9)])).resolves.toBe(true);
    await expect(found([hit('u-ann', THRESHOLD - 0.01)])).resolves.toBe(false);
    await expect(found([])).resolves.toBe(false);
    attempts.lock('u-bob', 'key-1');
    await expect(found([hit('u-bob', 0.95), hit('u-ann', 0.9)])).resolves.toBe(false);
    // More than one result: every one of them must be found, so no first pass.
    await service.recognize({ image: 'img', topK: 3 }, me);
    expect(vectors.searchCollection.mock.calls[1][0].found).toBeUndefined();
  });

  it('audits a match with the person and a miss without one', async () => {
    const { service, entries } = setUp({ hits: [hit('u-ann', 0.9)] });
    await service.recognize({ image: 'img' }, me);
    const miss = setUp({ hits: [hit('u-ann', 0.1)] });
    await miss.service.recognize({ image: 'img' }, me);
    expect(entries).toContainEqual(expect.objectContaining({ action: 'recognize', outcome: 'match', userId: 'u-ann', similarity: 0.9 }));
    expect(miss.entries).toContainEqual(expect.objectContaining({ action: 'recognize', outcome: 'no_match', similarity: 0.1 }));
    expect(miss.entries[0].userId).toBeUndefined();
  });

  it('keeps a bound key out of other collections: COLLECTION_NOT_FOUND, as if they did not exist', async () => {
    const { service, vectors } = setUp();
    const bound = callerWith(['recognize'], ['open', 'high']);
    expect(await codeOf(service.recognize({ image: 'img', collection: 'default' }, bound))).toBe('COLLECTION_NOT_FOUND');
    expect(await codeOf(service.recognize({ image: 'img', collection: 'missing' }, caller()))).toBe('COLLECTION_NOT_FOUND');
    // Bound to two collections, it must name one ("default" is not among them).
    expect(await codeOf(service.recognize({ image: 'img' }, bound))).toBe('COLLECTION_NOT_FOUND');
    expect(vectors.searchCollection).not.toHaveBeenCalled();
  });

  describe('all: every face of a group photo', () => {
    it('answers each face like a single recognition, asking for at most 50 faces', async () => {
      const { service, faces, vectors } = setUp({ group: [extractedFace(embedding(0), 0.9), extractedFace(embedding(1), 0.9)] });
      vectors.searchCollection.mockResolvedValueOnce([hit('u-ann', 0.9)]).mockResolvedValueOnce([hit('u-bob', 0.2)]);
      const body = await group(service.recognize({ image: 'img', all: true }, me));
      expect(faces.forGroupProbe).toHaveBeenCalledWith('img', 50, { liveness: true });
      expect(body.threshold).toBe(THRESHOLD);
      expect(body.faces).toHaveLength(2);
      expect(body.faces[0]).toMatchObject({ match: true, user: { id: 'u-ann' }, similarity: 0.9 });
      expect(body.faces[1]).toMatchObject({ match: false, user: null, similarity: null, candidates: [] });
    });

    it('refuses a liveness token (it binds one face), and cannot serve a collection that requires one', async () => {
      const { service, faces } = setUp();
      expect(await codeOf(service.recognize({ image: 'img', all: true, livenessToken: 'lt_x' }, me))).toBe('VALIDATION_FAILED');
      expect(await codeOf(service.recognize({ image: 'img', all: true, collection: 'signin' }, me))).toBe('LIVENESS_REQUIRED');
      expect(faces.forGroupProbe).not.toHaveBeenCalled();
    });

    it('refuses the whole photo when one face fails an enforced passive check', async () => {
      const { service } = setUp({ group: [extractedFace(embedding(0), 0.9), extractedFace(embedding(1), 0.01)] });
      expect(await codeOf(service.recognize({ image: 'img', all: true, collection: 'strict' }, me))).toBe('SPOOF_SUSPECTED');
    });

    it('names no locked-out person, records them in the audit entry only', async () => {
      const { service, attempts, entries } = setUp({ group: [extractedFace(embedding(0), 0.9)], hits: [hit('u-ann', 0.9)] });
      attempts.lock('u-ann', 'key-1');
      const body = await group(service.recognize({ image: 'img', all: true }, me));
      expect(body.faces[0]).toMatchObject({ match: false, user: null });
      expect(body).not.toHaveProperty('lockedOut');
      expect(entries).toContainEqual(expect.objectContaining({ outcome: 'no_match', details: expect.objectContaining({ lockedOutUsers: ['u-ann'] }) }));
    });
  });
});

describe('RecognitionService.compare', () => {
  it("decides with the collection's threshold and withholds a rejection's score unless exposed", async () => {
    const { service, faces } = setUp();
    // cos(a, b) is the second argument of embedding(0, s), up to float32 rounding.
    faces.forProbe.mockImplementation(async (image: string | Buffer) => extractedFace(image === 'a' ? embedding(0) : embedding(0, 0.5)));
    const match = await service.compare({ imageA: 'a', imageB: 'b' }, me);
    expect(match).toMatchObject({ match: true, confidence: 'medium', threshold: THRESHOLD });
    expect(match.similarity).toBeCloseTo(0.5, 3);
    expect(await service.compare({ imageA: 'a', imageB: 'b', collection: 'high' }, me)).toEqual({
      match: false,
      similarity: null,
      confidence: null,
      threshold: 0.6,
    });
  });

  it('names the image a refusal is about', async () => {
    const { service } = setUp();
    const error = await domainErrorOf(service.compare({ imageA: 'img', imageB: 'no-face' }, me));
    expect(error).toMatchObject({ code: 'NO_FACE', details: { field: 'imageB' } });
  });
});
