import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '@facegate/common';
import { isUniqueViolation } from '@facegate/database';
import { ApiKeysRepository, APP_CONFIG, AppConfig, CallerContext, KeyCryptoService, StoredKey } from '@facegate/core';
import { StartupError } from '../common/startup-error';
import { callerFrom } from './caller.decorator';

const MAX_KEY_LENGTH = 256;

const TOUCH_INTERVAL_MS = 60_000;

/** Issues and checks API keys. Only hashes are stored; a plain key is shown once, when it is created. */
@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly crypto: KeyCryptoService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** First start: adopt FACEGATE_API_KEY as an admin key, or generate one and print it once. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.apiKey) return this.adoptConfiguredKey(this.config.apiKey);
    if ((await this.keys.countActive()) > 0) return;
    const key = this.crypto.generate();
    await this.store('admin (generated at first start)', key);
    // Printed once, on purpose, to stdout: it is not stored anywhere in clear.
    process.stdout.write(
      `\n  facegate: no API key existed, so an admin key was generated. It is shown only this once:\n\n      ${key}\n\n  Send it as the X-API-Key header. Set FACEGATE_API_KEY to choose your own.\n\n`,
    );
  }

  /**
   * Who sends this request, from its X-API-Key, or UNAUTHORIZED: the one rule for every guard that takes API keys
   * (the global guard, and /metrics which also takes a bearer token).
   */
  async callerOf(request: Request): Promise<CallerContext> {
    const presented = request.header('X-API-Key');
    if (!presented || presented.length > MAX_KEY_LENGTH) throw new DomainError('UNAUTHORIZED', 'Send a valid API key in the X-API-Key header.');
    const key = await this.authenticate(presented);
    if (!key) throw new DomainError('UNAUTHORIZED', 'The API key is not valid or has been revoked.');
    return callerFrom(request, key);
  }

  /** The key's row if the presented key is valid and not revoked; compared in constant time. */
  async authenticate(presented: string): Promise<StoredKey | null> {
    const stored = await this.keys.findActiveByPrefix(this.crypto.prefixOf(presented));
    if (!stored || !this.crypto.sameHash(stored.hash, this.crypto.hash(presented))) return null;
    const now = new Date();
    if (!stored.lastUsedAt || now.getTime() - stored.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      // Best effort and throttled: last-used is informative, not worth a write per request.
      void this.keys.touch(stored.id, now).catch(() => undefined);
    }
    return stored;
  }

  /**
   * A key admitted earlier as it is now, or null once it is revoked or bound to nothing that exists (a stream re-reads
   * its key before every frame).
   */
  stillActive(keyId: string): Promise<StoredKey | null> {
    return this.keys.findActiveById(keyId);
  }

  /**
   * FACEGATE_API_KEY becomes an admin key on first sight. A revoked one must not come back to life at the next start
   * (revoking is how a leaked key is killed), and one whose prefix belongs to another stored key cannot be stored:
   * both stop the start with what to do.
   */
  private async adoptConfiguredKey(key: string): Promise<void> {
    const stored = await this.keys.findByPrefix(this.crypto.prefixOf(key));
    if (!stored) {
      try {
        await this.store('admin (FACEGATE_API_KEY)', key);
      } catch (error) {
        // Another instance starting at the same moment stored it first: judge what it stored.
        if (isUniqueViolation(error)) return this.adoptConfiguredKey(key);
        throw error;
      }
      this.logger.log('Registered FACEGATE_API_KEY as an admin key.');
      return;
    }
    if (!this.crypto.sameHash(stored.hash, this.crypto.hash(key))) {
      throw new StartupError(
        `FACEGATE_API_KEY has the prefix ${stored.prefix} of another stored key (${stored.id}) but is not that key: set FACEGATE_API_KEY to a different key.`,
      );
    }
    if (stored.revokedAt) {
      throw new StartupError(
        `FACEGATE_API_KEY was revoked on ${stored.revokedAt.toISOString()} (key ${stored.id}): set FACEGATE_API_KEY to a new key, or unset it and use a key issued with POST /api-keys or "facegate keys create".`,
      );
    }
  }

  private store(name: string, key: string) {
    return this.keys.create({ name, prefix: this.crypto.prefixOf(key), hash: this.crypto.hash(key), scopes: ['admin'], collections: [] });
  }
}
