import { flushDenormalWeights } from './flush-denormals';

const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
const field = (number: number, payload: number[]) => [...varint((number << 3) | 2), ...varint(payload.length), ...payload];
const floats = (values: number[]) => {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return [...bytes];
};
/** ModelProto { ir_version: 7, graph { initializer { data_type, name: "w", raw_data } } }. */
const model = (dataType: number, values: number[]) =>
  new Uint8Array([0x08, 0x07, ...field(7, field(5, [0x10, dataType, ...field(8, [0x77]), ...field(9, floats(values))]))]);
const readFloats = (bytes: Uint8Array, count: number) => {
  const view = new DataView(bytes.buffer, bytes.length - count * 4);
  return Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
};

describe('flushDenormalWeights', () => {
  it('zeroes denormal float weights and leaves every other byte alone', () => {
    const denormal = 1e-40;
    const bytes = model(1, [1.5, denormal, -denormal, 0, 1.2e-38, -3]);
    const before = bytes.slice();
    expect(flushDenormalWeights(bytes)).toBe(2);
    expect(readFloats(bytes, 6)).toEqual([1.5, 0, 0, 0, expect.closeTo(1.2e-38, 40), -3]);
    expect(bytes.length).toBe(before.length);
    expect(bytes.slice(0, bytes.length - 24)).toEqual(before.slice(0, before.length - 24));
  });

  it('does not touch tensors of other types', () => {
    const bytes = model(7, [1e-40, 1e-40]);
    const before = bytes.slice();
    expect(flushDenormalWeights(bytes)).toBe(0);
    expect(bytes).toEqual(before);
  });

  it('refuses a truncated model rather than corrupting it', () => {
    const bytes = model(1, [1e-40]);
    expect(() => flushDenormalWeights(bytes.slice(0, bytes.length - 3))).toThrow(/truncated/);
  });
});
