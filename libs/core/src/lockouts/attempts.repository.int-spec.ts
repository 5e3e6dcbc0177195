import { Logger } from '@nestjs/common';
import { DEFAULT_DATABASE_OPTIONS, PrismaService } from '@facegate/database';
import { createTempDir, createTestDatabase, TempDir, TestDatabase } from '../../../database/src/testing/test-database';
import { AttemptsRepository, BudgetRules } from './attempts.repository';
import { LockoutsRepository } from './lockouts.repository';

type Backend = 'postgres' | 'embedded';
const RULES: BudgetRules = { maxFailures: 5, windowSeconds: 180, cooldownSeconds: 300, dailyFailures: 1000, daySeconds: 86_400, staleSeconds: 90 };
// A day's budget small enough to spend in a test, with a window's budget that successes keep clearing.
const DAY: BudgetRules = { ...RULES, maxFailures: 3, dailyFailures: 5, daySeconds: 3600 };
const BURST = 50;

// The SQL of the attempt budget against both databases: a concurrent burst cannot reserve more than the budget, and
// the budget is per (person, key).
describe.each<Backend>(['postgres', 'embedded'])('AttemptsRepository on %s', (backend) => {
  let testDb: TestDatabase | undefined;
  let dataDir: TempDir | undefined;
  let prisma: PrismaService;
  let attempts: AttemptsRepository;
  let collectionId: string;
  let keyA: string;
  let keyB: string;

  const newUser = async () => (await prisma.client.user.create({ data: { collectionId, name: 'p' } })).id;
  const row = (userId: string, keyId: string) => prisma.client.verificationLockout.findUnique({ where: { userId_keyId: { userId, keyId } } });
  const fail = async (userId: string, keyId: string, rules = RULES) => {
    expect(await attempts.reserve(userId, keyId, rules)).toBe('reserved');
    return attempts.settle(userId, keyId, 'failure', rules);
  };

  beforeAll(async () => {
    Logger.overrideLogger(['warn', 'error']);
    if (backend === 'postgres') testDb = await createTestDatabase();
    else dataDir = createTempDir('facegate-attempts');
    prisma = new PrismaService({ ...DEFAULT_DATABASE_OPTIONS, url: testDb?.url, dataDir: dataDir?.path ?? '', poolSize: 10 });
    await prisma.onModuleInit();
    attempts = new AttemptsRepository(prisma);
    collectionId = (await prisma.client.collection.create({ data: { name: 'c' } })).id;
    const key = (name: string) => prisma.client.apiKey.create({ data: { name, prefix: name, hash: name, scopes: ['recognize'] } });
    keyA = (await key('key-a')).id;
    keyB = (await key('key-b')).id;
  });

  afterAll(async () => {
    await prisma?.onModuleDestroy();
    await testDb?.drop();
    dataDir?.remove();
  });

  it(`reserves exactly the budget out of ${BURST} concurrent attempts, and frees it as they settle`, async () => {
    const userId = await newUser();
    const granted = await Promise.all(Array.from({ length: BURST }, () => attempts.reserve(userId, keyA, RULES)));
    expect(granted.filter((g) => g === 'reserved')).toHaveLength(RULES.maxFailures);
    expect(granted.filter((g) => g === 'refused')).toHaveLength(BURST - RULES.maxFailures);
    expect(await attempts.refusal(userId, keyA, RULES)).toEqual({ locked: false, retryAfterSeconds: expect.any(Number) });
    // Void outcomes (no face, engine busy) only free their reservations.
    for (let i = 0; i < RULES.maxFailures; i++) await attempts.settle(userId, keyA, 'void', RULES);
    expect(await row(userId, keyA)).toMatchObject({ inFlight: 0, failures: 0, lockedUntil: null });
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('reserved');
  });

  it("keeps a liveness session's longer reservation in flight when a /verify's shorter one follows it", async () => {
    const userId = await newUser();
    expect(await attempts.reserve(userId, keyA, { ...RULES, staleSeconds: 600 })).toBe('reserved');
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('reserved');
    const held = await row(userId, keyA);
    expect(held?.inFlight).toBe(2);
    // The row's one deadline is the latest of the two (a session's), not the last one set (the /verify's 90 s).
    expect(held!.inFlightUntil!.getTime() - Date.now()).toBeGreaterThan(500_000);
    await attempts.settle(userId, keyA, 'void', RULES);
    await attempts.settle(userId, keyA, 'void', RULES);
    expect(await row(userId, keyA)).toMatchObject({ inFlight: 0 });
  });

  it("settles a liveness session's attempt as a failure on a key locked meanwhile: it fills the slow budget and frees its slot", async () => {
    const userId = await newUser();
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('reserved');
    for (let i = 0; i < RULES.maxFailures; i++) await attempts.charge(userId, keyA, RULES);
    const before = await row(userId, keyA);
    expect(before!.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(await attempts.settleJudged(userId, keyA, RULES)).toBeNull();
    const after = await row(userId, keyA);
    expect(after?.inFlight).toBe(0);
    // settle() would count nothing here (a /verify settled during a lock is withheld, not answered); a session's
    // verdicts were answered.
    expect(after!.dayLevel).toBeCloseTo(before!.dayLevel + 1, 2);
    // Not locked: it counts like any failure, and frees its slot.
    const other = await newUser();
    expect(await attempts.reserve(other, keyA, RULES)).toBe('reserved');
    expect(await attempts.settleJudged(other, keyA, RULES)).toBeNull();
    expect(await row(other, keyA)).toMatchObject({ inFlight: 0, failures: 1 });
  });

  it('locks the key out of the person at the fifth failure, and only that key', async () => {
    const userId = await newUser();
    for (let i = 1; i < RULES.maxFailures; i++) expect(await fail(userId, keyA)).toBeNull();
    const locked = await fail(userId, keyA);
    expect(locked).toEqual({ lockedUntil: expect.any(Date), failures: RULES.maxFailures, horizon: 'window' });
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('refused');
    expect(await attempts.refusal(userId, keyA, RULES)).toEqual({ locked: true, retryAfterSeconds: expect.any(Number) });
    expect((await attempts.refusal(userId, keyA, RULES)).retryAfterSeconds).toBeGreaterThan(RULES.cooldownSeconds - 10);
    expect(await attempts.lockedFor(keyA, [userId])).toEqual(new Set([userId]));
    // Another key is untouched.
    expect(await attempts.lockedFor(keyB, [userId])).toEqual(new Set());
    expect(await attempts.reserve(userId, keyB, RULES)).toBe('reserved');
  });

  it("lets a success clear only its own key's failures", async () => {
    const userId = await newUser();
    for (let i = 0; i < 4; i++) await fail(userId, keyA);
    expect(await attempts.reserve(userId, keyB, RULES)).toBe('reserved');
    await attempts.settle(userId, keyB, 'success', RULES);
    expect((await row(userId, keyA))?.failures).toBe(4);
    expect(await fail(userId, keyA)).not.toBeNull();
  });

  it('counts in-flight attempts towards the budget: four failures and one attempt in flight leave nothing', async () => {
    const userId = await newUser();
    for (let i = 0; i < 4; i++) await fail(userId, keyA);
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('reserved');
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('refused');
  });

  it('forgets failures after the window, and reservations abandoned past their time', async () => {
    const userId = await newUser();
    const short = { ...RULES, windowSeconds: 1, staleSeconds: 1 };
    for (let i = 0; i < 4; i++) await fail(userId, keyA, short);
    expect(await attempts.reserve(userId, keyA, short)).toBe('reserved');
    await new Promise((resolve) => setTimeout(resolve, 1300));
    // The window passed and the reservation was never settled (its instance died): the budget is whole again.
    const granted = await Promise.all(Array.from({ length: 10 }, () => attempts.reserve(userId, keyA, short)));
    expect(granted.filter((g) => g === 'reserved')).toHaveLength(RULES.maxFailures);
  });

  it('counts charged failures outside the reservations: a budget kept in flight cannot crowd them out', async () => {
    const userId = await newUser();
    for (let i = 0; i < RULES.maxFailures; i++) expect(await attempts.reserve(userId, keyA, RULES)).toBe('reserved');
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('refused');
    for (let i = 1; i < RULES.maxFailures; i++) expect(await attempts.charge(userId, keyA, RULES)).toEqual({ outcome: 'charged' });
    expect(await row(userId, keyA)).toMatchObject({ failures: RULES.maxFailures - 1, inFlight: RULES.maxFailures, lockedUntil: null });
    expect(await attempts.charge(userId, keyA, RULES)).toMatchObject({ outcome: 'locked', lock: { horizon: 'window' } });
    expect(await attempts.lockedFor(keyA, [userId])).toEqual(new Set([userId]));
    expect(await attempts.charge(userId, keyA, RULES)).toEqual({ outcome: 'already_locked' });
    // The reservations in flight are still theirs to settle.
    expect((await row(userId, keyA))?.inFlight).toBe(RULES.maxFailures);
    // Concurrent charges on a fresh person are each counted once.
    const other = await newUser();
    const outcomes = (await Promise.all(Array.from({ length: RULES.maxFailures + 3 }, () => attempts.charge(other, keyB, RULES)))).map((c) => c.outcome);
    expect(outcomes.filter((o) => o === 'locked')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'charged')).toHaveLength(RULES.maxFailures - 1);
    expect(outcomes.filter((o) => o === 'already_locked')).toHaveLength(3);
  });

  // DAY drains 5 failures an hour: one every 720 s.
  const DRAIN_SECONDS = DAY.daySeconds / DAY.dailyFailures;
  /** Time passes for the slow budget and any lock ends, as the clock would move them (the rows are moved back). */
  const drain = (userId: string, keyId: string, seconds: number) => prisma.client.$executeRaw`
    UPDATE verification_lockouts SET day_level_at = day_level_at - make_interval(secs => ${seconds}), locked_until = now() - interval '1 second'
    WHERE user_id = ${userId}::uuid AND key_id = ${keyId}::uuid`;

  it("fills the slow budget whatever successes came between, and locks until one failure's worth has drained", async () => {
    const userId = await newUser();
    const succeed = async () => {
      expect(await attempts.reserve(userId, keyA, DAY)).toBe('reserved');
      expect(await attempts.settle(userId, keyA, 'success', DAY)).toBeNull();
    };
    // Two failures, a success (the window's count clears), two more, a success: never the window's three in a row.
    for (const step of [fail, fail, succeed, fail, fail, succeed] as const) expect(await step(userId, keyA, DAY)).toBeFalsy();
    expect(await row(userId, keyA)).toMatchObject({ failures: 0, dayLevel: expect.closeTo(4, 2), lockedUntil: null });
    const locked = await fail(userId, keyA, DAY);
    expect(locked).toEqual({ lockedUntil: expect.any(Date), failures: 5, horizon: 'day' });
    const { retryAfterSeconds } = await attempts.refusal(userId, keyA, DAY);
    expect(retryAfterSeconds).toBeGreaterThan(DRAIN_SECONDS - 30);
    expect(retryAfterSeconds).toBeLessThanOrEqual(DRAIN_SECONDS + 1);
    expect(await attempts.reserve(userId, keyA, DAY)).toBe('refused');
    // A charge during the lock (a liveness session judged meanwhile) still fills the slow budget: the lock grows by one
    // failure's worth, it is no free try.
    const lockedBefore = (await row(userId, keyA))!.lockedUntil!.getTime();
    expect(await attempts.charge(userId, keyA, DAY)).toEqual({ outcome: 'already_locked' });
    expect(await row(userId, keyA)).toMatchObject({ dayLevel: expect.closeTo(6, 1) });
    expect((await row(userId, keyA))!.lockedUntil!.getTime() - lockedBefore).toBeGreaterThan((DRAIN_SECONDS - 30) * 1000);
    // Another key's budget is its own.
    expect(await attempts.reserve(userId, keyB, DAY)).toBe('reserved');

    // One failure's worth drained is not enough now (the charge above filled it again); two are, for exactly one more.
    await drain(userId, keyA, DRAIN_SECONDS + 1);
    expect(await attempts.reserve(userId, keyA, DAY)).toBe('refused');
    await drain(userId, keyA, DRAIN_SECONDS);
    expect(await attempts.reserve(userId, keyA, DAY)).toBe('reserved');
    expect(await attempts.reserve(userId, keyA, DAY)).toBe('refused');
    expect(await attempts.settle(userId, keyA, 'failure', DAY)).toMatchObject({ horizon: 'day' });
  });

  it(`reserves no more than the slow budget's room out of ${BURST} concurrent attempts`, async () => {
    const userId = await newUser();
    const roomy = { ...DAY, maxFailures: 100 };
    await attempts.charge(userId, keyA, roomy);
    const granted = await Promise.all(Array.from({ length: BURST }, () => attempts.reserve(userId, keyA, roomy)));
    expect(granted.filter((g) => g === 'reserved')).toHaveLength(DAY.dailyFailures - 1);
  });

  it('counts charges in the slow budget and holds back a reservation it has no room for', async () => {
    const userId = await newUser();
    const roomy = { ...DAY, maxFailures: 100 };
    for (let i = 0; i < 3; i++) expect(await attempts.charge(userId, keyA, roomy)).toEqual({ outcome: 'charged' });
    // Three failures leave room for two: a third attempt in flight could overfill it.
    expect(await attempts.reserve(userId, keyA, roomy)).toBe('reserved');
    expect(await attempts.reserve(userId, keyA, roomy)).toBe('reserved');
    expect(await attempts.reserve(userId, keyA, roomy)).toBe('refused');
    expect(await attempts.settle(userId, keyA, 'failure', roomy)).toBeNull();
    expect(await attempts.settle(userId, keyA, 'failure', roomy)).toMatchObject({ failures: 5, horizon: 'day' });
    expect(await attempts.charge(userId, keyA, roomy)).toEqual({ outcome: 'already_locked' });
  });

  it('withholds the verdict of an attempt settled after charges locked the key, and counts nothing for it', async () => {
    const userId = await newUser();
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('reserved');
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('reserved');
    for (let i = 1; i < RULES.maxFailures; i++) expect(await attempts.charge(userId, keyA, RULES)).toEqual({ outcome: 'charged' });
    expect(await attempts.charge(userId, keyA, RULES)).toMatchObject({ outcome: 'locked' });
    const before = await row(userId, keyA);
    expect(await attempts.settle(userId, keyA, 'failure', RULES)).toBe('withheld');
    expect(await attempts.settle(userId, keyA, 'success', RULES)).toBe('withheld');
    expect(await row(userId, keyA)).toMatchObject({ inFlight: 0, failures: before!.failures, dayLevel: before!.dayLevel, lockedUntil: before!.lockedUntil });
  });

  it('refuses as a lock, with the time to wait, when a lowered budget is already full', async () => {
    const userId = await newUser();
    for (let i = 0; i < 4; i++) await attempts.charge(userId, keyA, { ...DAY, maxFailures: 100 });
    const lowered = { ...DAY, maxFailures: 100, dailyFailures: 3 };
    expect(await attempts.reserve(userId, keyA, lowered)).toBe('refused');
    const refusal = await attempts.refusal(userId, keyA, lowered);
    // Four in a bucket that now holds three and drains 3 an hour: two failures' worth (2,400 s) before one more fits.
    expect(refusal.locked).toBe(true);
    expect(refusal.retryAfterSeconds).toBeGreaterThan(2300);
    expect(refusal.retryAfterSeconds).toBeLessThanOrEqual(2401);
  });

  it('empties the slow budget when an admin lifts the lock', async () => {
    const userId = await newUser();
    for (let i = 0; i < 4; i++) await attempts.charge(userId, keyA, { ...DAY, maxFailures: 100 });
    expect(await new LockoutsRepository(prisma).clear(userId, keyA)).toBe(1);
    expect(await row(userId, keyA)).toMatchObject({ failures: 0, dayLevel: 0, lockedUntil: null });
  });

  it("ends a lock in force when an admin lifts it, so a session opened during the lock still reads as 'locked after'", async () => {
    const dbNow = async () => (await prisma.client.$queryRaw<Array<{ now: Date }>>`SELECT now() AS now`)[0].now;
    const userId = await newUser();
    for (let i = 0; i < RULES.maxFailures; i++) await attempts.charge(userId, keyA, RULES);
    for (let i = 0; i < RULES.maxFailures; i++) await attempts.charge(userId, keyB, RULES);
    const openedDuringLock = await dbNow();
    const listed = async () => (await new LockoutsRepository(prisma).active({ userId, limit: 10 })).map((l) => l.keyId).sort();
    expect(await listed()).toEqual([keyA, keyB].sort());
    expect(await new LockoutsRepository(prisma).clear(userId)).toBe(2);
    expect(await listed()).toEqual([]);
    expect(await attempts.lockedFor(keyA, [userId])).toEqual(new Set());
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('reserved');
    expect(await attempts.lockedAfter(keyA, [userId], openedDuringLock)).toEqual(new Set([userId]));
    expect(await attempts.lockedAfter(keyB, [userId], openedDuringLock)).toEqual(new Set([userId]));
    expect(await attempts.lockedAfter(keyA, [userId], await dbNow())).toEqual(new Set());
    // Nothing left to lift: a second clear changes nothing, and keeps the ended lock's time.
    await attempts.settle(userId, keyA, 'void', RULES);
    expect(await new LockoutsRepository(prisma).clear(userId, keyA)).toBe(0);
    expect(await attempts.lockedAfter(keyA, [userId], openedDuringLock)).toEqual(new Set([userId]));
  });

  it('names the people a key was locked out of at any time after a moment, in one statement', async () => {
    const [locked, other, never] = [await newUser(), await newUser(), await newUser()];
    for (let i = 0; i < RULES.maxFailures; i++) await attempts.charge(locked, keyA, RULES);
    for (let i = 0; i < RULES.maxFailures; i++) await attempts.charge(other, keyB, RULES);
    const before = new Date(Date.now() - 60_000);
    expect(await attempts.lockedAfter(keyA, [locked, other, never], before)).toEqual(new Set([locked]));
    // The lock ended (moved back, as time would): still "locked after" a moment before its end, not after it.
    await prisma.client.$executeRaw`UPDATE verification_lockouts SET locked_until = now() - interval '10 seconds' WHERE user_id = ${locked}::uuid`;
    expect(await attempts.lockedAfter(keyA, [locked], before)).toEqual(new Set([locked]));
    expect(await attempts.lockedAfter(keyA, [locked], new Date())).toEqual(new Set());
    expect(await attempts.lockedAfter(keyA, [], before)).toEqual(new Set());
  });

  it('says a deleted person is gone rather than failing on the foreign key', async () => {
    const userId = await newUser();
    await prisma.client.user.delete({ where: { id: userId } });
    expect(await attempts.reserve(userId, keyA, RULES)).toBe('gone');
    expect(await attempts.charge(userId, keyA, RULES)).toEqual({ outcome: 'gone' });
  });
});
