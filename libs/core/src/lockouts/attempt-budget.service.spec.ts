import { DomainError } from '@facegate/common';
import { AuditService } from '../audit/audit.service';
import { CallerContext } from '../access/actor';
import { AppConfig } from '../config/app-config';
import { AttemptBudgetService } from './attempt-budget.service';
import { AttemptOutcome, AttemptsRepository } from './attempts.repository';

const caller: CallerContext = { keyId: 'key-1', scopes: ['recognize'], collections: [], clientIp: '127.0.0.1', requestId: 'r1' };
const user = { action: 'verify', id: 'user-1', collection: 'default' };
const lockout = { maxFailures: 5, windowSeconds: 180, cooldownSeconds: 300, dailyFailures: 20, daySeconds: 86_400 };
const config = { lockout, engine: { jobTimeoutMs: 30000 } } as AppConfig;

function setUp(options: { reserve?: 'reserved' | 'refused' | 'gone'; locked?: boolean; settleFails?: boolean; lockOnSettle?: boolean } = {}) {
  const settled: AttemptOutcome[] = [];
  let now = 1000;
  const clock = { monotonicMs: () => now };
  const repository = {
    reserve: jest.fn(async () => options.reserve ?? 'reserved'),
    refusal: jest.fn(async () => ({ locked: options.locked ?? true, retryAfterSeconds: 42 })),
    settle: jest.fn(async (_u: string, _k: string, outcome: AttemptOutcome): Promise<object | string | null> => {
      if (options.settleFails) throw new Error('database gone');
      settled.push(outcome);
      return options.lockOnSettle ? { lockedUntil: new Date('2026-12-03T10:00:00Z'), failures: 5, horizon: 'window' } : null;
    }),
    lockedFor: jest.fn(),
    charge: jest.fn(async (): Promise<object> => ({ outcome: 'charged' })),
    settleJudged: jest.fn(async (): Promise<object | null> =>
      options.lockOnSettle ? { lockedUntil: new Date('2026-12-03T10:00:00Z'), failures: 5, horizon: 'window' } : null,
    ),
  };
  const audit = { record: jest.fn(async () => undefined) };
  const service = new AttemptBudgetService(repository as unknown as AttemptsRepository, audit as unknown as AuditService, clock, config);
  return { service, repository, audit, settled, advance: (ms: number) => (now += ms) };
}

describe('AttemptBudgetService: attempts a liveness session holds', () => {
  const session = { action: 'liveness_challenge', id: 'user-1', collection: 'default' };

  it('holds a reservation for the rest of the session (never less than an attempt), and settles its failure even on a lock', async () => {
    const { service, repository, audit, settled } = setUp({ lockOnSettle: true });
    await expect(service.reserveFor(caller, session, 600)).resolves.toBe('reserved');
    expect(repository.reserve).toHaveBeenCalledWith('user-1', 'key-1', expect.objectContaining({ staleSeconds: 600 }));
    await service.reserveFor(caller, session, 5);
    expect(repository.reserve).toHaveBeenLastCalledWith('user-1', 'key-1', expect.objectContaining({ staleSeconds: 90 }));
    // A failure goes through the statement that still counts during a lock (settle() would count nothing there).
    await service.settleReserved(caller, session, 'failure');
    expect(repository.settleJudged).toHaveBeenCalledWith('user-1', 'key-1', expect.anything());
    expect(settled).toEqual([]);
    expect(audit.record).toHaveBeenCalledWith(caller, expect.objectContaining({ action: 'lockout', outcome: 'locked' }));
    // A pass frees it.
    await service.settleReserved(caller, session, 'void');
    expect(settled).toEqual(['void']);
  });

  it('never throws when a failure cannot be settled (the session answered already)', async () => {
    const { service, repository } = setUp();
    repository.settleJudged.mockRejectedValueOnce(new Error('database gone'));
    await expect(service.settleReserved(caller, session, 'failure')).resolves.toBeUndefined();
  });
});

describe('AttemptBudgetService', () => {
  it('runs nothing when the budget refuses: LOCKED_OUT with the time to wait, audited', async () => {
    const { service, audit } = setUp({ reserve: 'refused' });
    const work = jest.fn();
    await expect(service.attempt(caller, user, work, () => true)).rejects.toMatchObject({ code: 'LOCKED_OUT', details: { retryAfterSeconds: 42 } });
    expect(work).not.toHaveBeenCalled();
    expect(audit.record).toHaveBeenCalledWith(caller, expect.objectContaining({ action: 'verify', outcome: 'locked_out', userId: 'user-1' }));
  });

  it('says when the refusal is attempts in flight rather than a lock', async () => {
    const { service } = setUp({ reserve: 'refused', locked: false });
    await expect(service.attempt(caller, user, jest.fn(), () => true)).rejects.toThrow(/in progress/);
  });

  it('settles a match as a success and a rejection as a failure, before answering', async () => {
    const { service, settled } = setUp();
    await expect(
      service.attempt(
        caller,
        user,
        async () => ({ verified: true }),
        (r) => r.verified,
      ),
    ).resolves.toEqual({ verified: true });
    await service.attempt(
      caller,
      user,
      async () => ({ verified: false }),
      (r) => r.verified,
    );
    expect(settled).toEqual(['success', 'failure']);
  });

  it.each([
    ['SPOOF_SUSPECTED', 'failure'],
    ['LIVENESS_FACE_MISMATCH', 'failure'],
    ['FACE_MISMATCH', 'failure'],
    ['NO_FACE', 'void'],
    ['ENGINE_BUSY', 'void'],
    ['LIVENESS_REQUIRED', 'void'],
  ] as const)('settles a %s refusal as %s, and rethrows it', async (code, outcome) => {
    const { service, settled } = setUp();
    const refusal = new DomainError(code, 'no');
    await expect(
      service.attempt(
        caller,
        user,
        async () => {
          throw refusal;
        },
        () => true,
      ),
    ).rejects.toBe(refusal);
    expect(settled).toEqual([outcome]);
  });

  it('settles an unexpected error as void', async () => {
    const { service, settled } = setUp();
    await expect(
      service.attempt(
        caller,
        user,
        async () => {
          throw new TypeError('bug');
        },
        () => true,
      ),
    ).rejects.toThrow('bug');
    expect(settled).toEqual(['void']);
  });

  it('never lets a failed settle mask the answer', async () => {
    const { service } = setUp({ settleFails: true });
    await expect(
      service.attempt(
        caller,
        user,
        async () => 'answer',
        () => false,
      ),
    ).resolves.toBe('answer');
  });

  it('audits the lock the attempt caused, naming the locked key', async () => {
    const { service, audit } = setUp({ lockOnSettle: true });
    await service.attempt(
      caller,
      user,
      async () => false,
      (r) => r,
    );
    expect(audit.record).toHaveBeenCalledWith(
      caller,
      expect.objectContaining({ action: 'lockout', outcome: 'locked', details: expect.objectContaining({ failures: 5, lockedKeyId: 'key-1' }) }),
    );
  });

  it('gives abandoned reservations twice the engine timeout plus a margin', async () => {
    const { service, repository } = setUp();
    await service.attempt(
      caller,
      user,
      async () => true,
      (r) => r,
    );
    expect(repository.reserve).toHaveBeenCalledWith('user-1', 'key-1', { ...lockout, staleSeconds: 90 });
  });

  it('answers USER_NOT_FOUND when the person was deleted before the reservation', async () => {
    const { service } = setUp({ reserve: 'gone' });
    await expect(service.attempt(caller, user, jest.fn(), () => true)).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  describe('an attempt that outlives its reservation (90 s here)', () => {
    it('withholds its verdict and leaves the counts alone, since the budget may have been granted again', async () => {
      const { service, settled, advance } = setUp();
      const work = async () => {
        advance(89_500);
        return { verified: false };
      };
      await expect(service.attempt(caller, user, work, (r) => r.verified)).rejects.toMatchObject({ code: 'ENGINE_TIMEOUT' });
      expect(settled).toEqual([]);
    });

    it('withholds a late refusal that judged the face, and passes other late errors on', async () => {
      const { service, settled, advance } = setUp();
      const late = (code: 'FACE_MISMATCH' | 'NO_FACE') => async () => {
        advance(120_000);
        throw new DomainError(code, 'late');
      };
      await expect(service.attempt(caller, user, late('FACE_MISMATCH'), () => true)).rejects.toMatchObject({ code: 'ENGINE_TIMEOUT' });
      await expect(service.attempt(caller, user, late('NO_FACE'), () => true)).rejects.toMatchObject({ code: 'NO_FACE' });
      expect(settled).toEqual([]);
    });

    it('answers an attempt just inside the margin', async () => {
      const { service, settled, advance } = setUp();
      await expect(
        service.attempt(
          caller,
          user,
          async () => (advance(88_000), true),
          (r) => r,
        ),
      ).resolves.toBe(true);
      expect(settled).toEqual(['success']);
    });
  });
});

describe('AttemptBudgetService: an attempt settled after the key was locked', () => {
  it('answers LOCKED_OUT instead of its verdict, audited, whether it matched, failed or was a spoof', async () => {
    const outcomes: Array<() => Promise<boolean>> = [
      async () => true,
      async () => false,
      async () => Promise.reject(new DomainError('SPOOF_SUSPECTED', 'spoof')),
    ];
    for (const work of outcomes) {
      const { service, repository, audit } = setUp();
      repository.settle.mockResolvedValueOnce('withheld');
      await expect(service.attempt(caller, user, work, (r) => r)).rejects.toMatchObject({ code: 'LOCKED_OUT', details: { retryAfterSeconds: 42 } });
      expect(audit.record).toHaveBeenCalledWith(caller, expect.objectContaining({ outcome: 'locked_out', userId: 'user-1' }));
    }
  });

  it('lets a void attempt (no face) keep its own error', async () => {
    const { service, repository } = setUp();
    repository.settle.mockResolvedValueOnce(null);
    await expect(
      service.attempt(
        caller,
        user,
        async () => Promise.reject(new DomainError('NO_FACE', 'none')),
        () => true,
      ),
    ).rejects.toMatchObject({ code: 'NO_FACE' });
  });
});

describe('AttemptBudgetService.charge', () => {
  it('counts one failure outside the reservations, and audits the lock it causes', async () => {
    const { service, repository, audit, settled } = setUp();
    const lock = { lockedUntil: new Date('2026-12-04T09:00:00Z'), failures: 20, horizon: 'day' };
    repository.charge.mockResolvedValueOnce({ outcome: 'charged' }).mockResolvedValueOnce({ outcome: 'locked', lock });
    await expect(service.charge(caller, { ...user, action: 'liveness_challenge' })).resolves.toBe('charged');
    expect(audit.record).not.toHaveBeenCalled();
    await expect(service.charge(caller, { ...user, action: 'liveness_challenge' })).resolves.toBe('locked');
    // The audit says which budget was spent and until when the key is locked out.
    expect(audit.record).toHaveBeenCalledWith(
      caller,
      expect.objectContaining({
        action: 'lockout',
        outcome: 'locked',
        userId: 'user-1',
        details: { failures: 20, horizon: 'day', lockedUntil: '2026-12-04T09:00:00.000Z', lockedKeyId: 'key-1' },
      }),
    );
    // Neither takes nor frees a reservation.
    expect(repository.reserve).not.toHaveBeenCalled();
    expect(settled).toEqual([]);
  });

  it('leaves a key already locked out of the person (or a person gone) as it is, auditing nothing', async () => {
    for (const outcome of ['already_locked', 'gone'] as const) {
      const { service, repository, audit } = setUp();
      repository.charge.mockResolvedValueOnce({ outcome });
      await expect(service.charge(caller, user)).resolves.toBe(outcome);
      expect(audit.record).not.toHaveBeenCalled();
    }
  });
});
