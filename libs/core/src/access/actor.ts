/** What an API key may do. `admin` may do everything; the others one class of routes each. */
export const SCOPES = ['admin', 'enrol', 'recognize', 'read'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Whoever acts, as the services shared by the API and the command-line tool see it. The tool holds the database
 * itself and presents no key, so its keyId is null (audit_log.key_id is nullable for it).
 */
export interface Actor {
  keyId: string | null;
  scopes: Scope[];
  /** Collections the key is bound to; empty = every collection. */
  collections: string[];
  /**
   * The ids of those collections, for a caller that came with a key (its names are resolved from these ids when it
   * authenticates). A collection a request reaches is checked by id too, so a name deleted and reused by another
   * tenant while the request runs is not taken for the key's own. Absent: the names alone decide (the command-line
   * tool, which is bound to nothing).
   */
  collectionIds?: string[];
  clientIp: string;
  requestId: string;
}

/** Who is calling over HTTP: always an API key (its identity and limits), plus what the audit log records. */
export interface CallerContext extends Actor {
  keyId: string;
}

export function hasScope(caller: Pick<CallerContext, 'scopes'>, scope: Scope): boolean {
  return caller.scopes.includes('admin') || caller.scopes.includes(scope);
}

/**
 * Whether the caller may see and manage a key bound to `keyCollections`: an unbound admin every key, a bound one only
 * keys confined to its own collections (never an unbound key, nor another tenant's).
 */
export function mayManageKey(caller: Pick<Actor, 'collections'>, keyCollections: string[]): boolean {
  if (caller.collections.length === 0) return true;
  return keyCollections.length > 0 && keyCollections.every((c) => caller.collections.includes(c));
}
