/** Pure sizing rules for the IVFFlat index and searches; kept apart from SQL so they are unit-testable. */

export const MAX_TOP_K = 50;
/**
 * People a search may read beyond MAX_TOP_K. Where a collection exposes scores, 1:N reads this many more than asked,
 * so that people the key is locked out of can be left out of a full answer, and a face that reaches one of them shows
 * a stranger's score (RecognitionService.rank). Locks on more people than this around one face leave it short.
 */
export const HIDDEN_MARGIN = 8;
const MIN_CANDIDATES = 40;
const CANDIDATES_PER_RESULT = 8;
/**
 * Rebuild when the indexed rows (people) have grown past this multiple of their number at the last build: the right
 * `lists` has then doubled, and lists sized for half the rows hold twice the rows each, so every probe scans twice as
 * much.
 */
export const REBUILD_GROWTH_FACTOR = 2;

/**
 * Lists per thousand rows (the index's rows are people, one centroid each), 4x pgvector's guidance (rows / 1000).
 * Chosen on the faces' halfvec index with probes sqrt(lists) (BENCHMARKS.md "Vector search"): at the same recall@1
 * (0.995), 100k faces answered in 2.7 ms instead of 6.1 and 1M in 18.8 ms instead of 29.7 with 4,000 lists; kept for
 * the people's index, where 200k people (1M faces) get 800 lists (BENCHMARKS.md "Tiered vector search ... per-person
 * centroid"). Finer lists hold fewer rows, so each probe reads less; the price is the build, in time (k-means grows with
 * rows x lists) and in the server's memory (below).
 */
const LISTS_PER_THOUSAND_ROWS = 4;

/** A halfvec(512) as pgvector lays it out in memory (varlena header, dim, unused, then the values). */
const HALFVEC_ITEM_BYTES = 8 + 2 * 512;
/** Per list, its centres: two halfvec arrays and one of float sums (2 x 1,032 + 2,048 bytes at 512 dimensions). */
const CENTRE_BYTES_PER_LIST = 2 * HALFVEC_ITEM_BYTES + 4 * 512;
/** pgvector samples 50 rows per list for its k-means. */
const SAMPLES_PER_LIST = 50;

/**
 * What pgvector's k-means asks of maintenance_work_mem to build `lists` lists on the halfvec index (ivfkmeans.c
 * ElkanKmeans: the samples, a float lower bound per sample and list, the centres' pairwise distances and the centres;
 * a few bytes per sample are left out, within the 10% of buildMemoryMb). It grows with lists squared: 4,000 lists need 3.3 GB, which the server refused to find under the 256 MB
 * this build used to set ("memory required is 3327 MB").
 */
export function kmeansBuildBytes(lists: number): number {
  const samples = SAMPLES_PER_LIST * lists;
  return samples * HALFVEC_ITEM_BYTES + samples * lists * 4 + lists * lists * 4 + lists * CENTRE_BYTES_PER_LIST;
}

/** maintenance_work_mem for building `lists` lists: the k-means' need with 10% to spare, and never under 256 MB. */
export function buildMemoryMb(lists: number): number {
  return Math.max(256, Math.ceil((kmeansBuildBytes(lists) * 1.1) / 1024 ** 2));
}

/**
 * The most memory an index build asks the database server for, unless configured (FACEGATE_INDEX_BUILD_MEMORY_MB): an
 * automatic rebuild must not take a server's memory by surprise, so the lists stop growing where their build would
 * need more (2,055 lists at the default, from 514k people).
 */
export const DEFAULT_BUILD_MEMORY_MB = 1024;

/** The most lists whose build fits in `memoryMb` (buildMemoryMb(lists) <= memoryMb); at least 10. */
export function maxListsFor(memoryMb: number): number {
  let lists = 10;
  while (buildMemoryMb(lists + 1) <= memoryMb) lists++;
  return lists;
}

/** 4 lists per thousand rows, at least 10, at most what a build within `memoryMb` holds. */
export function listsForRows(rows: number, memoryMb = DEFAULT_BUILD_MEMORY_MB): number {
  return Math.min(maxListsFor(memoryMb), Math.max(10, Math.round((rows * LISTS_PER_THOUSAND_ROWS) / 1000)));
}

/**
 * Lists probed per search: about sqrt(lists) (pgvector's guidance) for a full pass, or a third of that for the first
 * pass of a search that a hit at the caller's threshold ends (FIRST_PASS_PROBES_PER_SQRT_LISTS); an operator's fixed
 * value (FACEGATE_IVFFLAT_PROBES) wins for both. Always within [1, lists].
 */
export function probesForLists(lists: number, fixed?: number, pass: SearchPass = 'full'): number {
  const perSqrtLists = pass === 'first' ? FIRST_PASS_PROBES_PER_SQRT_LISTS : PROBES_PER_SQRT_LISTS;
  return clampProbes(fixed ?? Math.ceil(Math.sqrt(lists) * perSqrtLists), lists);
}

/** A search's first pass (few probes, ended by a hit at the caller's threshold) or its full pass. */
export type SearchPass = 'first' | 'full';

/**
 * Measured with clustered embeddings (BENCHMARKS.md "Vector search" and "Vector search: every face of the candidates'
 * people"). A full pass stays at sqrt(lists): a person enrolled with one face gains nothing from the people re-rank
 * and needs every probe (recall@1 0.975 at 1M faces even so, 0.99 from 1.5 x sqrt(lists)).
 */
export const PROBES_PER_SQRT_LISTS = 1;

/**
 * The first pass's probes. Chosen on the faces' index, where the search re-ranked every face of the candidates'
 * people: with 2 or 5 faces a person, 0.3 x sqrt(lists) probes found the nearest face about as often as sqrt(lists)
 * (1M faces, 2,055 lists: 14 probes instead of 46), and the two passes' recall@1 equalled the full pass's at every size
 * and faces per person. On the people's index at 1M faces (800 lists): 9 probes found the exact answer for 40 of 40
 * truth probes and the probe's person first for 0.985 of 200, 29 probes (the full pass) for all 200. A first pass that
 * finds no one at the caller's threshold is followed by the full pass.
 */
export const FIRST_PASS_PROBES_PER_SQRT_LISTS = 0.3;

export function clampTopK(topK: number): number {
  return clamp(Math.round(Number.isFinite(topK) ? topK : 1), 1, MAX_TOP_K + HIDDEN_MARGIN);
}

export function clampProbes(probes: number, lists: number): number {
  return clamp(Math.round(probes), 1, Math.max(1, lists));
}

/**
 * Candidates fetched from the index, whose every face is then ranked: people on the people's index (one row a
 * person), or faces on the faces' index of an earlier release, where it must exceed topK times the faces a user
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
  /** The lists of the faces' index of an earlier release, while it exists: searched until this index exists. */
  facesIndexLists?: number;
  /** The faces' indexes of earlier releases still there, valid or not (VectorIndexRepository's EARLIER_INDEX_NAMES). */
  earlierIndexes?: string[];
}

/** The index a search walks: the people's index once it exists, until then an earlier release's faces' index, if any. */
export type SearchedIndex = { kind: 'people' | 'faces'; lists: number } | null;

export function searchedIndex(state: IndexState): SearchedIndex {
  if (state.exists && state.lists) return { kind: 'people', lists: state.lists };
  if (!state.exists && state.facesIndexLists) return { kind: 'faces', lists: state.facesIndexLists };
  return null;
}

export type IndexPlan = { action: 'none'; reason: string } | { action: 'create' | 'rebuild' | 'adopt'; lists: number };

/**
 * Decides what ensureIndex() should do for `rows` people (one centroid each); `force` (npm run db:reindex) always rebuilds.
 * `memoryMb` bounds the lists by their build's memory (listsForRows).
 */
export function planIndex(rows: number, state: IndexState, minRowsForIndex: number, force = false, memoryMb = DEFAULT_BUILD_MEMORY_MB): IndexPlan {
  if (force) {
    if (rows === 0) return { action: 'none', reason: 'no faces to index' };
    return { action: state.exists ? 'rebuild' : 'create', lists: listsForRows(rows, memoryMb) };
  }
  if (!state.exists) {
    if (rows < minRowsForIndex) return { action: 'none', reason: `${rows} people, index built from ${minRowsForIndex}` };
    return { action: 'create', lists: listsForRows(rows, memoryMb) };
  }
  // Built by hand or before the bookkeeping existed: record it rather than rebuild on a guess.
  if (state.rowsAtBuild === null) return { action: 'adopt', lists: state.lists ?? listsForRows(rows, memoryMb) };
  if (rows > state.rowsAtBuild * REBUILD_GROWTH_FACTOR) return { action: 'rebuild', lists: listsForRows(rows, memoryMb) };
  return { action: 'none', reason: `index up to date (${state.rowsAtBuild} people at build, ${rows} now)` };
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
