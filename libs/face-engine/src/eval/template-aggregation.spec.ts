import { EmbeddingTable } from './embedding-table';
import { evaluateTemplates } from './template-aggregation';

// Unit vectors in 2-d stand in for embeddings: the similarity of angles a and b is cos(a - b).
function table(angles: number[], hasFace = angles.map(() => 1)): EmbeddingTable {
  const vectors = new Float32Array(angles.length * 2);
  angles.forEach((a, i) => vectors.set([Math.cos(a), Math.sin(a)], i * 2));
  return {
    files: angles.map((_, i) => `p${i}.jpg`),
    dimensions: 2,
    vectors,
    hasFace: Uint8Array.from(hasFace),
    faceCounts: new Int32Array(angles.length),
    timings: [],
  };
}

describe('template aggregation', () => {
  it('makes every photo of a person with two or more a probe against every template', () => {
    // A: three photos, B: two, C: one (not a template: a person needs two photos with a face).
    const t = table([0, 0.1, 0.2, 2, 2.1, 4]);
    const results = evaluateTemplates(t, ['A', 'A', 'A', 'B', 'B', 'C'], { templateSize: 5 });
    for (const r of results) {
      expect(r.genuine).toBe(5);
      expect(r.impostor).toBe(5); // each probe against the one other template
      expect(r.rank1).toBe(1);
      expect(r.eer).toBe(0);
    }
  });

  it('scores the mean embedding and the best photos as defined', () => {
    // Probe at 0 against a template at +-0.5 rad: max = mean of top 2 = cos 0.5, the mean embedding points at 0.
    const t = table([0, 0.5, -0.5, 3, 3.2]);
    const results = evaluateTemplates(t, ['A', 'A', 'A', 'B', 'B'], { templateSize: 2 });
    const byName = Object.fromEntries(results.map((r) => [r.aggregator, r]));
    expect(byName.meanEmbedding.eer).toBe(0);
    expect(byName.max.rank1).toBe(1);
  });

  it('leaves photos without a face out of templates and probes', () => {
    const t = table([0, 0.1, 2, 2.1], [1, 0, 1, 1]);
    const [single] = evaluateTemplates(t, ['A', 'A', 'B', 'B'], { templateSize: 5 });
    expect(single.genuine).toBe(2); // only B's two photos are probes: A has one photo with a face
  });
});
