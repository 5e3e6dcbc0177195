import { parseLsn, pickReplica } from './lsn';

describe('WAL positions', () => {
  it('reads the text form of pg_lsn as one number, high word first', () => {
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
  });

  it('refuses what is not a position', () => {
    for (const text of ['', '16', '16/', 'x/1', '1/2/3', '123456789/0']) expect(() => parseLsn(text)).toThrow('not a WAL position');
  });
});

describe('pickReplica', () => {
  const at = (replayed: bigint | null, up = true) => ({ up, replayed });

  it('takes only a replica that is up and has replayed the needed position', () => {
    expect(pickReplica([at(10n), at(20n)], 15n, 0)).toBe(1);
    expect(pickReplica([at(10n), at(20n, false)], 15n, 0)).toBeNull();
    expect(pickReplica([at(null), at(9n)], 10n, 0)).toBeNull();
    expect(pickReplica([], 0n, 0)).toBeNull();
  });

  it('counts a replica that replayed exactly the write as caught up', () => {
    expect(pickReplica([at(15n)], 15n, 0)).toBe(0);
  });

  it('spreads reads over the replicas that qualify, from the given start', () => {
    const replicas = [at(20n), at(20n), at(5n)];
    expect([0, 1, 2, 3].map((start) => pickReplica(replicas, 10n, start % 3))).toEqual([0, 1, 0, 0]);
  });
});
