export interface ListLockoutsQuery {
  collection?: string;
  userId?: string;
  limit?: number;
}

export interface ClearLockoutQuery {
  /** Clear only the lock this key caused; absent = every key. */
  keyId?: string;
}
