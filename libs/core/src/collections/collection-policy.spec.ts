import { decidingThreshold, displayedSimilarity, effectivePolicy } from './collection-policy';

const DEFAULTS = { purpose: 'sign_in' as const, matchThreshold: 0.36, livenessThreshold: 0.04 };

describe('a collection policy', () => {
  it('is secure for sign-in by default: a passed challenge required, the passive check enforced, scores hidden', () => {
    expect(effectivePolicy({}, DEFAULTS)).toEqual({
      purpose: 'sign_in',
      matchThreshold: 0.36,
      livenessMode: 'enforce',
      livenessThreshold: 0.04,
      requireLivenessToken: true,
      exposeScores: false,
    });
  });

  it('lets a photo-search collection opt out in one setting', () => {
    expect(effectivePolicy({ purpose: 'photo_search' }, DEFAULTS)).toMatchObject({
      purpose: 'photo_search',
      livenessMode: 'advisory',
      requireLivenessToken: false,
    });
  });

  it("follows the server's default purpose", () => {
    expect(effectivePolicy({}, { ...DEFAULTS, purpose: 'photo_search' })).toMatchObject({ livenessMode: 'advisory', requireLivenessToken: false });
    expect(effectivePolicy({ purpose: 'sign_in' }, { ...DEFAULTS, purpose: 'photo_search' })).toMatchObject({
      livenessMode: 'enforce',
      requireLivenessToken: true,
    });
  });

  it("keeps explicit settings over the purpose's defaults (an upgraded collection keeps what it had)", () => {
    expect(effectivePolicy({ livenessMode: 'advisory', requireLivenessToken: false, livenessThreshold: 0.5 }, DEFAULTS)).toMatchObject({
      purpose: 'sign_in',
      livenessMode: 'advisory',
      requireLivenessToken: false,
      livenessThreshold: 0.5,
    });
    expect(effectivePolicy({ matchThreshold: 0.2, exposeScores: true }, DEFAULTS)).toMatchObject({ matchThreshold: 0.2, exposeScores: true });
  });
});

describe('the deciding threshold', () => {
  const policy = { matchThreshold: 0.36 };

  it("is the collection's when the request names none", () => {
    expect(decidingThreshold(policy)).toBe(0.36);
  });

  it.each([0, 0.1, 0.359999])('cannot be lowered by the request (%s)', (requested) => {
    expect(decidingThreshold(policy, requested)).toBe(0.36);
  });

  it.each([0.36, 0.5, 1])('can be raised by the request (%s)', (requested) => {
    expect(decidingThreshold(policy, requested)).toBe(requested);
  });

  it("follows a collection that an admin set lower than the server's default", () => {
    expect(decidingThreshold({ matchThreshold: 0.2 }, 0.25)).toBe(0.25);
    expect(decidingThreshold({ matchThreshold: 0.2 }, 0.1)).toBe(0.2);
  });
});

describe('a displayed similarity', () => {
  it('is cut, never rounded up to a threshold it did not reach', () => {
    expect(displayedSimilarity(0.35996)).toBe(0.3599);
    expect(displayedSimilarity(0.359999999)).toBe(0.3599);
    expect(displayedSimilarity(0.71238)).toBe(0.7123);
  });

  it('keeps values that are exact in 4 decimals despite binary noise', () => {
    expect(displayedSimilarity(0.36)).toBe(0.36);
    expect(displayedSimilarity(0.29)).toBe(0.29);
    expect(displayedSimilarity(1)).toBe(1);
  });
});
