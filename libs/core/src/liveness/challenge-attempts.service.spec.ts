import { Logger } from '@nestjs/common';
import { AttemptBudgetService } from '../lockouts/attempt-budget.service';
import { accessOver, auditLog, callerWith, embedding, FakeCollections } from '../testing/fakes';
import { FakePeople } from '../testing/people';
import { ApiKeysRepository } from '../access/api-keys.repository';
import { ChallengeAttemptsService, isChargedFailure } from './challenge-attempts.service';
import { AbandonedSession, LivenessSessionsRepository } from './liveness-sessions.repository';

beforeAll(() => Logger.overrideLogger(false));

/** Sessions left to expire after a judged frame, as claimAbandoned hands them out (once). */
const abandonedStore: { abandoned: AbandonedSession[] } = { abandoned: [] };
const sessions = { claimAbandoned: jest.fn(async (): Promise<AbandonedSession[]> => abandonedStore.abandoned.splice(0)) };
/** The keys that opened them: key-1 unbound, key-2 bound to signin, key-gone revoked. */
const keys = {
  findActiveById: jest.fn(async (id: string) => {
    if (id === 'key-1') return { id, scopes: ['recognize'], collections: [], collectionIds: [] };
    if (id === 'key-2') return { id, scopes: ['recognize'], collections: ['signin'], collectionIds: ['col-signin'] };
    return null;
  }),
};

const caller = callerWith(['recognize'], [], 'key-1');
/** The session's collection, as chargeFailure names it in its log. */
const collection = 'signin';
// The session's collection and another one with a stricter threshold of its own.
const collections = () => new FakeCollections({ default: {}, signin: { matchThreshold: 0.42 }, other: { matchThreshold: 0.9 } });
const edited = { code: 'CHALLENGE_FAILED', reason: 'edited_still' };

/** The service over these people, with a charge that answers `charge`. */
function serviceOver(people: FakePeople, charge: () => Promise<string> = async () => 'charged') {
  const attempts = {
    charge: jest.fn(async (_c: unknown, _subject: { id: string }) => charge()),
    reserveFor: jest.fn(async (_c: unknown, subject: { id: string }, _seconds: number) => (subject.id === 'u-locked' ? 'refused' : 'reserved')),
    settleReserved: jest.fn(async () => undefined),
  };
  const { service: audit, entries } = auditLog();
  const service = new ChallengeAttemptsService(
    people.asVectors(),
    attempts as unknown as AttemptBudgetService,
    audit,
    accessOver(collections()),
    sessions as unknown as LivenessSessionsRepository,
    keys as unknown as ApiKeysRepository,
  );
  return { service, attempts, entries };
}

function setUp(charge?: () => Promise<string>) {
  const people = new FakePeople();
  people.seed({ id: 'u-ann', collection: 'signin', faces: [embedding(0)] });
  people.seed({ id: 'u-bob', collection: 'signin', faces: [embedding(1)] });
  people.seed({ id: 'u-elsewhere', collection: 'other', faces: [embedding(2)] });
  return serviceOver(people, charge);
}

describe('ChallengeAttemptsService', () => {
  it("charges a failure judged on the frames to the enrolled person whose face the session's anchor showed", async () => {
    const { service, attempts, entries } = setUp();
    await expect(service.chargeFailure(caller, collection, embedding(1), edited, 'sess-1', true)).resolves.toEqual(['u-bob']);
    expect(attempts.charge).toHaveBeenCalledTimes(1);
    expect(attempts.charge).toHaveBeenCalledWith(caller, { action: 'liveness_challenge', id: 'u-bob', collection: 'signin' });
    // The log names whom the failure was charged to (the caller is never told).
    expect(entries).toEqual([
      expect.objectContaining({ action: 'liveness_charge', outcome: 'charged', userId: 'u-bob', details: { sessionId: 'sess-1', failure: 'edited_still' } }),
    ]);
  });

  it("charges no one for a stranger's face, or a session that never saw a face", async () => {
    const { service, attempts } = setUp();
    await expect(service.chargeFailure(caller, collection, embedding(7), edited, 'sess-1', true)).resolves.toEqual([]);
    await expect(service.chargeFailure(caller, collection, null, edited, 'sess-1', true)).resolves.toEqual([]);
    expect(attempts.charge).not.toHaveBeenCalled();
  });

  it("charges the person in another collection the key may use, at that collection's threshold: no free rehearsal elsewhere", async () => {
    const { service, attempts, entries } = setUp();
    // The session ran in signin, where the face is nobody; it is someone in "other", which this key may use too.
    await expect(service.chargeFailure(caller, collection, embedding(2), edited, 'sess-1', true)).resolves.toEqual(['u-elsewhere']);
    expect(attempts.charge).toHaveBeenCalledWith(caller, { action: 'liveness_challenge', id: 'u-elsewhere', collection: 'other' });
    expect(entries).toEqual([expect.objectContaining({ action: 'liveness_charge', collection: 'other', userId: 'u-elsewhere' })]);
    // Below "other"'s own threshold (0.9), though above the session's (0.42): not their face.
    attempts.charge.mockClear();
    await expect(service.chargeFailure(caller, collection, embedding(2, 0.8), edited, 'sess-2', true)).resolves.toEqual([]);
    expect(attempts.charge).not.toHaveBeenCalled();
  });

  it('charges no one in a collection the key may not use (it could never redeem a token there)', async () => {
    const { service, attempts } = setUp();
    const confined = callerWith(['recognize'], ['signin'], 'key-2');
    await expect(service.chargeFailure(confined, collection, embedding(2), edited, 'sess-1', true)).resolves.toEqual([]);
    await expect(service.chargeFailure(confined, collection, embedding(1), edited, 'sess-1', true)).resolves.toEqual(['u-bob']);
    expect(attempts.charge).toHaveBeenCalledTimes(1);
  });

  it('leaves the mistakes a live user makes free, and never throws when the charge cannot be made', async () => {
    const { service, attempts } = setUp(async () => Promise.reject(new Error('database gone')));
    for (const reason of ['step_timeout', 'incomplete', 'too_few_frames', 'wrong_step', 'too_many_frames']) {
      await expect(service.chargeFailure(caller, collection, embedding(0), { code: 'CHALLENGE_FAILED', reason }, 'sess-1')).resolves.toEqual([]);
    }
    expect(attempts.charge).not.toHaveBeenCalled();
    await expect(service.chargeFailure(caller, collection, embedding(0), edited, 'sess-1', true)).resolves.toEqual([]);
    expect(attempts.charge).toHaveBeenCalledTimes(1);
  });

  it("charges a live user's kind of mistake once a frame was judged as the asked movement (no free probe of the judge)", async () => {
    const { service, attempts } = setUp();
    for (const reason of ['step_timeout', 'incomplete', 'wrong_step', 'abandoned']) {
      expect(isChargedFailure({ code: 'CHALLENGE_FAILED', reason }, true)).toBe(true);
      expect(isChargedFailure({ code: 'CHALLENGE_FAILED', reason }, false)).toBe(false);
    }
    await expect(service.chargeFailure(caller, collection, embedding(0), { code: 'CHALLENGE_FAILED', reason: 'wrong_step' }, 'sess-1', true)).resolves.toEqual([
      'u-ann',
    ]);
    expect(attempts.charge).toHaveBeenCalledTimes(1);
  });

  it("charges each abandoned session once, in its own key's budget and scope; a revoked key's charge no one", async () => {
    const { service, attempts, entries } = setUp();
    abandonedStore.abandoned = [
      { id: 'sess-a', keyId: 'key-1', collectionId: 'col-signin', anchorEmbedding: embedding(2) },
      { id: 'sess-b', keyId: 'key-2', collectionId: 'col-signin', anchorEmbedding: embedding(2) },
      { id: 'sess-c', keyId: 'key-2', collectionId: 'col-signin', anchorEmbedding: embedding(1) },
      { id: 'sess-d', keyId: 'key-gone', collectionId: 'col-signin', anchorEmbedding: embedding(1) },
    ];
    await expect(service.chargeAbandoned('req-9')).resolves.toBe(4);
    // key-1 may use "other", where embedding(2) is someone; key-2 may not, so only its signin session charges (u-bob).
    expect(attempts.charge.mock.calls).toEqual([
      [expect.objectContaining({ keyId: 'key-1', requestId: 'req-9' }), { action: 'liveness_challenge', id: 'u-elsewhere', collection: 'other' }],
      [expect.objectContaining({ keyId: 'key-2', collectionIds: ['col-signin'] }), { action: 'liveness_challenge', id: 'u-bob', collection: 'signin' }],
    ]);
    expect(entries.map((e) => (e.details as { failure: string }).failure)).toEqual(['abandoned', 'abandoned']);
    await expect(service.chargeAbandoned('req-10')).resolves.toBe(0);
    expect(attempts.charge).toHaveBeenCalledTimes(2);
  });

  it('charges every failure that judged the frames or caught a tampered upload', () => {
    const charged = ['repeated_frame', 'too_fast', 'stale_step'].map((reason) => ({ code: 'CHALLENGE_FAILED', reason }));
    for (const failure of [...charged, { code: 'SPOOF_SUSPECTED' }, { code: 'LIVENESS_FACE_CHANGED' }]) expect(isChargedFailure(failure)).toBe(true);
    expect(isChargedFailure({ code: 'CHALLENGE_FAILED' })).toBe(false);
    // A failed new-capture test is a verdict only on a judged frame; without one it came from withheld verdicts.
    for (const reason of ['edited_still', 'not_a_rigid_face']) {
      expect(isChargedFailure({ code: 'CHALLENGE_FAILED', reason }, true)).toBe(true);
      expect(isChargedFailure({ code: 'CHALLENGE_FAILED', reason }, false)).toBe(false);
    }
  });
});

describe('ChallengeAttemptsService: attempts reserved at the first judged frame', () => {
  function withLocked() {
    const people = new FakePeople();
    people.seed({ id: 'u-ann', collection: 'signin', faces: [embedding(0)] });
    people.seed({ id: 'u-locked', collection: 'signin', faces: [embedding(0, 0.9)] });
    people.seed({ id: 'u-elsewhere', collection: 'other', faces: [embedding(2)] });
    return serviceOver(people);
  }

  it('reserves an attempt on every person the anchor matches, for the rest of the session and a margin', async () => {
    const { service, attempts } = withLocked();
    await expect(service.reserveJudged(caller, embedding(2), 'sess-1', 42)).resolves.toEqual({
      reserved: [{ userId: 'u-elsewhere', collection: 'other' }],
      withheld: false,
    });
    expect(attempts.reserveFor).toHaveBeenCalledWith(caller, { action: 'liveness_challenge', id: 'u-elsewhere', collection: 'other' }, 72);
    // A stranger's face reserves nothing and withholds nothing.
    await expect(service.reserveJudged(caller, embedding(5), 'sess-2', 42)).resolves.toEqual({ reserved: [], withheld: false });
  });

  it('withholds the verdicts where one matched person cannot be attempted now (locked, or the budget in flight)', async () => {
    const { service } = withLocked();
    await expect(service.reserveJudged(caller, embedding(0), 'sess-1', 30)).resolves.toEqual({
      reserved: [{ userId: 'u-ann', collection: 'signin' }],
      withheld: true,
    });
  });

  it('stops at the first refusal (no slot held only to be freed), and frees what it reserved when a reservation throws', async () => {
    const people = new FakePeople();
    people.seed({ id: 'u-locked', collection: 'signin', faces: [embedding(0)] });
    people.seed({ id: 'u-ann', collection: 'signin', faces: [embedding(0, 0.9)] });
    const { service, attempts } = serviceOver(people);
    await expect(service.reserveJudged(caller, embedding(0), 'sess-1', 30)).resolves.toEqual({ reserved: [], withheld: true });
    expect(attempts.reserveFor).toHaveBeenCalledTimes(1);

    const failing = withLocked();
    failing.attempts.reserveFor.mockResolvedValueOnce('reserved').mockRejectedValueOnce(new Error('database gone'));
    await expect(failing.service.reserveJudged(caller, embedding(0), 'sess-2', 30)).rejects.toThrow('database gone');
    expect(failing.attempts.settleReserved).toHaveBeenCalledWith(caller, { action: 'liveness_challenge', id: 'u-ann', collection: 'signin' }, 'void');
  });

  it("settles a judged session's reserved attempts as its failure, with no second search (they are everyone it matched)", async () => {
    const { service, attempts, entries } = withLocked();
    const reserved = [{ userId: 'u-ann', collection: 'signin' }];
    const search = jest.spyOn(service as unknown as { matchingPeople: () => Promise<unknown> }, 'matchingPeople');
    await expect(service.chargeFailure(caller, collection, embedding(0), edited, 'sess-1', true, reserved)).resolves.toEqual(['u-ann']);
    expect(attempts.settleReserved).toHaveBeenCalledWith(caller, { action: 'liveness_challenge', id: 'u-ann', collection: 'signin' }, 'failure');
    expect(attempts.charge).not.toHaveBeenCalled();
    expect(search).not.toHaveBeenCalled();
    expect(entries.map((e) => [e.userId, e.outcome])).toEqual([['u-ann', 'settled']]);
    // One settle that fails costs the others nothing.
    attempts.settleReserved.mockRejectedValueOnce(new Error('database gone'));
    const two = [
      { userId: 'u-ann', collection: 'signin' },
      { userId: 'u-locked', collection: 'signin' },
    ];
    await expect(service.chargeFailure(caller, collection, embedding(0), edited, 'sess-2', true, two)).resolves.toEqual(['u-ann', 'u-locked']);
    expect(attempts.settleReserved).toHaveBeenLastCalledWith(caller, { action: 'liveness_challenge', id: 'u-locked', collection: 'signin' }, 'failure');
  });

  it('frees the attempts of a passed session without counting them', async () => {
    const { service, attempts } = withLocked();
    await service.releaseReserved(caller, [{ userId: 'u-ann', collection: 'signin' }]);
    expect(attempts.settleReserved).toHaveBeenCalledWith(caller, { action: 'liveness_challenge', id: 'u-ann', collection: 'signin' }, 'void');
    expect(attempts.charge).not.toHaveBeenCalled();
  });

  it('charges, not settles, an abandoned session: its reservations are past their deadline, and a settle would free a newer slot', async () => {
    const { service, attempts } = withLocked();
    abandonedStore.abandoned = [{ id: 'sess-a', keyId: 'key-1', collectionId: 'col-signin', anchorEmbedding: embedding(0) }];
    await expect(service.chargeAbandoned('req-1')).resolves.toBe(1);
    expect(attempts.settleReserved).not.toHaveBeenCalled();
    expect(attempts.charge.mock.calls.map(([, subject]) => subject.id)).toEqual(['u-ann', 'u-locked']);
  });
});

describe('ChallengeAttemptsService: whom a failure is charged to', () => {
  it('charges every person the anchor matches among the nearest, not only the nearest (a look-alike does not shield the victim)', async () => {
    const people = new FakePeople();
    // The attacker's own enrolled face is nearest the anchor; the victim still matches it at the threshold.
    people.seed({ id: 'u-decoy', collection: 'signin', faces: [embedding(0)] });
    people.seed({ id: 'u-victim', collection: 'signin', faces: [embedding(0, 0.6)] });
    people.seed({ id: 'u-stranger', collection: 'signin', faces: [embedding(3)] });
    const { service, attempts } = serviceOver(people);
    await expect(service.chargeFailure(caller, collection, embedding(0, 0.95), edited, 'sess-1', true)).resolves.toEqual(['u-decoy', 'u-victim']);
    expect(attempts.charge).toHaveBeenCalledTimes(2);
  });

  it('still charges the victim behind a crowd of decoys: every match among the nearest MAX_TOP_K people', async () => {
    const people = new FakePeople();
    // Faces an attacker enrolled (as other people) nearer its anchor than the victim's own face.
    for (let i = 0; i < 12; i++) people.seed({ id: `u-decoy-${i}`, collection: 'signin', faces: [embedding(0, 0.99 - i * 0.01)] });
    people.seed({ id: 'u-victim', collection: 'signin', faces: [embedding(0, 0.6)] });
    const { service, attempts } = serviceOver(people);
    const charged = await service.chargeFailure(caller, collection, embedding(0), edited, 'sess-1', true);
    expect(charged).toHaveLength(13);
    expect(charged).toContain('u-victim');
    expect(attempts.charge).toHaveBeenCalledTimes(13);
  });
});
