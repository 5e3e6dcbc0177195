import { DomainError } from '@facegate/common';
import type { AppConfig, CallerContext, LivenessService, RecognitionService, StoredKey } from '@facegate/core';
import type { ApiKeysService } from '../auth/api-keys.service';
import type { RateLimitBudget } from '../rate-limits/rate-limit-budget';
import type { StreamFrame } from './stream-protocol';
import { StreamService } from './stream.service';

/** A socket's key is read again before every frame: its revocation and its collections as they are now. */
describe('StreamService.answer', () => {
  const caller: CallerContext = { keyId: 'key-1', scopes: ['recognize'], collections: ['alpha', 'beta'], clientIp: '127.0.0.1', requestId: 'ws-1' };
  const frame: StreamFrame = { seq: 3, image: Buffer.from('jpeg'), settings: { op: 'recognize' } };
  let current: Partial<StoredKey> | null;
  let seen: CallerContext[];
  let service: StreamService;

  beforeEach(() => {
    seen = [];
    current = { id: 'key-1', collections: ['alpha', 'beta'], collectionIds: ['id-alpha', 'id-beta'] };
    const keys = { stillActive: jest.fn(async () => current) } as unknown as ApiKeysService;
    const recognition = {
      recognize: jest.fn(async (_input: unknown, who: CallerContext) => {
        seen.push(who);
        return { match: false };
      }),
    } as unknown as RecognitionService;
    const budget = { spend: jest.fn(async () => undefined) } as unknown as RateLimitBudget;
    const config = { limits: { maxImageBytes: 1_000_000 } } as unknown as AppConfig;
    service = new StreamService(keys, recognition, {} as LivenessService, budget, config);
  });

  it("works with the key's collections as they are at the frame, not as they were at authentication", async () => {
    await service.answer(frame, caller);
    // A collection deleted since the socket opened: a later one under its name must not be reachable.
    current = { id: 'key-1', collections: ['alpha'], collectionIds: ['id-alpha'] };
    await service.answer(frame, caller);
    expect(seen.map((c) => c.collections)).toEqual([['alpha', 'beta'], ['alpha']]);
    expect(seen.map((c) => c.collectionIds)).toEqual([['id-alpha', 'id-beta'], ['id-alpha']]);
    expect(seen[1].requestId).toBe('ws-1-3');
  });

  it('refuses a frame once the key is revoked or bound to nothing left', async () => {
    current = null;
    await expect(service.answer(frame, caller)).rejects.toMatchObject(new DomainError('UNAUTHORIZED', 'The API key has been revoked.'));
    expect(seen).toHaveLength(0);
  });
});
