import { createHash, randomBytes, randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** All randomness and hashing of the liveness challenge: challenge draws, tokens, token and frame digests. */
@Injectable()
export class LivenessSecretsService {
  /** A uniform integer in [0, n) from the CSPRNG, so a client cannot predict the next challenge. */
  randomInt(n: number): number {
    return randomInt(n);
  }

  /** A liveness token: `lt_` and 256 bits of randomness. Only its hash is stored. */
  token(): string {
    return `lt_${randomBytes(32).toString('base64url')}`;
  }

  /** The nonce of one challenge step: 128 random bits, shown when the step is revealed. */
  nonce(): string {
    return randomBytes(16).toString('base64url');
  }

  hash(value: string | Uint8Array): string {
    return createHash('sha256').update(value).digest('hex');
  }
}
