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

/** The caller a stored key makes: its scopes and bindings as they are now, with where the request came from. */
export function callerForKey(
  key: { id: string; scopes: string[]; collections: string[]; collectionIds: string[] },
  origin: { clientIp: string; requestId: string },
): CallerContext {
  return { keyId: key.id, scopes: key.scopes as Scope[], collections: key.collections, collectionIds: key.collectionIds, ...origin };
}

export function hasScope(caller: Pick<CallerContext, 'scopes'>, scope: Scope): boolean {
  return caller.scopes.includes('admin') || caller.scopes.includes(scope);
}

/**
 * Whether the caller may see and manage a stored key bound to `keyCollectionIds`: an unbound caller every key, a bound
 * one only keys confined to its own collections, by id (never an unbound key, nor another tenant's, nor one bound to a
 * deleted collection that a name now reused would match).
 */
export function mayManageKey(caller: Pick<Actor, 'collections' | 'collectionIds'>, keyCollectionIds: string[]): boolean {
  return confinedTo(boundCollectionIds(caller) ?? null, keyCollectionIds);
}

/**
 * The ids of the collections a bound caller is confined to, or undefined for a caller bound to none. Lists and counts
 * filter by these, never by the names captured at authentication: a collection deleted and created again under the
 * same name (by another tenant) while the request runs is another collection. A bound caller that carries no ids
 * reads nothing.
 */
export function boundCollectionIds(caller: Pick<Actor, 'collections' | 'collectionIds'>): string[] | undefined {
  return caller.collections.length === 0 ? undefined : (caller.collectionIds ?? []);
}

/** Whether the caller may grant a new key these collections, named as the request names them: the same confinement. */
export function mayGrant(caller: Pick<Actor, 'collections'>, names: string[]): boolean {
  return confinedTo(caller.collections.length === 0 ? null : caller.collections, names);
}

/** `own` null: the caller is unbound, so anything; else a non-empty binding within its own. */
function confinedTo(own: string[] | null, bound: string[]): boolean {
  return own === null || (bound.length > 0 && bound.every((c) => own.includes(c)));
}
