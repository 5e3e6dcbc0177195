import { DomainError } from '@facegate/common';
import { Actor, CollectionsService, CreateCollectionDto } from '@facegate/core';
import { validateLikeApi } from './cli-dto';

export interface CollectionSpec {
  name: string;
  description?: string | null;
  settings?: Record<string, unknown>;
}

/**
 * The collection as POST /collections would receive it, validated by the same DTO; throws VALIDATION_FAILED. The
 * import runs this for every collection it may create before writing anything, so bad settings refuse the file.
 */
export function collectionDto(collection: CollectionSpec): Promise<CreateCollectionDto> {
  return validateLikeApi(CreateCollectionDto, {
    name: collection.name,
    ...(collection.description ? { description: collection.description } : {}),
    ...(collection.settings && Object.keys(collection.settings).length > 0 ? { settings: collection.settings } : {}),
  });
}

/**
 * Creates a collection the tool writes into if it does not exist yet (through the API's service, so the name and
 * settings rules and the audit entry are the same). Returns true when it was created.
 */
export async function ensureCollection(collections: CollectionsService, caller: Actor, collection: CollectionSpec): Promise<boolean> {
  const dto = await collectionDto(collection);
  try {
    await collections.create(dto, caller);
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'COLLECTION_EXISTS') return false;
    throw error;
  }
}
