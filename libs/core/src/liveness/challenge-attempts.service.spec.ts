import { Logger } from '@nestjs/common';
import { CollectionRef } from '../access/collection-access.service';
import { AttemptBudgetService } from '../lockouts/attempt-budget.service';
import { accessOver, auditLog, callerWith, embedding, FakeCollections } from '../testing/fakes';
import { FakePeople } from '../testing/people';
import { ChallengeAttemptsService, isChargedFailure } from './challenge-attempts.service';

beforeAll(() => Logger.overrideLogger(false));

const caller = callerWith(['recognize'], [], 'key-1');
const collection = { id: 'col-signin', name: 'signin', policy: { matchThreshold: 0.42 } } as CollectionRef;
// The session's collection and another one with a stricter threshold of its own.
const collections = () => new FakeCollections({ default: {}, signin: { matchThreshold: 0.42 }, other: { matchThreshold: 0.9 } });
const edited = { code: 'CHALLENGE_FAILED', reason: 'edited_still' };

function setUp(charge: () => Promise<string> = async () => 'charged') {
  const people = new FakePeople();
  people.seed({ id: 'u-ann', collection: 'signin', faces: [embedding(0)] });
  people.seed({ id: 'u-bob', collection: 'signin', faces: [embedding(1)] });
  people.seed({ id: 'u-elsewhere', collection: 'other', faces: [embedding(2)] });
  const attempts = { charge: jest.fn(charge) };
  const { service: audit, entries } = auditLog();
  const service = new ChallengeAttemptsService(people.asVectors(), attempts as unknown as AttemptBudgetService, audit, accessOver(collections()));
  return { service, attempts, entries };
}

describe('ChallengeAttemptsService', () => {
  it("charges a failure judged on the frames to the enrolled person whose face the session's anchor showed", async () => {
    const { service, attempts, entries } = setUp();
    await expect(service.chargeFailure(caller, collection, embedding(1), edited, 'sess-1')).resolves.toEqual(['u-bob']);
    expect(attempts.charge).toHaveBeenCalledTimes(1);
    expect(attempts.charge).toHaveBeenCalledWith(caller, { action: 'liveness_challenge', id: 'u-bob', collection: 'signin' });
    // The log names whom the failure was charged to (the caller is never told).
    expect(entries).toEqual([
      expect.objectContaining({ action: 'liveness_charge', outcome: 'charged', userId: 'u-bob', details: { sessionId: 'sess-1', failure: 'edited_still' } }),
    ]);
  });

  it("charges no one for a stranger's face, or a session that never saw a face", async () => {
    const { service, attempts } = setUp();
    await expect(service.chargeFailure(caller, collection, embedding(7), edited, 'sess-1')).resolves.toEqual([]);
    await expect(service.chargeFailure(caller, collection, null, edited, 'sess-1')).resolves.toEqual([]);
    expect(attempts.charge).not.toHaveBeenCalled();
  });

  it("charges the person in another collection the key may use, at that collection's threshold: no free rehearsal elsewhere", async () => {
    const { service, attempts, entries } = setUp();
    // The session ran in signin, where the face is nobody; it is someone in "other", which this key may use too.
    await expect(service.chargeFailure(caller, collection, embedding(2), edited, 'sess-1')).resolves.toEqual(['u-elsewhere']);
    expect(attempts.charge).toHaveBeenCalledWith(caller, { action: 'liveness_challenge', id: 'u-elsewhere', collection: 'other' });
    expect(entries).toEqual([expect.objectContaining({ action: 'liveness_charge', collection: 'other', userId: 'u-elsewhere' })]);
    // Below "other"'s own threshold (0.9), though above the session's (0.42): not their face.
    attempts.charge.mockClear();
    await expect(service.chargeFailure(caller, collection, embedding(2, 0.8), edited, 'sess-2')).resolves.toEqual([]);
    expect(attempts.charge).not.toHaveBeenCalled();
  });

  it('charges no one in a collection the key may not use (it could never redeem a token there)', async () => {
    const { service, attempts } = setUp();
    const confined = callerWith(['recognize'], ['signin'], 'key-2');
    await expect(service.chargeFailure(confined, collection, embedding(2), edited, 'sess-1')).resolves.toEqual([]);
    await expect(service.chargeFailure(confined, collection, embedding(1), edited, 'sess-1')).resolves.toEqual(['u-bob']);
    expect(attempts.charge).toHaveBeenCalledTimes(1);
  });

  it('leaves the mistakes a live user makes free, and never throws when the charge cannot be made', async () => {
    const { service, attempts } = setUp(async () => Promise.reject(new Error('database gone')));
    for (const reason of ['step_timeout', 'incomplete', 'too_few_frames', 'wrong_step', 'too_many_frames']) {
      await expect(service.chargeFailure(caller, collection, embedding(0), { code: 'CHALLENGE_FAILED', reason }, 'sess-1')).resolves.toEqual([]);
    }
    expect(attempts.charge).not.toHaveBeenCalled();
    await expect(service.chargeFailure(caller, collection, embedding(0), edited, 'sess-1')).resolves.toEqual([]);
    expect(attempts.charge).toHaveBeenCalledTimes(1);
  });

  it('charges every failure that judged the frames or caught a tampered upload', () => {
    const charged = ['edited_still', 'not_a_rigid_face', 'repeated_frame', 'too_fast', 'stale_step'].map((reason) => ({ code: 'CHALLENGE_FAILED', reason }));
    for (const failure of [...charged, { code: 'SPOOF_SUSPECTED' }, { code: 'LIVENESS_FACE_CHANGED' }]) expect(isChargedFailure(failure)).toBe(true);
    expect(isChargedFailure({ code: 'CHALLENGE_FAILED' })).toBe(false);
  });
});

describe('ChallengeAttemptsService: whom a failure is charged to', () => {
  it('charges every person the anchor matches among the nearest, not only the nearest (a look-alike does not shield the victim)', async () => {
    const people = new FakePeople();
    // The attacker's own enrolled face is nearest the anchor; the victim still matches it at the threshold.
    people.seed({ id: 'u-decoy', collection: 'signin', faces: [embedding(0)] });
    people.seed({ id: 'u-victim', collection: 'signin', faces: [embedding(0, 0.6)] });
    people.seed({ id: 'u-stranger', collection: 'signin', faces: [embedding(3)] });
    const attempts = { charge: jest.fn(async () => 'charged') };
    const service = new ChallengeAttemptsService(
      people.asVectors(),
      attempts as unknown as AttemptBudgetService,
      auditLog().service,
      accessOver(collections()),
    );
    await expect(service.chargeFailure(caller, collection, embedding(0, 0.95), edited, 'sess-1')).resolves.toEqual(['u-decoy', 'u-victim']);
    expect(attempts.charge).toHaveBeenCalledTimes(2);
  });

  it('still charges the victim behind a crowd of decoys: every match among the nearest MAX_TOP_K people', async () => {
    const people = new FakePeople();
    // Faces an attacker enrolled (as other people) nearer its anchor than the victim's own face.
    for (let i = 0; i < 12; i++) people.seed({ id: `u-decoy-${i}`, collection: 'signin', faces: [embedding(0, 0.99 - i * 0.01)] });
    people.seed({ id: 'u-victim', collection: 'signin', faces: [embedding(0, 0.6)] });
    const attempts = { charge: jest.fn(async () => 'charged') };
    const service = new ChallengeAttemptsService(
      people.asVectors(),
      attempts as unknown as AttemptBudgetService,
      auditLog().service,
      accessOver(collections()),
    );
    const charged = await service.chargeFailure(caller, collection, embedding(0), edited, 'sess-1');
    expect(charged).toHaveLength(13);
    expect(charged).toContain('u-victim');
  });
});
