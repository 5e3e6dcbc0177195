/**
 * What a log line may carry. Images, embeddings, keys and bodies must never reach a log, whoever passes them and
 * however deeply they are nested ({ details: { image } }), so every value is walked, not just the top-level fields.
 */

/** Field names dropped at any depth. */
const FORBIDDEN_FIELDS =
  /^(image|images|file|files|frames|imageA|imageB|embedding|embeddings|body|apiKey|key|x-api-key|authorization|token|livenessToken|password|secret)$/i;
/** Strings are cut here: a log line is no place for a pasted body. */
export const MAX_STRING_CHARS = 2000;
/** Deeper values are replaced: enough for any field we log, and it ends cycles. */
export const MAX_DEPTH = 5;
/** A longer array of numbers is an embedding or pixels, not something to read in a log. */
export const MAX_NUMBERS = 64;
/** Other arrays keep this many items. */
export const MAX_ITEMS = 64;

/**
 * Base64 runs (standard, URL-safe or with MIME line breaks) this long are an image or a key, never prose: words have
 * spaces, paths have dots and dashes. Image data URLs go whatever their length (a cut one still leaks pixels).
 */
const BASE64_RUN = /[A-Za-z0-9+/_\-\r\n]{200,}={0,2}/g;
const IMAGE_DATA_URL = /data:image\/[^\s"'`<>)]*/gi;
/** An embedding written into a string (String(Float32Array) or a joined array). */
const NUMBER_LIST = new RegExp(`(?:-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?\\s*,\\s*){${MAX_NUMBERS},}-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?`, 'gi');

/** Markers instead of images and embeddings, then the length cut. */
export function redactText(text: string, maxChars = MAX_STRING_CHARS): string {
  const scrubbed = text
    .replace(IMAGE_DATA_URL, (url) => `[image data URL ${url.length} chars]`)
    .replace(BASE64_RUN, (run) => (/[A-Za-z0-9]/.test(run) ? `[base64 ${run.length} chars]` : run))
    .replace(NUMBER_LIST, (list) => `[${list.split(',').length} numbers]`);
  return scrubbed.length <= maxChars ? scrubbed : `${scrubbed.slice(0, maxChars)}… (${scrubbed.length - maxChars} more characters)`;
}

/** A value fit for a log line: forbidden fields dropped, binary and embeddings summarised, strings scrubbed. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return `[binary ${value.byteLength} bytes]`;
  if (value instanceof Date) return value;
  if (value instanceof Error) return redactText(value.message);
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return redactArray(value, depth);
  return redactFields(value as Record<string, unknown>, depth);
}

/** An object's fields, less the forbidden ones, each redacted. */
export function redactFields(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!FORBIDDEN_FIELDS.test(name)) safe[name] = redactValue(value, depth + 1);
  }
  return safe;
}

function redactArray(items: unknown[], depth: number): unknown {
  if (items.length > MAX_NUMBERS && items.every((item) => typeof item === 'number')) return `[${items.length} numbers]`;
  const kept = items.slice(0, MAX_ITEMS).map((item) => redactValue(item, depth + 1));
  return items.length > MAX_ITEMS ? [...kept, `[${items.length - MAX_ITEMS} more items]`] : kept;
}
