import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { boundCollectionIds, CallerContext, mayManageKey } from '../access/actor';
import { CollectionAccessService, collectionNotFound } from '../access/collection-access.service';
import { UsersService } from '../users/users.service';
import { ClearLockoutQuery, ListLockoutsQuery } from './lockout.inputs';
import { LockoutRow, LockoutsRepository } from './lockouts.repository';

/** Admin view of verification locks; a key bound to collections sees and clears only those collections' locks. */
@Injectable()
export class LockoutsService {
  constructor(
    private readonly lockouts: LockoutsRepository,
    private readonly people: UsersService,
    private readonly access: CollectionAccessService,
    private readonly audit: AuditService,
  ) {}

  async list(query: ListLockoutsQuery, caller: CallerContext) {
    if (query.collection && !this.access.mayUse(caller, query.collection)) throw collectionNotFound(query.collection);
    const rows = await this.lockouts.active({
      collectionIds: boundCollectionIds(caller),
      collection: query.collection,
      userId: query.userId,
      limit: query.limit ?? 100,
    });
    return { items: rows.map((row) => present(row, caller)) };
  }

  async clear(userId: string, query: ClearLockoutQuery, caller: CallerContext): Promise<void> {
    const user = await this.people.visible(userId, caller);
    await this.audit.audited(
      caller,
      { action: 'lockout_clear', collection: user.collection.name, userId: user.id },
      () => this.lockouts.clear(user.id, query.keyId),
      (cleared) => ({ details: { cleared, lockedKeyId: query.keyId ?? null } }),
    );
  }
}

/** A bound admin sees that some key is locked out of its person, but not which key, unless it may see that key. */
function present({ keyCollectionIds, ...row }: LockoutRow, caller: CallerContext) {
  if (mayManageKey(caller, keyCollectionIds)) return row;
  return { ...row, keyId: null, keyPrefix: null, keyName: null };
}
