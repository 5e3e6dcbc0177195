import { Logger } from '@nestjs/common';
import { FaceRulesService } from '../face/face-rules.service';
import { accessOver, auditLog, callerWith, codeOf, embedding, FakeCollections, testConfig } from '../testing/fakes';
import { FakePeople } from '../testing/people';
import { UsersService } from '../users/users.service';
import { AttemptBudgetService } from './attempt-budget.service';
import { LivenessGateService } from '../liveness/liveness-gate.service';
import { LockoutRow, LockoutsRepository } from './lockouts.repository';
import { LockoutsService } from './lockouts.service';

beforeAll(() => Logger.overrideLogger(false));

const until = new Date('2026-06-01T12:05:00Z');
const row = (userId: string, collection: string, keyCollections: string[], keyId = `key-${userId}`): LockoutRow => ({
  userId,
  externalId: null,
  name: userId,
  collection,
  keyId,
  keyPrefix: `fg_${keyId}`,
  keyName: `name of ${keyId}`,
  keyCollectionIds: keyCollections.map((name) => `col-${name}`),
  lockedUntil: until,
});

function setUp(rows: LockoutRow[] = []) {
  const config = testConfig();
  const access = accessOver(new FakeCollections({ default: {}, alpha: {}, beta: {} }), config);
  const { service: audit, entries } = auditLog();
  const people = new FakePeople();
  people.seed({ id: 'u-alpha', collection: 'alpha', faces: [embedding(0)] });
  people.seed({ id: 'u-beta', collection: 'beta', faces: [embedding(1)] });
  // Only UsersService.visible is used here: the collaborators it does not need are left empty.
  const users = new UsersService(
    people.asRepository(),
    {} as FaceRulesService,
    access,
    audit,
    people.asVectors(),
    {} as AttemptBudgetService,
    {} as LivenessGateService,
    config,
  );
  const lockouts = { active: jest.fn(async () => rows), clear: jest.fn(async () => 2) };
  const service = new LockoutsService(lockouts as unknown as LockoutsRepository, users, access, audit);
  return { service, lockouts, entries };
}

const admin = callerWith(['admin']);
const alphaAdmin = callerWith(['admin'], ['alpha'], 'key-alpha-admin');

describe('LockoutsService.list', () => {
  it('lists every lock for an unbound admin, 100 at most by default, with the locked key named', async () => {
    const { service, lockouts } = setUp([row('u-alpha', 'alpha', ['beta'])]);
    const { items } = await service.list({}, admin);
    expect(lockouts.active).toHaveBeenCalledWith({ collectionIds: undefined, collection: undefined, userId: undefined, limit: 100 });
    expect(items).toEqual([
      {
        userId: 'u-alpha',
        externalId: null,
        name: 'u-alpha',
        collection: 'alpha',
        keyId: 'key-u-alpha',
        keyPrefix: 'fg_key-u-alpha',
        keyName: 'name of key-u-alpha',
        lockedUntil: until,
      },
    ]);
  });

  it("confines a bound admin to its collections' locks, and to filters inside them", async () => {
    const { service, lockouts } = setUp();
    await service.list({ collection: 'alpha', userId: 'u-alpha', limit: 5 }, alphaAdmin);
    expect(lockouts.active).toHaveBeenCalledWith({ collectionIds: ['col-alpha'], collection: 'alpha', userId: 'u-alpha', limit: 5 });
    expect(await codeOf(service.list({ collection: 'beta' }, alphaAdmin))).toBe('COLLECTION_NOT_FOUND');
    expect(lockouts.active).toHaveBeenCalledTimes(1);
  });

  it('shows a bound admin which key is locked only when it may manage that key', async () => {
    const { service } = setUp([
      row('u-alpha', 'alpha', ['alpha'], 'key-own'),
      row('u-alpha', 'alpha', [], 'key-unbound'),
      row('u-alpha', 'alpha', ['alpha', 'beta'], 'key-wider'),
    ]);
    const { items } = await service.list({}, alphaAdmin);
    expect(items.map((i) => i.keyId)).toEqual(['key-own', null, null]);
    expect(items[1]).toMatchObject({ keyPrefix: null, keyName: null, userId: 'u-alpha', lockedUntil: until });
    expect(items.every((i) => !('keyCollectionIds' in i))).toBe(true);
  });
});

describe('LockoutsService.clear', () => {
  it("clears a person's locks (for one key, or all) and audits how many", async () => {
    const { service, lockouts, entries } = setUp();
    await service.clear('u-alpha', { keyId: 'key-x' }, alphaAdmin);
    await service.clear('u-alpha', {}, admin);
    expect(lockouts.clear.mock.calls).toEqual([
      ['u-alpha', 'key-x'],
      ['u-alpha', undefined],
    ]);
    expect(entries).toEqual([
      expect.objectContaining({
        action: 'lockout_clear',
        collection: 'alpha',
        userId: 'u-alpha',
        outcome: 'success',
        details: { cleared: 2, lockedKeyId: 'key-x' },
      }),
      expect.objectContaining({ action: 'lockout_clear', details: { cleared: 2, lockedKeyId: null } }),
    ]);
  });

  it("answers USER_NOT_FOUND for a person outside a bound admin's collections, clearing nothing", async () => {
    const { service, lockouts } = setUp();
    expect(await codeOf(service.clear('u-beta', {}, alphaAdmin))).toBe('USER_NOT_FOUND');
    expect(await codeOf(service.clear('u-nobody', {}, admin))).toBe('USER_NOT_FOUND');
    expect(lockouts.clear).not.toHaveBeenCalled();
  });
});
