// Cached once: inside jest's sandbox every lookup of a global such as Math is slow, and this runs per pixel in tests.
const { imul } = Math;

/**
 * mulberry32: a seeded pseudo-random source in [0, 1), the same on every machine, so evaluations, measurements and
 * generated test data reproduce. Not for secrets (the service draws those from the CSPRNG).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
