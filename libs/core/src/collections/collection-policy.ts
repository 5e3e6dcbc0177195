import type { LivenessMode } from '../recognition/liveness-policy';

/**
 * What a collection is for. `sign_in` (the default) answers "may this person in?": a still photo must not pass, so
 * every /verify and /recognize needs a passed active challenge and the passive check is enforced. `photo_search`
 * (events, archives) searches existing photos, where no one is in front of a camera: liveness is reported only.
 */
export const COLLECTION_PURPOSES = ['sign_in', 'photo_search'] as const;
export type CollectionPurpose = (typeof COLLECTION_PURPOSES)[number];

/** What a collection stores in its `settings` column: every field optional, absent = the server's default. */
export interface CollectionSettings {
  purpose?: CollectionPurpose;
  matchThreshold?: number;
  livenessMode?: LivenessMode;
  livenessThreshold?: number;
  requireLivenessToken?: boolean;
  exposeScores?: boolean;
}

/** The server-wide defaults a collection's settings fall back to (from the validated configuration). */
export interface PolicyDefaults {
  purpose: CollectionPurpose;
  matchThreshold: number;
  livenessThreshold: number;
}

/**
 * A collection's effective policy: its settings with every default filled in. The one place where "the collection's
 * setting, else the server's" is decided; services read the policy, never the raw settings.
 */
export interface CollectionPolicy {
  purpose: CollectionPurpose;
  matchThreshold: number;
  livenessMode: LivenessMode;
  livenessThreshold: number;
  requireLivenessToken: boolean;
  /** Show similarities and candidates below the threshold (a scoring oracle; off unless the operator opts in). */
  exposeScores: boolean;
}

export function effectivePolicy(settings: CollectionSettings, defaults: PolicyDefaults): CollectionPolicy {
  const purpose = settings.purpose ?? defaults.purpose;
  const signIn = purpose === 'sign_in';
  return {
    purpose,
    matchThreshold: settings.matchThreshold ?? defaults.matchThreshold,
    // Explicit settings win over the purpose's defaults, so an upgraded collection keeps what it had (see migration
    // 20261203150000_secure_sign_in_defaults) and an operator can still tune one layer.
    livenessMode: settings.livenessMode ?? (signIn ? 'enforce' : 'advisory'),
    livenessThreshold: settings.livenessThreshold ?? defaults.livenessThreshold,
    requireLivenessToken: settings.requireLivenessToken ?? signIn,
    exposeScores: settings.exposeScores ?? false,
  };
}

/**
 * The threshold that decides a match. A request may only make the decision stricter: a caller who could lower it
 * could make any face match anyone (threshold 0 verified one man as another). Lowering it is the collection's
 * setting, which only admin keys change.
 */
export function decidingThreshold(policy: Pick<CollectionPolicy, 'matchThreshold'>, requested?: number): number {
  return requested === undefined ? policy.matchThreshold : Math.max(requested, policy.matchThreshold);
}

/**
 * A similarity as shown to callers: cut (not rounded) to 4 decimals, so a value just under the threshold never
 * displays as the threshold itself. Decisions always use the exact value.
 */
export function displayedSimilarity(similarity: number): number {
  // The epsilon undoes binary noise (0.36 * 10000 is 3599.9999999999995), far below float32 embedding precision.
  return Math.floor(similarity * 10000 + 1e-9) / 10000;
}
