import { EXACT_POISSON_MAX, logPoissonCdf, normalCdf, normalQuantile, poissonUpperLimit, rateUpperBound } from './rate-bound';

describe('confidence bound of a false accept rate', () => {
  it('follows the rule of three for zero events and known Poisson limits for a few', () => {
    expect(rateUpperBound(0, 1000)).toBeCloseTo(2.996 / 1000, 5);
    // One-sided 95% Poisson upper limits, half the chi-square 95% quantile with 2(k+1) degrees of freedom.
    expect(poissonUpperLimit(1)).toBeCloseTo(4.7439, 3);
    expect(poissonUpperLimit(10)).toBeCloseTo(16.9622, 3);
    expect(poissonUpperLimit(100)).toBeCloseTo(118.0793, 3);
    expect(poissonUpperLimit(1000)).toBeCloseTo(1053.603, 1);
    expect(rateUpperBound(10, 1000)).toBeGreaterThan(10 / 1000);
  });

  it('is finite and strictly increasing for every count from 0 to 1,000,000', () => {
    let previous = -Infinity;
    const started = Date.now();
    for (let k = 0; k <= 1_000_000; k++) {
      const limit = poissonUpperLimit(k);
      if (!Number.isFinite(limit) || !(limit > previous)) throw new Error(`bound at k=${k} is ${limit} after ${previous}`);
      previous = limit;
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stays above the count by about 1.645 standard deviations for large counts', () => {
    for (const k of [1_000, 100_000, 1_000_000]) {
      const limit = poissonUpperLimit(k);
      expect((limit - k) / Math.sqrt(k)).toBeGreaterThan(1.6);
      expect((limit - k) / Math.sqrt(k)).toBeLessThan(1.75);
    }
  });

  it('joins the exact limit smoothly where the approximation takes over', () => {
    // The exact limit at the switch, computed past it: the two forms differ by far less than one event.
    const k = EXACT_POISSON_MAX + 1;
    let lo = k,
      hi = k + 60;
    for (let i = 0; i < 80; i++) {
      const mid = (lo + hi) / 2;
      if (logPoissonCdf(k, mid) > Math.log(0.05)) lo = mid;
      else hi = mid;
    }
    expect(Math.abs(poissonUpperLimit(k) - hi)).toBeLessThan(0.05);
  });

  it('computes the Poisson CDF in log space where exp(-lambda) underflows', () => {
    expect(Math.exp(-800)).toBe(0);
    const log = logPoissonCdf(100, 800);
    expect(Number.isFinite(log)).toBe(true);
    expect(log).toBeLessThan(-400);
  });

  it('inverts the normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 15);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 9);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644853627, 8);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.644853627, 8);
  });

  it('refuses counts that are not whole numbers', () => {
    expect(() => poissonUpperLimit(-1)).toThrow(RangeError);
    expect(() => poissonUpperLimit(1.5)).toThrow(RangeError);
  });
});
