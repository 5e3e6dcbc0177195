import { cooldownSeconds } from './lockout-cooldown';

const rules = { cooldownSeconds: 300, maxCooldownSeconds: 86_400 };

describe('cooldownSeconds', () => {
  it('doubles the cool-down with each lock in a row, up to the maximum', () => {
    expect([1, 2, 3, 4, 8, 9, 10].map((n) => cooldownSeconds(n, rules))).toEqual([300, 600, 1200, 2400, 38_400, 76_800, 86_400]);
    expect(cooldownSeconds(1000, rules)).toBe(86_400);
  });

  it('never goes below the cool-down, and a maximum equal to it turns the doubling off', () => {
    expect(cooldownSeconds(0, rules)).toBe(300);
    expect(cooldownSeconds(5, { cooldownSeconds: 300, maxCooldownSeconds: 300 })).toBe(300);
    expect(cooldownSeconds(5, { cooldownSeconds: 300, maxCooldownSeconds: 10 })).toBe(300);
  });

  it('gives about 45 guesses on the first day, with the defaults (5 failures a lock)', () => {
    let elapsed = 0;
    let locks = 0;
    while (elapsed + cooldownSeconds(locks + 1, rules) < 86_400) elapsed += cooldownSeconds(++locks, rules);
    expect(5 * (locks + 1)).toBe(45);
  });
});
