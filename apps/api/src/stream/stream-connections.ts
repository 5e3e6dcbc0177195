import { Injectable } from '@nestjs/common';

/** Open stream connections per API key, so one key cannot hold every socket. */
@Injectable()
export class StreamConnections {
  private readonly byKey = new Map<string, number>();

  /** Counts a connection for `keyId` if it stays within `max`; false when the key already holds `max`. */
  open(keyId: string, max: number): boolean {
    const open = this.byKey.get(keyId) ?? 0;
    if (open >= max) return false;
    this.byKey.set(keyId, open + 1);
    return true;
  }

  close(keyId: string): void {
    const open = (this.byKey.get(keyId) ?? 1) - 1;
    if (open <= 0) this.byKey.delete(keyId);
    else this.byKey.set(keyId, open);
  }

  get total(): number {
    let sum = 0;
    for (const n of this.byKey.values()) sum += n;
    return sum;
  }
}
