/**
 * The baseline the pgvector numbers are compared with: every embedding held in the Node process and searched by brute
 * force, as CompreFace does (it keeps a collection's embeddings in memory and takes dot products against all of them).
 * Plain JavaScript on one thread, no SIMD or BLAS: a native library would be several times faster per query, the
 * memory cost would be the same.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DIMENSIONS } from './synthetic-gallery';

export interface NodeGallery {
  vectors: Float32Array;
  ids: Int32Array;
  count: number;
  loadMs: number;
  /** Process RSS after loading minus before: what the gallery costs the process. */
  rssGrowthBytes: number;
}

/**
 * A module-local copy: an imported binding compiles (tsx/esbuild, CommonJS) to a getter call on the exporting module,
 * which in the inner loop made each query 4x slower.
 */
const DIM = DIMENSIONS;
const FETCH_ROWS = 20_000;
/** pgvector's binary form (vector_send): int16 dim, int16 unused, then big-endian float4 components. */
const VECTOR_HEADER_BYTES = 4;

/**
 * Reads the table through a cursor, each vector as base64 of pgvector's binary form: 2.8 KB a row instead of ~5 KB of
 * decimal text, decoded natively instead of parsing 512 floats. (pg's `binary` result mode is no use here: its
 * protocol parser decodes every field as UTF-8, which mangles float bytes.)
 */
export async function loadGallery(client: pg.Client, table: string, rows: number): Promise<NodeGallery> {
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const vectors = new Float32Array(rows * DIM);
  const bytes = Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  const ids = new Int32Array(rows);
  let count = 0;
  await client.query('BEGIN');
  try {
    await client.query(`DECLARE gallery NO SCROLL CURSOR FOR
      SELECT id::int4, encode(vector_send(embedding), 'base64') FROM ${table}`);
    for (;;) {
      const batch = await client.query<[number, string]>({ text: `FETCH ${FETCH_ROWS} FROM gallery`, rowMode: 'array' });
      if (batch.rows.length === 0) break;
      if (count + batch.rows.length > rows) throw new Error(`${table} holds more than ${rows} rows`);
      for (const [id, base64] of batch.rows) {
        ids[count] = id;
        Buffer.from(base64, 'base64').copy(bytes, count * DIM * 4, VECTOR_HEADER_BYTES);
        count++;
      }
    }
  } finally {
    await client.query('COMMIT');
  }
  bytes.subarray(0, count * DIM * 4).swap32(); // network byte order to the machine's (little-endian)
  return { vectors, ids, count, loadMs: performance.now() - started, rssGrowthBytes: process.memoryUsage().rss - rssBefore };
}

/** The k most similar ids, best first (dot product = cosine: all vectors are unit length). */
export function searchGallery(gallery: NodeGallery, query: Float32Array, k: number): number[] {
  const best = new Float64Array(k).fill(-Infinity);
  const bestRow = new Int32Array(k).fill(-1);
  const v = gallery.vectors;
  for (let row = 0; row < gallery.count; row++) {
    const score = dot512(v, row * DIM, query);
    if (score <= best[k - 1]) continue;
    // Insertion into the short sorted list: cheaper than a heap for k = 10.
    let i = k - 1;
    while (i > 0 && best[i - 1] < score) {
      best[i] = best[i - 1];
      bestRow[i] = bestRow[i - 1];
      i--;
    }
    best[i] = score;
    bestRow[i] = row;
  }
  return Array.from(bestRow)
    .filter((r) => r >= 0)
    .map((r) => gallery.ids[r]);
}

/** Four accumulators: shorter dependency chains let the CPU overlap the multiply-adds. */
function dot512(v: Float32Array, offset: number, q: Float32Array): number {
  let a = 0,
    b = 0,
    c = 0,
    d = 0;
  for (let i = 0; i < DIM; i += 4) {
    a += v[offset + i] * q[i];
    b += v[offset + i + 1] * q[i + 1];
    c += v[offset + i + 2] * q[i + 2];
    d += v[offset + i + 3] * q[i + 3];
  }
  return a + b + c + d;
}
