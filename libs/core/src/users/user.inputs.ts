import type { ImageInput } from '../common/image-input';

/** What enrolling a person takes, whichever door it came through (the API's DTOs implement these). */
export interface CreateUserInput {
  name: string;
  externalId?: string;
  collection?: string;
  images: ImageInput[];
  metadata?: Record<string, unknown>;
  allowDuplicate?: boolean;
  allowMismatch?: boolean;
}

/** The most faces one person may have (FACEGATE_MAX_FACES_PER_USER's upper bound), and so the most one call deletes. */
export const MAX_FACES_PER_USER_LIMIT = 1000;

export interface UpdateUserInput {
  name?: string;
  metadata?: Record<string, unknown>;
}

export interface ListUsersQuery {
  collection?: string;
  limit?: number;
  cursor?: string;
  search?: string;
}
