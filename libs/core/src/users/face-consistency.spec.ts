import { findMismatch } from './face-consistency';

/** A unit vector mostly along `axis`, tilted towards axis+1 by `tilt` (cosine between two tilts is predictable). */
function face(axis: number, tilt = 0): Float32Array {
  const v = new Float32Array(8);
  v[axis] = Math.cos(tilt);
  v[(axis + 1) % 8] = Math.sin(tilt);
  return v;
}

describe('findMismatch', () => {
  it('accepts one photo, and photos of one person', () => {
    expect(findMismatch([face(0)], 0.36)).toBeNull();
    expect(findMismatch([face(0), face(0, 0.3), face(0, 0.6)], 0.36)).toBeNull();
  });

  it('blames the later photo of two different people', () => {
    expect(findMismatch([face(0), face(3)], 0.36)).toEqual({ index: 1, otherIndex: 0 });
  });

  it('blames the odd one out among several, wherever it is', () => {
    expect(findMismatch([face(0), face(4), face(0, 0.2), face(0, 0.4)], 0.36)).toEqual({ index: 1, otherIndex: 0 });
    expect(findMismatch([face(4), face(0), face(0, 0.2)], 0.36)).toEqual({ index: 0, otherIndex: 1 });
  });

  it('judges at the given threshold: a pair at cosine 0.3601 passes 0.36 and fails 0.37', () => {
    const pair = [face(0), face(0, Math.acos(0.3601))];
    expect(findMismatch(pair, 0.36)).toBeNull();
    expect(findMismatch(pair, 0.37)).toEqual({ index: 1, otherIndex: 0 });
  });
});
