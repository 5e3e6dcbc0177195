import { confidenceOf } from './confidence';

const margins = { highMargin: 0.15, mediumMargin: 0.05 };

describe('confidenceOf', () => {
  it.each([
    [0.9, 'high'],
    [0.51, 'high'],
    [0.45, 'medium'],
    [0.38, 'low'],
    [0.34, 'low'],
    [0.28, 'medium'],
    [0.01, 'high'],
  ])('similarity %d against threshold 0.36 is %s', (similarity, expected) => {
    expect(confidenceOf(similarity, 0.36, margins)).toBe(expected);
  });

  it('is low when there is nothing to compare', () => {
    expect(confidenceOf(null, 0.36, margins)).toBe('low');
  });
});
