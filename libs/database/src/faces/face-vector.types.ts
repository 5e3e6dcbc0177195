/** A face template to store; box and quality are opaque JSON for this layer. */
export interface NewFace {
  userId: string;
  collectionId: string;
  embedding: Float32Array;
  modelId: string;
  box: unknown;
  /** Detector confidence. */
  score: number;
  quality: unknown;
}

export interface InsertedFace {
  id: string;
  createdAt: Date;
}

export interface SearchCollectionParams {
  collectionId: string;
  embedding: Float32Array;
  /** Distinct users wanted; clamped to [1, 50]. */
  topK: number;
  /** People fetched from the IVFFlat index, whose every face is then ranked (default max(topK * 8, 40)). */
  candidates?: number;
  /**
   * Given, the index path searches in two passes: a first pass probing few lists, kept when `found` says its hits
   * answer the caller (a person it may name at its threshold), else a full pass probing the full number
   * (probesForLists). Not given: the full pass at once. Leave it out where every match must be found (duplicate
   * checks, charges).
   */
  found?: (hits: SearchHit[]) => Promise<boolean>;
}

export interface SearchHit {
  userId: string;
  /** The user's closest face. */
  faceId: string;
  /** Cosine similarity, 1 - cosine distance, in [-1, 1]. */
  similarity: number;
  /** The user's external id and name, read in the search's own statement (no second query to name the hits). */
  externalId: string | null;
  name: string;
}

/** One stored face with its embedding: the probe of a search by face id. */
export interface StoredFace {
  id: string;
  userId: string;
  collectionId: string;
  embedding: Float32Array;
  box: unknown;
  score: number;
  quality: unknown;
}

export interface BestMatch {
  faceId: string;
  similarity: number;
}

export interface IndexInfo {
  /** The index on people's centroids exists (and is valid). */
  exists: boolean;
  /** What searches walk: the people's index, the faces' index of an earlier release until then, or none (exact). */
  kind: 'people' | 'faces' | null;
  /** Lists of the index searches walk (`kind`). */
  lists: number | null;
  /** People when the people's index was built. */
  rowsAtBuild: number | null;
  builtAt: Date | null;
  /** Probes a search uses now: FACEGATE_IVFFLAT_PROBES, or about sqrt(lists); clamped to [1, lists]. */
  probes: number;
  probesSource: 'fixed' | 'auto';
  /** The number of people at which the index is rebuilt with more lists (null until built). */
  rebuildAtRows: number | null;
  /** Collections with fewer faces are searched exactly instead. */
  exactScanMaxFaces: number;
  /** The faces' indexes of earlier releases still there: npm run db:reindex drops them. */
  earlierIndexes: string[];
}

export interface EnsureIndexResult {
  action: 'none' | 'created' | 'rebuilt' | 'adopted' | 'busy';
  /** People with faces (rows of user_centroids) when it ran. */
  rows: number;
  lists: number | null;
  durationMs: number;
  reason?: string;
  /** The faces' indexes of earlier releases this call dropped. */
  droppedEarlier?: string[];
}
