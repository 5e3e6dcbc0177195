import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * Characters a name, an identifier or a metadata key never needs and an attacker uses to make text display as
 * something else: C0/C1 controls, line and paragraph separators, and format characters (bidi overrides and isolates
 * such as U+202E, which turn "Admin\u202Enimda" into "Adminadmin" on screen, zero-width spaces, the BOM).
 * The zero-width joiner and non-joiner (U+200C, U+200D) stay allowed: Persian and Indic names and emoji need them.
 */
const HIDDEN = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

export function isPlainText(value: string): boolean {
  return !HIDDEN.test(value);
}

/** A string without control, bidi or other invisible format characters (VALIDATION_FAILED otherwise). */
export function IsPlainText(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPlainText',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must not contain control, bidi or other invisible format characters`, ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || isPlainText(value) },
    });
}

/** An object whose keys, at every depth, are plain text (metadata: keys are shown as labels). */
export function HasPlainKeys(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'hasPlainKeys',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} keys must not contain control, bidi or other invisible format characters`, ...options },
      validator: { validate: (value: unknown) => keysArePlain(value) },
    });
}

/** Iterative: the depth of the input is already capped (input-shape.ts), but a stack of our own costs nothing. */
function keysArePlain(root: unknown): boolean {
  const stack = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) continue;
    for (const [key, child] of Object.entries(value)) {
      if (!isPlainText(key)) return false;
      stack.push(child);
    }
  }
  return true;
}
