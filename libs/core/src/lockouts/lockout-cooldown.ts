/** The lockout rules the cool-down depends on (FACEGATE_LOCKOUT_COOLDOWN_SECONDS, _MAX_COOLDOWN_SECONDS). */
export interface CooldownRules {
  cooldownSeconds: number;
  maxCooldownSeconds: number;
}

/** Doublings beyond this cannot matter (2^30 x 1 s is decades) and would only overflow. */
const MAX_DOUBLINGS = 30;

/**
 * How long a key's `lockNumber`-th lock in a row on one person lasts: the cool-down, doubled at each lock since the
 * key's last success on that person (or since a quiet spell as long as the longest cool-down), up to the maximum. A
 * fixed cool-down gave one key about 900 guesses a day at one person (5 every 8 minutes); doubling leaves about 45
 * on the first day and 5 a day after that, with the defaults.
 */
export function cooldownSeconds(lockNumber: number, rules: CooldownRules): number {
  const doublings = Math.min(Math.max(Math.floor(lockNumber) - 1, 0), MAX_DOUBLINGS);
  return Math.min(rules.cooldownSeconds * 2 ** doublings, Math.max(rules.maxCooldownSeconds, rules.cooldownSeconds));
}
