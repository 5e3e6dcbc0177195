/** A PostgreSQL WAL position ("16/B374D848", the text form of pg_lsn) as a number that compares and subtracts. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text.trim());
  if (!match) throw new Error(`not a WAL position: ${text}`);
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
}

/** What a replica was last seen to be: answering as a standby, and how far it has replayed the primary's WAL. */
export interface ReplicaPosition {
  up: boolean;
  /** Replayed WAL position; null until the first successful read. */
  replayed: bigint | null;
}

/**
 * The replica a read may use: one that is up and has replayed at least `needed` (the collection's last face write),
 * taken in turn from `start` so the load spreads; null when none has (the read goes to the primary).
 */
export function pickReplica(replicas: readonly ReplicaPosition[], needed: bigint, start: number): number | null {
  for (let k = 0; k < replicas.length; k++) {
    const i = (start + k) % replicas.length;
    const r = replicas[i];
    if (r.up && r.replayed !== null && r.replayed >= needed) return i;
  }
  return null;
}
