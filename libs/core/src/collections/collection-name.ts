/** A collection's name: 1-64 lowercase letters, digits, "-" or "_" (the HTTP DTOs and the CLI both check it). */
export const COLLECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
