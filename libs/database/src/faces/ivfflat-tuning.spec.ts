import {
  buildMemoryMb,
  candidatePool,
  clampProbes,
  clampTopK,
  kmeansBuildBytes,
  listsForRows,
  DEFAULT_BUILD_MEMORY_MB,
  maxListsFor,
  planIndex,
  probesForLists,
  searchedIndex,
} from './ivfflat-tuning';

describe('ivfflat tuning', () => {
  it('sizes lists as 4 x rows/1000, at least 10 and at most what a build within the memory ceiling holds', () => {
    expect(listsForRows(1_000)).toBe(10);
    expect(listsForRows(2_000)).toBe(10);
    expect(listsForRows(20_000)).toBe(80);
    expect(listsForRows(250_000)).toBe(1000);
    expect(DEFAULT_BUILD_MEMORY_MB).toBe(1024);
    expect(maxListsFor(1024)).toBe(2055);
    expect(listsForRows(500_000)).toBe(2000);
    expect(listsForRows(1_000_000)).toBe(2055);
    expect(listsForRows(10_000_000)).toBe(2055);
    // A server with room for the k-means of 4,000 lists (3.3 GB plus 10%) gets them at 1M faces.
    expect(listsForRows(1_000_000, 4096)).toBe(4000);
    expect(listsForRows(10_000_000, 256)).toBe(965);
  });

  it('never sizes fewer lists for more rows or more memory', () => {
    const sizes = [0, 1_000, 2_500, 3_000, 50_000, 514_000, 999_999, 1_000_000, 16_000_000];
    const lists = sizes.map((rows) => listsForRows(rows));
    expect(lists).toEqual([...lists].sort((a, b) => a - b));
    const byMemory = [256, 512, 1024, 4096, 65_536].map(maxListsFor);
    expect(byMemory).toEqual([...byMemory].sort((a, b) => a - b));
  });

  it("estimates pgvector's k-means memory as the server reported it", () => {
    // PostgreSQL 15 + pgvector 0.8, halfvec(512), 1M rows: "memory required is 3327 MB" for 4,000 lists.
    expect(kmeansBuildBytes(4000) / 2 ** 20).toBeGreaterThan(3300);
    expect(kmeansBuildBytes(4000) / 2 ** 20).toBeLessThanOrEqual(3327);
  });

  it('asks the server for the memory its lists need with 10% to spare, 256 MB at least, never past the ceiling', () => {
    expect(buildMemoryMb(10)).toBe(256);
    expect(buildMemoryMb(1000)).toBe(273);
    expect(buildMemoryMb(1000) * 2 ** 20).toBeGreaterThan(kmeansBuildBytes(1000) * 1.1 - 2 ** 20);
    for (const memoryMb of [256, 1024, 4096]) {
      expect(buildMemoryMb(maxListsFor(memoryMb))).toBeLessThanOrEqual(memoryMb);
      expect(buildMemoryMb(maxListsFor(memoryMb) + 1)).toBeGreaterThan(memoryMb);
    }
  });

  it('plans lists within the configured memory', () => {
    const none = { exists: false, lists: null, rowsAtBuild: null };
    expect(planIndex(1_000_000, none, 1000)).toEqual({ action: 'create', lists: 2055 });
    expect(planIndex(1_000_000, none, 1000, false, 4096)).toEqual({ action: 'create', lists: 4000 });
  });

  it('clamps topK to [1, 58] and probes to [1, lists]', () => {
    // Up to MAX_TOP_K and the margin read for people hidden from the answer (HIDDEN_MARGIN).
    expect([0, -3, 1, 7.4, 50, 58, 59, Number.NaN].map(clampTopK)).toEqual([1, 1, 1, 7, 50, 58, 58, 1]);
    expect(clampProbes(10, 5)).toBe(5);
    expect(clampProbes(0, 100)).toBe(1);
    expect(clampProbes(10, 100)).toBe(10);
  });

  it('fetches max(topK * 8, 40) candidates unless told otherwise, never fewer than topK', () => {
    expect(candidatePool(1)).toBe(40);
    expect(candidatePool(10)).toBe(80);
    expect(candidatePool(10, 5)).toBe(10);
    expect(candidatePool(10, 200)).toBe(200);
  });

  it('plans create, adopt, rebuild and nothing', () => {
    const none = { exists: false, lists: null, rowsAtBuild: null };
    expect(planIndex(999, none, 1000)).toMatchObject({ action: 'none' });
    expect(planIndex(1000, none, 1000)).toEqual({ action: 'create', lists: 10 });
    const built = (lists: number, rowsAtBuild: number | null) => ({ exists: true, lists, rowsAtBuild });
    expect(planIndex(5000, built(40, null), 1000)).toEqual({ action: 'adopt', lists: 40 });
    expect(planIndex(2000, built(10, 1000), 1000)).toMatchObject({ action: 'none' });
    expect(planIndex(20_001, built(10, 10_000), 1000)).toEqual({ action: 'rebuild', lists: 80 });
  });

  it('rebuilds on demand with lists for the current size', () => {
    expect(planIndex(5000, { exists: true, lists: 10, rowsAtBuild: 5000 }, 1000, true)).toEqual({ action: 'rebuild', lists: 20 });
    expect(planIndex(500, { exists: false, lists: null, rowsAtBuild: null }, 1000, true)).toEqual({ action: 'create', lists: 10 });
    expect(planIndex(0, { exists: false, lists: null, rowsAtBuild: null }, 1000, true)).toMatchObject({ action: 'none' });
  });

  it('probes about sqrt(lists), a first pass 0.3 x sqrt(lists) (rounded up), unless fixed; always within [1, lists]', () => {
    expect(probesForLists(100)).toBe(10);
    expect(probesForLists(1000)).toBe(32);
    expect(probesForLists(10)).toBe(4);
    expect(probesForLists(80, undefined, 'first')).toBe(3);
    expect(probesForLists(400, undefined, 'first')).toBe(6);
    expect(probesForLists(2055, undefined, 'first')).toBe(14);
    expect(probesForLists(10, undefined, 'first')).toBe(1);
    expect(probesForLists(1000, 7, 'first')).toBe(7);
    expect(probesForLists(1000, 7)).toBe(7);
    expect(probesForLists(10, 50)).toBe(10);
  });

  it("searches the people's index once it exists, an earlier release's faces' index until then, else scans", () => {
    const base = { rowsAtBuild: null };
    expect(searchedIndex({ ...base, exists: true, lists: 800, facesIndexLists: 2055 })).toEqual({ kind: 'people', lists: 800 });
    expect(searchedIndex({ ...base, exists: false, lists: null, facesIndexLists: 2055 })).toEqual({ kind: 'faces', lists: 2055 });
    expect(searchedIndex({ ...base, exists: false, lists: null })).toBeNull();
    // An index row without a readable lists option is not searched rather than searched with a guess.
    expect(searchedIndex({ ...base, exists: true, lists: null, facesIndexLists: 2055 })).toBeNull();
  });
});
