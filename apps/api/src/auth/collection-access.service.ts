import { Injectable } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { PrismaService } from '@facegate/database';
import { CallerContext } from './caller-context';

export const DEFAULT_COLLECTION = 'default';

export interface CollectionRef {
  id: string;
  name: string;
  settings: { matchThreshold?: number; livenessMode?: 'off' | 'advisory' | 'enforce'; livenessThreshold?: number; requireLivenessToken?: boolean };
}

/**
 * Confines every request to collections its key may use. A collection the key is not bound to answers exactly like
 * one that does not exist (404), so a key cannot even learn which other collections there are.
 */
@Injectable()
export class CollectionAccessService {
  constructor(private readonly prisma: PrismaService) {}

  /** The collection a request works in: the one it names, else the key's only collection, else "default". */
  async resolve(caller: Pick<CallerContext, 'collections'>, requested?: string): Promise<CollectionRef> {
    const name = requested ?? (caller.collections.length === 1 ? caller.collections[0] : DEFAULT_COLLECTION);
    if (!this.mayUse(caller, name)) throw collectionNotFound(name);
    const found = await this.prisma.client.collection.findUnique({ where: { name }, select: { id: true, name: true, settings: true } });
    if (!found) throw collectionNotFound(name);
    return { id: found.id, name: found.name, settings: (found.settings ?? {}) as CollectionRef['settings'] };
  }

  /** A collection by id (for records that point to one), under the same rule as resolve(). */
  async resolveById(caller: CallerContext, id: string): Promise<CollectionRef> {
    const found = await this.prisma.client.collection.findUnique({ where: { id }, select: { id: true, name: true, settings: true } });
    if (!found || !this.mayUse(caller, found.name)) throw new DomainError('COLLECTION_NOT_FOUND', 'The collection no longer exists.');
    return { id: found.id, name: found.name, settings: (found.settings ?? {}) as CollectionRef['settings'] };
  }

  mayUse(caller: Pick<CallerContext, 'collections'>, name: string): boolean {
    return caller.collections.length === 0 || caller.collections.includes(name);
  }
}

export function collectionNotFound(name: string): DomainError {
  return new DomainError('COLLECTION_NOT_FOUND', `No collection "${name}".`);
}
