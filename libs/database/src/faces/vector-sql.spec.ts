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
