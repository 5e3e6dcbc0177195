import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * Characters a name, an identifier or a metadata key never needs and an attacker uses to make text display as
 * something else: C0/C1 controls, line and paragraph separators, format characters (bidi overrides and isolates such as
 * U+202E, which turn "Admin\u202Enimda" into "Adminadmin" on screen, zero-width spaces, the BOM, the soft hyphen), and
 * the other default-ignorable characters that render as nothing (Hangul fillers U+3164 and U+FFA0, the combining
 * grapheme joiner), plus the braille blank U+2800. Allowed: the zero-width joiner and non-joiner (U+200C, U+200D) and
 * the variation selectors U+FE00-FE0F, which Persian and Indic names and emoji need.
 */
// eslint-disable-next-line no-misleading-character-class -- a class of single code points on purpose: each joiner or mark alone counts
const HIDDEN = /(?![\u200c\u200d\ufe00-\ufe0f])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u;

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

/** Iterative: the depth of the input is already capped (libs/common input-shape.ts), but a stack of our own costs nothing. */
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
