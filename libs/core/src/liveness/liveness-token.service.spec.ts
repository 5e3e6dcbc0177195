import { effectivePolicy } from '../collections/collection-policy';
import { CollectionRef } from '../access/collection-access.service';
import { callerWith, codeOf, domainErrorOf, embedding } from '../testing/fakes';
import { LivenessSecretsService } from './liveness-secrets.service';
import { LivenessSessionsRepository, TokenRedemption } from './liveness-sessions.repository';
import { assertChallengeFace, LivenessTokenService, NO_CHALLENGE } from './liveness-token.service';

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
    expect(await tokens.redeem(undefined, collection('events', { purpose: 'photo_search' }), me)).toEqual({
      challengePassed: false,
      sessionId: null,
      passiveMedian: null,
      anchorEmbedding: null,
      openedAt: null,
    });
    expect(await codeOf(tokens.redeem(undefined, collection('signin'), me))).toBe('LIVENESS_REQUIRED');
    expect(sessions.redeemToken).not.toHaveBeenCalled();
  });

  it("redeems the token's hash for this key and collection, and returns the session's median", async () => {
    const { tokens, sessions } = setUp({ ok: true, sessionId: 's-1', anchorEmbedding: embedding(0, 0.9), passiveMedian: 0.3, openedAt: new Date(0) });
    expect(await tokens.redeem('lt_abc', collection('signin'), me)).toEqual({
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
    expect(await codeOf(tokens.redeem('lt_abc', collection('signin'), me))).toBe(code);
  });

  it("binds the face that passed, at the collection's threshold, without telling the similarity", async () => {
    // 0.5 from the probe: the same face at 0.42, another at a collection's 0.6.
    const anchor = embedding(0, 0.5);
    const passed = await setUp({ ok: true, sessionId: 's', anchorEmbedding: anchor, passiveMedian: 0.5, openedAt: new Date(0) }).tokens.redeem(
      't',
      collection('a'),
      me,
    );
    expect(() => assertChallengeFace(passed, probe, collection('a'))).not.toThrow();
    const error = await domainErrorOf(Promise.resolve().then(() => assertChallengeFace(passed, probe, collection('b', { matchThreshold: 0.6 }))));
    expect(error).toMatchObject({ code: 'LIVENESS_FACE_MISMATCH', details: { threshold: 0.6 } });
    expect(JSON.stringify(error.details)).not.toMatch(/0\.5/);
    // No challenge binds no face.
    expect(() => assertChallengeFace(NO_CHALLENGE, probe, collection('b', { matchThreshold: 0.6 }))).not.toThrow();
  });
});
