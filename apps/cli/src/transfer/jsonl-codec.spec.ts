import { checkEmbedding, decodeHeader, decodePerson, encodeHeader, encodePerson, LineError } from './jsonl-codec';

const DIMS = 8;
const unit = (seed: number) => {
  const v = Array.from({ length: DIMS }, (_, i) => Math.sin(seed + i * 1.7));
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};
const expected = { model: 'model-a', dimensions: DIMS };
const options = { dimensions: DIMS, maxFaces: 3 };
const face = (embedding: unknown = Array.from(unit(1))) => ({ embedding, box: { x: 1, y: 2, width: 30, height: 40 }, score: 0.99, quality: { sharpness: 50 } });
const person = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ externalId: 'emp-1', name: 'Ada', collection: 'default', metadata: {}, faces: [face()], ...extra });

function problem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LineError);
    return (error as Error).message;
  }
  throw new Error('no LineError');
}

describe('header', () => {
  const header = encodeHeader({
    model: 'model-a',
    dimensions: DIMS,
    exportedAt: '2026-11-22T00:00:00.000Z',
    collections: [{ name: 'staff', description: null, settings: { matchThreshold: 0.4 } }],
  });

  it('round-trips', () => {
    expect(decodeHeader(header, expected)).toMatchObject({
      format: 'facegate-export',
      version: 1,
      model: 'model-a',
      dimensions: DIMS,
      collections: [{ name: 'staff', settings: { matchThreshold: 0.4 } }],
    });
  });

  it('refuses a file of another model, naming both models', () => {
    expect(problem(() => decodeHeader(header, { ...expected, model: 'model-b' }))).toContain('come from model "model-a", but this server uses "model-b"');
  });

  it('refuses other formats, versions and dimensions', () => {
    expect(problem(() => decodeHeader('{"format":"csv"}', expected))).toContain('not a facegate export');
    expect(problem(() => decodeHeader(header.replace('"version":1', '"version":2'), expected))).toContain('version 2 is not supported');
    expect(problem(() => decodeHeader(header, { ...expected, dimensions: 512 }))).toContain('8-dimensional');
    expect(problem(() => decodeHeader('not json', expected))).toBe('line 1: not valid JSON');
  });

  it('refuses a header with what the API refuses in any body (a lone surrogate, a reserved key)', () => {
    const base = JSON.parse(header) as Record<string, unknown>;
    const surrogate = JSON.stringify({ ...base, collections: [{ name: 'staff', description: 'x\ud800', settings: {} }] });
    expect(problem(() => decodeHeader(surrogate, expected))).toContain('unpaired UTF-16 surrogate');
    const reserved = header.replace('"settings":{', '"settings":{"__proto__":{"matchThreshold":0},');
    expect(problem(() => decodeHeader(reserved, expected))).toContain('reserved key "__proto__"');
  });

  it('refuses a header collection whose settings are not an object or whose description is not a string', () => {
    const withCollection = (c: Record<string, unknown>) => header.replace(/"collections":\[.*\]/, `"collections":[${JSON.stringify({ name: 'staff', ...c })}]`);
    expect(problem(() => decodeHeader(withCollection({ settings: [1] }), expected))).toContain('settings that are not an object');
    expect(problem(() => decodeHeader(withCollection({ description: 5 }), expected))).toContain('description that is not a string');
    expect(decodeHeader(withCollection({}), expected).collections).toEqual([{ name: 'staff', description: null, settings: {} }]);
  });
});

describe('person lines', () => {
  it('round-trips, embeddings exact at float32 precision', () => {
    const embedding = unit(3);
    const text = encodePerson({ externalId: 'emp-1', name: 'Ada', collection: 'default', metadata: { team: 'x' }, faces: [{ ...face(), embedding }] });
    const decoded = decodePerson(text, 2, options);
    expect(Float32Array.from(decoded.faces[0].embedding)).toEqual(embedding);
    expect(decoded).toMatchObject({ externalId: 'emp-1', name: 'Ada', collection: 'default', metadata: { team: 'x' } });
  });

  it.each([
    ['a wrong dimension', person({ faces: [face(Array.from(unit(1)).slice(1))] }), 'face 0: "embedding" has 7 dimensions, expected 8'],
    ['a non-number', person({ faces: [face([...Array.from(unit(1)).slice(1), 'x'])] }), 'finite numbers only'],
    ['a null (NaN in JSON)', person({ faces: [face([...Array.from(unit(1)).slice(1), null])] }), 'finite numbers only'],
    ['an unnormalised vector', person({ faces: [face(Array.from(unit(1), (v) => v * 2))] }), 'not unit-length (norm 2.0000)'],
    ['no faces', person({ faces: [] }), '"faces" must be a list of 1-3 faces'],
    ['too many faces', person({ faces: [face(), face(), face(), face()] }), '"faces" must be a list of 1-3 faces'],
    ['a bad collection', person({ collection: 'Bad Name' }), '"collection"'],
    ['an empty name', person({ name: '' }), '"name"'],
    ['an unknown field', person({ password: 'x' }), 'unknown field "password"'],
    ['a score out of range', person({ faces: [{ ...face(), score: 2 }] }), '"score"'],
    ['a box without height', person({ faces: [{ ...face(), box: { x: 1, y: 1, width: 1 } }] }), '"box"'],
    ['an array', '[1,2]', 'not a JSON object'],
    // What the API refuses in any body: a lone surrogate (stored as U+FFFD, two external ids would become one),
    // NUL (PostgreSQL refuses it halfway through an import) and the keys Nest's pipe deletes.
    ['a lone surrogate in the external id', person({ externalId: 'emp-\ud800' }), 'unpaired UTF-16 surrogate'],
    ['a NUL in the name', person({ name: 'Ada\u0000' }), 'NUL character'],
    ['a reserved metadata key', person({ metadata: { team: { constructor: 'x' } } }), 'reserved key "constructor"'],
    ['__proto__ as a metadata key', person().replace('"metadata":{}', '"metadata":{"__proto__":{"admin":true}}'), 'reserved key "__proto__"'],
    // JSON.parse reads 1e400 as Infinity, which the database would store as null: the API's rule, from the same home.
    ['a metadata number out of range', person().replace('"metadata":{}', '"metadata":{"limits":[{"max":1e400}]}'), 'must be finite'],
    ['metadata over 16 KiB', person({ metadata: { blob: 'x'.repeat(16 * 1024) } }), 'at most 16384 bytes'],
  ])('refuses %s with the line number', (_what, text, message) => {
    const error = problem(() => decodePerson(text, 7, options));
    expect(error.startsWith('line 7: ')).toBe(true);
    expect(error).toContain(message);
  });

  it('accepts a person without externalId', () => {
    expect(decodePerson(person({ externalId: null }), 2, options).externalId).toBeNull();
  });
});

describe('checkEmbedding', () => {
  it('accepts float32 rounding around unit norm', () => {
    expect(() =>
      checkEmbedding(
        Array.from(unit(5), (v) => Number(v.toPrecision(9))),
        DIMS,
      ),
    ).not.toThrow();
  });
});
