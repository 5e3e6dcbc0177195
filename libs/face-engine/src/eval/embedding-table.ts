import { readFile } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaceEngine } from '../face-engine';
import { EMBEDDING_DIMENSIONS } from '../pipeline/face-embedder';
import { StageTimings } from '../pipeline/face.types';

/**
 * The primary face's embedding of every photo of a set, packed in one Float32Array (7,701 LFW photos: 16 MB), so
 * that scoring millions of pairs touches contiguous memory and no per-photo objects.
 */
export interface EmbeddingTable {
  files: string[];
  dimensions: number;
  /** Row i is photo i's L2-normalised embedding; all zeros when it has none. */
  vectors: Float32Array;
  /** 1 when a face was found and embedded. */
  hasFace: Uint8Array;
  /** Faces detected per photo (-1: the photo could not be decoded). */
  faceCounts: Int32Array;
  /** Per-stage times of each photo analysed, for "ms per photo"; empty when loaded from a file. */
  timings: StageTimings[];
}

export interface EmbedOptions {
  concurrency: number;
  onProgress?: (done: number, total: number, file: string) => void;
}

/** Analyses every photo the way enrolment and 1:1 do (primary face, no tiles, no liveness). */
export async function embedPhotos(engine: FaceEngine, root: string, files: string[], options: EmbedOptions): Promise<EmbeddingTable> {
  const table = emptyTable(files);
  let next = 0,
    done = 0;
  const workerLoop = async () => {
    while (next < files.length) {
      const i = next++;
      await embedOne(engine, root, table, i);
      options.onProgress?.(++done, files.length, files[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, workerLoop));
  return table;
}

async function embedOne(engine: FaceEngine, root: string, table: EmbeddingTable, i: number): Promise<void> {
  try {
    const result = await engine.analyze(await readFile(join(root, table.files[i])), { details: 'primary', embedding: true });
    table.faceCounts[i] = result.faces.length;
    table.timings.push(result.timings);
    const embedding = result.primaryIndex >= 0 ? result.faces[result.primaryIndex].embedding : undefined;
    if (embedding) {
      table.vectors.set(embedding, i * table.dimensions);
      table.hasFace[i] = 1;
    }
  } catch {
    table.faceCounts[i] = -1;
  }
}

function emptyTable(files: string[]): EmbeddingTable {
  return {
    files,
    dimensions: EMBEDDING_DIMENSIONS,
    vectors: new Float32Array(files.length * EMBEDDING_DIMENSIONS),
    hasFace: new Uint8Array(files.length),
    faceCounts: new Int32Array(files.length),
    timings: [],
  };
}

/** Saves a table as JSON (vectors in base64) so other scorings can run without the models. */
export function saveEmbeddingTable(path: string, table: EmbeddingTable, pipeline: Record<string, unknown>): void {
  const vectors = Buffer.from(table.vectors.buffer, table.vectors.byteOffset, table.vectors.byteLength).toString('base64');
  writeFileSync(
    path,
    JSON.stringify({ pipeline, files: table.files, dimensions: table.dimensions, hasFace: [...table.hasFace], faceCounts: [...table.faceCounts], vectors }),
  );
}

export function loadEmbeddingTable(path: string): { table: EmbeddingTable; pipeline: Record<string, unknown> } {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as {
    pipeline: Record<string, unknown>;
    files: string[];
    dimensions: number;
    hasFace: number[];
    faceCounts: number[];
    vectors: string;
  };
  const bytes = Buffer.from(parsed.vectors, 'base64');
  const vectors = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vectors.buffer).set(bytes);
  if (vectors.length !== parsed.files.length * parsed.dimensions) throw new Error(`${path}: ${vectors.length} values for ${parsed.files.length} photos`);
  const table = {
    files: parsed.files,
    dimensions: parsed.dimensions,
    vectors,
    hasFace: Uint8Array.from(parsed.hasFace),
    faceCounts: Int32Array.from(parsed.faceCounts),
    timings: [],
  };
  return { table, pipeline: parsed.pipeline };
}

/** Dot product of rows i and j (the cosine similarity: rows are L2-normalised). */
export function rowDot(table: EmbeddingTable, i: number, j: number): number {
  const v = table.vectors,
    d = table.dimensions;
  let a = i * d,
    b = j * d,
    dot = 0;
  for (const end = a + d; a < end; a++, b++) dot += v[a] * v[b];
  return dot;
}
