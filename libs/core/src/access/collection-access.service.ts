import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { CollectionPolicy, effectivePolicy } from '../collections/collection-policy';
import { CollectionsRepository } from '../collections/collections.repository';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { boundCollectionIds, CallerContext } from './actor';

export const DEFAULT_COLLECTION = 'default';

export interface CollectionRef {
  id: string;
  name: string;
  /** The settings with the server's defaults filled in: what every rule reads. */
  policy: CollectionPolicy;
}

/**
 * Confines every request to collections its key may use. A collection the key is not bound to answers exactly like
 * one that does not exist (404), so a key cannot even learn which other collections there are.
 */
@Injectable()
export class CollectionAccessService {
  constructor(
    private readonly collections: CollectionsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The collection a request works in: the one it names, else the key's only collection, else "default". */
  async resolve(caller: Pick<CallerContext, 'collections' | 'collectionIds'>, requested?: string): Promise<CollectionRef> {
    const name = requested ?? (caller.collections.length === 1 ? caller.collections[0] : DEFAULT_COLLECTION);
    if (!this.mayUse(caller, name)) throw collectionNotFound(name);
    const found = await this.collections.findSettings(name);
    if (!found || !this.mayUseCollection(caller, found)) throw collectionNotFound(name);
    return this.ref(found);
  }

  /** A collection by id (for records that point to one), under the same rule as resolve(). */
  async resolveById(caller: CallerContext, id: string): Promise<CollectionRef> {
    const found = await this.collections.findSettingsById(id);
    if (!found || !this.mayUseCollection(caller, found)) throw new DomainError('COLLECTION_NOT_FOUND', 'The collection no longer exists.');
    return this.ref(found);
  }

  /** Every collection the caller may use, with its policy: all of them for an unbound key, else its own by id. */
  async usableCollections(caller: Pick<CallerContext, 'collections' | 'collectionIds'>): Promise<CollectionRef[]> {
    const found = await this.collections.listSettings(boundCollectionIds(caller));
    return found.filter((c) => this.mayUseCollection(caller, c)).map((c) => this.ref(c));
  }

  private ref(found: { id: string; name: string; settings: unknown }): CollectionRef {
    return { id: found.id, name: found.name, policy: this.policyOf(found.settings) };
  }

  /** A collection's stored settings with the server's defaults filled in. */
  policyOf(settings: unknown): CollectionPolicy {
    const defaults = {
      purpose: this.config.collections.defaultPurpose,
      matchThreshold: this.config.matching.threshold,
      livenessThreshold: this.config.liveness.threshold,
    };
    return effectivePolicy(settings ?? {}, defaults);
  }

  mayUse(caller: Pick<CallerContext, 'collections'>, name: string): boolean {
    return caller.collections.length === 0 || caller.collections.includes(name);
  }

  /**
   * mayUse, and for a bound caller, the collection's id among its ids (see Actor.collectionIds): a name outlives its
   * collection, so a bound caller without ids reaches nothing (fails closed) rather than whatever holds the name now.
   */
  mayUseCollection(caller: Pick<CallerContext, 'collections' | 'collectionIds'>, collection: { id: string; name: string }): boolean {
    if (!this.mayUse(caller, collection.name)) return false;
    const ids = boundCollectionIds(caller);
    return ids === undefined || ids.includes(collection.id);
  }
}

export function collectionNotFound(name: string): DomainError {
  return new DomainError('COLLECTION_NOT_FOUND', `No collection "${name}".`);
}
