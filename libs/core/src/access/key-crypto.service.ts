import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';

const KEY_FORMAT = /^fg_([a-z0-9]{8})_[A-Za-z0-9_-]{32,}$/;

/** All key cryptography in one place: generation, hashing, the public prefix and constant-time comparison. */
@Injectable()
export class KeyCryptoService {
  /** A new key: `fg_<8-char public prefix>_<43 chars of secret>` (256 bits of entropy). */
  generate(): string {
    const prefix = randomBytes(6).toString('hex').slice(0, 8);
    return `fg_${prefix}_${randomBytes(32).toString('base64url')}`;
  }

  hash(key: string): string {
    return createHash('sha256').update(key, 'utf8').digest('hex');
  }

  /**
   * The lookup prefix. Generated keys carry it in clear; operator-chosen keys (FACEGATE_API_KEY) use a prefix of
   * their hash. Either way it identifies the row to compare against without being enough to use the key.
   */
  prefixOf(key: string): string {
    const match = KEY_FORMAT.exec(key);
    return match ? match[1] : `h${this.hash(key).slice(0, 11)}`;
  }

  /** Compares two hex digests without leaking where they differ. */
  sameHash(a: string, b: string): boolean {
    const left = Buffer.from(a, 'hex');
    const right = Buffer.from(b, 'hex');
    return left.length === right.length && timingSafeEqual(left, right);
  }
}
