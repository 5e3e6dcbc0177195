import { DEFAULT_BUILD_MEMORY_MB } from './faces/ivfflat-tuning';

/** Injection token of the DatabaseOptions object. */
export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

export interface DatabaseOptions {
  /** postgres:// URL of a PostgreSQL server with pgvector; absent = embedded PGlite in `dataDir`. */
  url?: string;
  /** Embedded database directory (used only without `url`). */
  dataDir: string;
  /** Connections in Prisma's pg pool. */
  poolSize: number;
  /** IVFFlat lists probed per search (clamped to [1, lists]); absent = about sqrt(lists), from the index's size. */
  probes?: number;
  /** Collections with fewer faces are searched exactly (no index); see FaceVectorRepository. */
  exactScanMaxFaces: number;
  /** People with faces before ensureIndex() builds the IVFFlat index (on their centroids). */
  minRowsForIndex: number;
  /** The most maintenance_work_mem an index build asks for (MB); it caps the lists (listsForRows). */
  indexBuildMemoryMb: number;
  /** Defaults to the nearest `prisma/migrations` above this library. */
  migrationsDir?: string;
  /** postgres:// URLs of streaming replicas of `url` that serve searches (ReplicaRouter); none by default. */
  replicaUrls?: string[];
  /** How often each replica's replay position is read (ms). */
  replicaPollMs?: number;
}

/**
 * Defaults measured on this project's hardware (see libs/database/README.md and BENCHMARKS.md): an exact scan of a
 * collection costs ~1.2 us per face on native PostgreSQL (4 ms at 5k, 25 ms at 20k faces) and always finds the true
 * nearest face; above 20k faces the IVFFlat index answers in a few ms with probes from its size (probesForLists).
 */
export const DEFAULT_DATABASE_OPTIONS: Omit<DatabaseOptions, 'url' | 'dataDir'> & { replicaPollMs: number } = {
  poolSize: 10,
  exactScanMaxFaces: 20_000,
  minRowsForIndex: 1_000,
  indexBuildMemoryMb: DEFAULT_BUILD_MEMORY_MB,
  replicaPollMs: 100,
};

/** The valid range [min, max] of each numeric option: the one home of these bounds (the app's configuration reads them). */
export const DATABASE_OPTION_RANGES = {
  poolSize: [1, 100],
  probes: [1, 10_000],
  exactScanMaxFaces: [0, 100_000_000],
  minRowsForIndex: [1, 100_000_000],
  indexBuildMemoryMb: [256, 65_536],
  replicaPollMs: [10, 60_000],
} as const satisfies Record<string, readonly [number, number]>;

/**
 * The embedded server is 32-bit WebAssembly with a 2 GiB heap: maintenance_work_mem cannot pass 2 GB there, and a
 * k-means near that would exhaust the heap. So its index builds get at most 1 GB, 512 MB by default (965 lists hold in
 * 256 MB, 1,416 in 512: far beyond the galleries the embedded server is for).
 */
export const EMBEDDED_INDEX_BUILD_MEMORY_MB = { default: 512, max: 1024 } as const;

/** Throws on nonsense values, so a bad configuration fails at start-up rather than in the first query. */
export function validateDatabaseOptions(options: DatabaseOptions): DatabaseOptions {
  requireInteger('poolSize', options.poolSize, DATABASE_OPTION_RANGES.poolSize);
  requireInteger('minRowsForIndex', options.minRowsForIndex, DATABASE_OPTION_RANGES.minRowsForIndex);
  const [minMemory, maxMemory] = DATABASE_OPTION_RANGES.indexBuildMemoryMb;
  requireInteger('indexBuildMemoryMb', options.indexBuildMemoryMb, [minMemory, options.url ? maxMemory : EMBEDDED_INDEX_BUILD_MEMORY_MB.max]);
  if (options.probes !== undefined) requireInteger('probes', options.probes, DATABASE_OPTION_RANGES.probes);
  requireInteger('exactScanMaxFaces', options.exactScanMaxFaces, DATABASE_OPTION_RANGES.exactScanMaxFaces);
  if (!options.url && !options.dataDir) throw new Error('DatabaseOptions needs either url or dataDir');
  if (options.replicaPollMs !== undefined) requireInteger('replicaPollMs', options.replicaPollMs, DATABASE_OPTION_RANGES.replicaPollMs);
  // The embedded server has no replicas: its data directory is its own.
  if (options.replicaUrls?.length && !options.url) throw new Error('DatabaseOptions.replicaUrls needs url (a PostgreSQL primary)');
  return options;
}

function requireInteger(name: string, value: unknown, [min, max]: readonly [number, number]): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`DatabaseOptions.${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
}
