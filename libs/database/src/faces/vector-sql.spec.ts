import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The model's identity lives in the face engine; this library only names the column it fills.
import { EMBEDDING_MODEL } from '../../../face-engine/src/pipeline/model-files';
import { EMBEDDING_DIMENSIONS, toVectorSql } from './vector-sql';

describe('toVectorSql', () => {
  it('writes pgvector text that round-trips every float32 exactly', () => {
    const values = Float32Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => Math.sin(i * 12.9898) * 0.3);
    values[0] = 1e-8;
    values[1] = -0.1;
    const text = toVectorSql(values);
    expect(text.startsWith('[') && text.endsWith(']')).toBe(true);
    const parsed = Float32Array.from(text.slice(1, -1).split(',').map(Number));
    expect(parsed).toEqual(values);
  });

  it('rejects wrong dimensions and non-finite values', () => {
    expect(() => toVectorSql(new Float32Array(3))).toThrow(/3 dimensions, expected 512/);
    const bad = new Float32Array(EMBEDDING_DIMENSIONS);
    bad[7] = Number.NaN;
    expect(() => toVectorSql(bad)).toThrow(/NaN/);
  });
});

describe('EMBEDDING_DIMENSIONS', () => {
  it("is the column's width in the schema and the embedding model's output size (the model's home is the face engine)", () => {
    const root = join(__dirname, '../../../..');
    const schema = readFileSync(join(root, 'prisma/schema.prisma'), 'utf8');
    const init = readFileSync(join(root, 'prisma/migrations/20261122000000_init/migration.sql'), 'utf8');
    expect(EMBEDDING_DIMENSIONS).toBe(EMBEDDING_MODEL.dimensions);
    expect(schema).toContain(`vector(${EMBEDDING_DIMENSIONS})`);
    expect(init).toContain(`vector(${EMBEDDING_DIMENSIONS})`);
  });
});
