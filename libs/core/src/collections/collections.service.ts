import { Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { isUniqueViolation } from '@facegate/database';
import { AuditService } from '../audit/audit.service';
import { Actor, boundCollectionIds, CallerContext } from '../access/actor';
import { CollectionAccessService, collectionNotFound, DEFAULT_COLLECTION } from '../access/collection-access.service';
import { CollectionRecord, CollectionsRepository } from './collections.repository';
import { CreateCollectionDto, UpdateCollectionDto } from './collection.inputs';
import type { CollectionSettings } from './collection-policy';

/** Galleries: isolated sets of people (an event, an organisation, a tenant). */
@Injectable()
export class CollectionsService {
  constructor(
    private readonly collections: CollectionsRepository,
    private readonly access: CollectionAccessService,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateCollectionDto, caller: Actor) {
    // A key bound to some collections manages those; creating new ones is for unbound admin keys.
    if (caller.collections.length > 0) throw new DomainError('FORBIDDEN', 'A key bound to collections cannot create collections.');
    return this.audit.audited(caller, { action: 'collection_create', collection: dto.name }, async () => {
      try {
        return this.present(await this.collections.create({ name: dto.name, description: dto.description, settings: { ...dto.settings } }));
      } catch (error) {
        if (isUniqueViolation(error)) throw new DomainError('COLLECTION_EXISTS', `A collection "${dto.name}" already exists.`);
        throw error;
      }
    });
  }

  async list(caller: CallerContext) {
    const rows = await this.collections.list(boundCollectionIds(caller));
    return rows.map((c) => this.present(c));
  }

  async get(name: string, caller: CallerContext) {
    return this.present(await this.visible(name, caller));
  }

  async update(name: string, dto: UpdateCollectionDto, caller: CallerContext) {
    const { id } = await this.visible(name, caller);
    return this.audit.audited(caller, { action: 'collection_update', collection: name }, async () => {
      const updated = await this.collections.update(id, { description: dto.description, settings: dto.settings ? { ...dto.settings } : undefined });
      if (!updated) throw collectionNotFound(name);
      return this.present(updated);
    });
  }

  async remove(name: string, caller: CallerContext): Promise<void> {
    const { id } = await this.visible(name, caller);
    if (name === DEFAULT_COLLECTION) throw new DomainError('VALIDATION_FAILED', 'The default collection cannot be deleted; delete its users instead.');
    await this.audit.audited(
      caller,
      { action: 'collection_delete', collection: name },
      async () => {
        const removed = await this.collections.delete(id);
        if (!removed) throw collectionNotFound(name);
        return removed;
      },
      (removed) => ({ details: removed }),
    );
  }

  private async visible(name: string, caller: CallerContext): Promise<CollectionRecord> {
    const found = this.access.mayUse(caller, name) ? await this.collections.find(name) : null;
    if (!found || !this.access.mayUseCollection(caller, found)) throw collectionNotFound(name);
    return found;
  }

  /** What is stored, and the policy in force: the purpose's defaults and the server's, filled in. */
  private present(c: CollectionRecord) {
    const counts = { users: c._count.users, faces: c._count.faces };
    return {
      id: c.id,
      name: c.name,
      description: c.description,
      // Written only from validated CollectionSettingsDto input.
      settings: c.settings as CollectionSettings,
      policy: this.access.policyOf(c.settings),
      ...counts,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
    };
  }
}
