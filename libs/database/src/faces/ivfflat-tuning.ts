/** Pure sizing rules for the IVFFlat index and searches; kept apart from SQL so they are unit-testable. */

export const MAX_TOP_K = 50;
const MIN_CANDIDATES = 40;
const CANDIDATES_PER_RESULT = 8;
/**
 * Rebuild when the table has grown past this multiple of its size at the last build: the right `lists` has then
 * doubled, and lists sized for half the rows hold twice the rows each, so every probe scans twice as much.
 */
export const REBUILD_GROWTH_FACTOR = 2;

/**
 * Lists per thousand rows, 4x pgvector's guidance (rows / 1000). Measured on the halfvec index with probes sqrt(lists)
 * (BENCHMARKS.md "Vector search"): at the same recall@1 (0.995), 100k faces answer in 2.7 ms instead of 6.1 and 1M in
 * 18.8 ms instead of 29.7 (where the guidance's lists only reached 0.985). Finer lists hold fewer rows, so each probe
 * reads less; the price is the build (k-means cost grows with rows x lists): 565 s instead of 73 s at 1M on two cores.
 */
const LISTS_PER_THOUSAND_ROWS = 4;
/**
 * Where the per-row rule stops: above it the build would grow with rows x lists, so lists stay here until pgvector's
 * own sqrt(rows) passes them (16M rows). Not measured above 1M rows at these lists.
 */
const LISTS_AT_SCALE = LISTS_PER_THOUSAND_ROWS * 1000;

/** 4 lists per thousand rows up to 1M rows, then 4,000 until sqrt(rows) (pgvector's guidance) is larger; at least 10. */
export function listsForRows(rows: number): number {
  const lists = rows <= 1_000_000 ? Math.round((rows * LISTS_PER_THOUSAND_ROWS) / 1000) : Math.max(LISTS_AT_SCALE, Math.round(Math.sqrt(rows)));
  return Math.max(10, lists);
}

/**
 * Lists probed per search: pgvector's guidance is about sqrt(lists); an operator's fixed value (FACEGATE_IVFFLAT_PROBES)
 * wins. Always within [1, lists].
 */
export function probesForLists(lists: number, fixed?: number): number {
  return clampProbes(fixed ?? Math.ceil(Math.sqrt(lists) * PROBES_PER_SQRT_LISTS), lists);
}

/** Measured with clustered embeddings (BENCHMARKS.md "Vector search"): see probesForLists. */
export const PROBES_PER_SQRT_LISTS = 1;

export function clampTopK(topK: number): number {
  return clamp(Math.round(Number.isFinite(topK) ? topK : 1), 1, MAX_TOP_K);
}

export function clampProbes(probes: number, lists: number): number {
  return clamp(Math.round(probes), 1, Math.max(1, lists));
}

/**
 * Faces fetched from the index before keeping the best one per user. It must exceed topK times the faces a user
 * typically has, or users with many close faces crowd others out of the result.
 */
export function candidatePool(topK: number, candidates?: number): number {
  const wanted = candidates ?? Math.max(topK * CANDIDATES_PER_RESULT, MIN_CANDIDATES);
  return Math.max(topK, Math.round(wanted));
}

export interface IndexState {
  exists: boolean;
  lists: number | null;
  rowsAtBuild: number | null;
  /** An index left invalid by an interrupted CREATE INDEX CONCURRENTLY: unusable, to be dropped and rebuilt. */
  invalid?: boolean;
  builtAt?: Date | null;
}

export type IndexPlan = { action: 'none'; reason: string } | { action: 'create' | 'rebuild' | 'adopt'; lists: number };

/** Decides what ensureIndex() should do for a table of `rows` faces; `force` (npm run db:reindex) always rebuilds. */
export function planIndex(rows: number, state: IndexState, minRowsForIndex: number, force = false): IndexPlan {
  if (force) {
    if (rows === 0) return { action: 'none', reason: 'no faces to index' };
    return { action: state.exists ? 'rebuild' : 'create', lists: listsForRows(rows) };
  }
  if (!state.exists) {
    if (rows < minRowsForIndex) return { action: 'none', reason: `${rows} faces, index built from ${minRowsForIndex}` };
    return { action: 'create', lists: listsForRows(rows) };
  }
  // Built by hand or before the bookkeeping existed: record it rather than rebuild on a guess.
  if (state.rowsAtBuild === null) return { action: 'adopt', lists: state.lists ?? listsForRows(rows) };
  if (rows > state.rowsAtBuild * REBUILD_GROWTH_FACTOR) return { action: 'rebuild', lists: listsForRows(rows) };
  return { action: 'none', reason: `index up to date (${state.rowsAtBuild} faces at build, ${rows} now)` };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * The planner settings of a search on the IVFFlat index: `probes` lists, and pgvector's iterative scan in relaxed
 * order up to every list, so a collection filter applied to the index's rows cannot leave the answer short. The one
 * home of these settings: the repository applies them with SET LOCAL, the search benchmark measures them.
 */
export function ivfflatSearchSettings(probes: number, lists: number): Record<string, string> {
  return { 'ivfflat.probes': String(probes), 'ivfflat.iterative_scan': 'relaxed_order', 'ivfflat.max_probes': String(lists) };
}
