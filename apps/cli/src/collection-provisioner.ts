import { DomainError } from '@facegate/common';
import { Actor } from '../../api/src/auth/caller-context';
import { CollectionsService } from '../../api/src/collections/collections.service';
import { CreateCollectionDto } from '../../api/src/collections/dto/collection.dto';
import { validateLikeApi } from './cli-dto';

/**
 * Creates a collection the tool writes into if it does not exist yet (through the API's service, so the name and
 * settings rules and the audit entry are the same). Returns true when it was created.
 */
export async function ensureCollection(
  collections: CollectionsService,
  caller: Actor,
  collection: { name: string; description?: string | null; settings?: Record<string, unknown> },
): Promise<boolean> {
  const dto = await validateLikeApi(CreateCollectionDto, {
    name: collection.name,
    ...(collection.description ? { description: collection.description } : {}),
    ...(collection.settings && Object.keys(collection.settings).length > 0 ? { settings: collection.settings } : {}),
  });
  try {
    await collections.create(dto, caller);
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'COLLECTION_EXISTS') return false;
    throw error;
  }
}
