/** Dimensions of the face embeddings stored in faces.embedding (vector(512)). */
export const EMBEDDING_DIMENSIONS = 512;

/**
 * pgvector's text form of an embedding, to be sent as a query parameter and cast with `::vector`.
 *
 * Same output format as `pgvector.toSql()` (the npm package), which cannot be used here: it is ESM-only, and jest on
 * Node 20 cannot require() ES modules from node_modules. Each float32 is written with 9 significant digits, the
 * fewest that always round-trip a float32 exactly, instead of the ~17 of its double expansion: half the bytes on the
 * wire, same stored value.
 */
export function toVectorSql(embedding: Float32Array | readonly number[]): string {
  if (embedding.length !== EMBEDDING_DIMENSIONS) {
    throw new Error(`Embedding has ${embedding.length} dimensions, expected ${EMBEDDING_DIMENSIONS}`);
  }
  const values = Array.from(embedding, (value) => {
    if (!Number.isFinite(value)) throw new Error('Embedding contains NaN or Infinity');
    return Number(value.toPrecision(9));
  });
  return JSON.stringify(values);
}
