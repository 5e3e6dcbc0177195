import { Injectable } from '@nestjs/common';
import { Actor, ApiKeysAdminService, CreateApiKeyDto } from '@facegate/core';
import { validateLikeApi } from '../cli-dto';

type KeyView = Awaited<ReturnType<ApiKeysAdminService['list']>>[number];

/** API keys through the API's own service: same validation, same hashing, same audit entries. */
@Injectable()
export class KeysCommand {
  constructor(private readonly keys: ApiKeysAdminService) {}

  async create(input: { name?: string; scopes?: string[]; collections?: string[] }, caller: Actor) {
    const dto = await validateLikeApi(CreateApiKeyDto, {
      name: input.name,
      scopes: input.scopes,
      ...(input.collections ? { collections: input.collections } : {}),
    });
    return this.keys.create(dto, caller);
  }

  list(caller: Actor): Promise<KeyView[]> {
    return this.keys.list(caller);
  }

  revoke(id: string, caller: Actor): Promise<void> {
    return this.keys.revoke(id, caller);
  }
}

/** A plain table for a terminal; revoked keys stay listed with their date. */
export function formatKeyTable(keys: KeyView[]): string {
  const rows = keys.map((k) => [k.id, k.prefix, k.name, k.scopes.join(','), collectionsCell(k), iso(k.createdAt), iso(k.lastUsedAt), iso(k.revokedAt)]);
  const head = ['id', 'prefix', 'name', 'scopes', 'collections', 'created', 'last used', 'revoked'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return (
    [head, ...rows]
      .map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function iso(date: Date | null): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

/** "(all)" only for a key bound to none: a bound key whose collections were all deleted reaches nothing. */
export function collectionsCell(k: Pick<KeyView, 'collections' | 'allCollections'>): string {
  if (k.allCollections) return '(all)';
  return k.collections.length > 0 ? k.collections.join(',') : '(none left)';
}
