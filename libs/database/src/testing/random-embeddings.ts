import { EMBEDDING_DIMENSIONS } from '../faces/vector-sql';

/** Deterministic pseudo-random embeddings for tests (mulberry32 + Box-Muller), so failures reproduce. */
export class EmbeddingGenerator {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniformly random direction: unrelated embeddings are nearly orthogonal (cosine ~ 0 +- 0.05). */
  unitVector(): Float32Array {
    return normalise(Float32Array.from({ length: EMBEDDING_DIMENSIONS }, () => this.gaussian()));
  }

  /** `base` plus noise of relative size `noise`: cosine similarity to base ~ 1 / sqrt(1 + noise^2). */
  near(base: Float32Array, noise: number): Float32Array {
    const scale = noise / Math.sqrt(EMBEDDING_DIMENSIONS);
    return normalise(base.map((value) => value + scale * this.gaussian()));
  }

  private uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  private gaussian(): number {
    const u = 1 - this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

function normalise(vector: Float32Array): Float32Array {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return vector.map((value) => value / norm);
}
