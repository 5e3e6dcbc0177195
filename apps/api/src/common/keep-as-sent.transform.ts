import { Transform } from 'class-transformer';

/**
 * Keeps a free-form object (metadata) exactly as the client sent it. class-transformer rebuilds plain objects key by
 * key and silently skips keys that name a function on the new object (`toString`, `constructor`, `valueOf`, ...), at
 * every depth: a user's `{"constructor": "..."}` would be stored without it. The decorated property's own validators
 * still check the value.
 */
export function KeepAsSent(): PropertyDecorator {
  return Transform(({ obj, key }) => (obj as Record<string, unknown>)[key], { toClassOnly: true });
}
