import { DatabaseObserver, DatabaseOperation, timedOperation } from './database-observer';

describe('timedOperation', () => {
  const recorder = () => {
    const seen: Array<[DatabaseOperation, number]> = [];
    const observer: DatabaseObserver = { operationTimed: (operation, ms) => seen.push([operation, ms]) };
    return { seen, observer };
  };

  it('reports the operation and its duration, and returns what the work returned', async () => {
    const { seen, observer } = recorder();
    const result = await timedOperation(observer, 'vector_search', async () => {
      await new Promise((r) => setTimeout(r, 20));
      return 42;
    });
    expect(result).toBe(42);
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toBe('vector_search');
    expect(seen[0][1]).toBeGreaterThanOrEqual(15);
  });

  it('reports a failed operation too, and lets its error through', async () => {
    const { seen, observer } = recorder();
    await expect(timedOperation(observer, 'audit_write', () => Promise.reject(new Error('connection lost')))).rejects.toThrow('connection lost');
    expect(seen.map(([operation]) => operation)).toEqual(['audit_write']);
  });

  it('only runs the work when nothing observes', async () => {
    await expect(timedOperation(undefined, 'user_match', () => Promise.resolve('x'))).resolves.toBe('x');
  });
});
