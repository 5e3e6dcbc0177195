import { Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { AuditService } from '../audit/audit.service';
import { Actor, CallerContext, mayGrant, mayManageKey } from './actor';
import { ApiKeysRepository, StoredKey } from './api-keys.repository';
import { KeyCryptoService } from './key-crypto.service';
import { CreateApiKeyDto } from './api-key.inputs';

/** Issuing, listing and revoking keys (admin). A key never grants more than the key that created it. */
@Injectable()
export class ApiKeysAdminService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly crypto: KeyCryptoService,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateApiKeyDto, caller: Actor) {
    const collections = dto.collections ?? [];
    if (!mayGrant(caller, collections)) throw new DomainError('FORBIDDEN', 'A key can only grant access to collections it may use itself.');
    return this.audit.audited(
      caller,
      { action: 'key_create', collection: collections.length === 1 ? collections[0] : null },
      async () => {
        const key = this.crypto.generate();
        const stored = await this.keys.create({
          name: dto.name,
          prefix: this.crypto.prefixOf(key),
          hash: this.crypto.hash(key),
          scopes: dto.scopes,
          collections,
          grantableIds: caller.collectionIds ?? [],
        });
        if (!stored) throw new DomainError('COLLECTION_NOT_FOUND', 'Every collection of the key must exist.');
        return { ...present(stored), key };
      },
      (created) => ({ details: { keyCreated: created.id, prefix: created.prefix, scopes: created.scopes.join(',') } }),
    );
  }

  async list(caller: Actor) {
    const all = await this.keys.list();
    // A bound admin sees only keys confined to its own collections.
    return all.filter((k) => mayManageKey(caller, k.collectionIds)).map(present);
  }

  /** The caller's own key; it authenticated a moment ago, so only a revocation in between makes it vanish. */
  async current(caller: CallerContext) {
    const key = await this.keys.findById(caller.keyId);
    if (!key) throw new DomainError('UNAUTHORIZED', 'The API key is not valid or has been revoked.');
    return present(key);
  }

  async revoke(id: string, caller: Actor): Promise<void> {
    const key = await this.keys.findById(id);
    if (!key || !mayManageKey(caller, key.collectionIds)) throw new DomainError('NOT_FOUND', `No API key ${id}.`);
    await this.audit.audited(
      caller,
      { action: 'key_revoke' },
      async () => {
        if (!(await this.keys.revoke(id, new Date()))) throw new DomainError('NOT_FOUND', `API key ${id} is already revoked.`);
      },
      () => ({ details: { keyRevoked: id, prefix: key.prefix } }),
    );
  }
}

function present(k: StoredKey) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    collections: k.collections,
    // Said outright: an empty list is also what a bound key shows once all its collections are deleted.
    allCollections: k.collectionIds.length === 0,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
  };
}
