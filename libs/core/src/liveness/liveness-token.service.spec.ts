import { effectivePolicy } from '../collections/collection-policy';
import { CollectionRef } from '../access/collection-access.service';
import { callerWith, codeOf, domainErrorOf, embedding } from '../testing/fakes';
import { LivenessSecretsService } from './liveness-secrets.service';
import { LivenessSessionsRepository, TokenRedemption } from './liveness-sessions.repository';
import { LivenessTokenService } from './liveness-token.service';

const DEFAULTS = { purpose: 'sign_in' as const, matchThreshold: 0.42, livenessThreshold: 0.04 };
const collection = (name: string, settings: Parameters<typeof effectivePolicy>[0] = {}): CollectionRef => ({
  id: `col-${name}`,
  name,
  policy: effectivePolicy(settings, DEFAULTS),
});

function setUp(redemption: TokenRedemption) {
  const sessions = { redeemToken: jest.fn(async () => redemption) };
  const secrets = { hash: (value: string | Uint8Array) => `hash:${String(value)}` };
  return { tokens: new LivenessTokenService(sessions as unknown as LivenessSessionsRepository, secrets as unknown as LivenessSecretsService), sessions };
}

const me = callerWith(['recognize'], [], 'key-7');
const probe = embedding(0);

describe('LivenessTokenService', () => {
  it('requires a token where the collection says so, and only there', () => {
    const { tokens } = setUp({ ok: false, reason: 'invalid' });
    expect(() => tokens.assertPresentIfRequired(undefined, collection('signin'))).toThrow(expect.objectContaining({ code: 'LIVENESS_REQUIRED' }));
    expect(() => tokens.assertPresentIfRequired('', collection('signin'))).toThrow(expect.objectContaining({ code: 'LIVENESS_REQUIRED' }));
    expect(() => tokens.assertPresentIfRequired(undefined, collection('events', { purpose: 'photo_search' }))).not.toThrow();
    expect(() => tokens.assertPresentIfRequired(undefined, collection('signin', { requireLivenessToken: false }))).not.toThrow();
  });

  it('without a token (where none is required), reports no challenge and redeems nothing', async () => {
    const { tokens, sessions } = setUp({ ok: false, reason: 'invalid' });
    expect(await tokens.check(undefined, collection('events', { purpose: 'photo_search' }), probe, me)).toEqual({
      challengePassed: false,
      sessionId: null,
      passiveMedian: null,
      anchorEmbedding: null,
      openedAt: null,
    });
    expect(sessions.redeemToken).not.toHaveBeenCalled();
  });

  it("redeems the token's hash for this key and collection, and returns the session's median", async () => {
    const { tokens, sessions } = setUp({ ok: true, sessionId: 's-1', anchorEmbedding: embedding(0, 0.9), passiveMedian: 0.3, openedAt: new Date(0) });
    expect(await tokens.check('lt_abc', collection('signin'), probe, me)).toEqual({
      challengePassed: true,
      sessionId: 's-1',
      passiveMedian: 0.3,
      anchorEmbedding: embedding(0, 0.9),
      openedAt: new Date(0),
    });
    expect(sessions.redeemToken).toHaveBeenCalledWith('hash:lt_abc', 'key-7', 'col-signin');
  });

  it.each([
    ['invalid', 'LIVENESS_TOKEN_INVALID'],
    ['used', 'LIVENESS_TOKEN_USED'],
    ['expired', 'LIVENESS_TOKEN_EXPIRED'],
  ] as const)('refuses a %s token with %s', async (reason, code) => {
    const { tokens } = setUp({ ok: false, reason });
    expect(await codeOf(tokens.check('lt_abc', collection('signin'), probe, me))).toBe(code);
  });

  it("binds the face that passed, at the collection's threshold, without telling the similarity", async () => {
    // 0.5 from the probe: the same face at 0.42, another at a collection's 0.6.
    const anchor = embedding(0, 0.5);
    expect(
      (
        await setUp({ ok: true, sessionId: 's', anchorEmbedding: anchor, passiveMedian: 0.5, openedAt: new Date(0) }).tokens.check(
          't',
          collection('a'),
          probe,
          me,
        )
      ).challengePassed,
    ).toBe(true);
    const error = await domainErrorOf(
      setUp({ ok: true, sessionId: 's', anchorEmbedding: anchor, passiveMedian: 0.5, openedAt: new Date(0) }).tokens.check(
        't',
        collection('b', { matchThreshold: 0.6 }),
        probe,
        me,
      ),
    );
    expect(error).toMatchObject({ code: 'LIVENESS_FACE_MISMATCH', details: { threshold: 0.6 } });
    expect(JSON.stringify(error.details)).not.toMatch(/0\.5/);
  });
});

describe('LivenessTokenService.assertUsable', () => {
  it('refuses a missing required token, and a given one that cannot be redeemed now, without using it up', async () => {
    const { tokens, sessions } = setUp({ ok: false, reason: 'invalid' });
    const refusal = jest.fn(async (): Promise<string | null> => 'invalid');
    Object.assign(sessions, { tokenRefusal: refusal });
    expect(await codeOf(tokens.assertUsable(undefined, collection('signin'), me))).toBe('LIVENESS_REQUIRED');
    expect(await codeOf(tokens.assertUsable('lt_made_up', collection('signin'), me))).toBe('LIVENESS_TOKEN_INVALID');
    expect(refusal).toHaveBeenCalledWith('hash:lt_made_up', 'key-7', 'col-signin');
    refusal.mockResolvedValueOnce('used');
    expect(await codeOf(tokens.assertUsable('lt_used', collection('signin'), me))).toBe('LIVENESS_TOKEN_USED');
    refusal.mockResolvedValueOnce(null);
    expect(await codeOf(tokens.assertUsable('lt_good', collection('signin'), me))).toBe('resolved');
    await expect(tokens.assertUsable(undefined, collection('events', { purpose: 'photo_search' }), me)).resolves.toBeUndefined();
    expect(sessions.redeemToken).not.toHaveBeenCalled();
  });
});
