import { isAscii } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { DomainError } from '@facegate/common';
import type { LongString } from './json-scanner';
import { TurnBudget, decodeJsonString } from './json-string-decoder';

/** Long strings decoded between two turns of the event loop (a few milliseconds of copying). */
const YIELD_EVERY_BYTES = 4 * 1024 * 1024;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Builds the value of a scanned JSON body without handing its long strings to JSON.parse: one JSON.parse of a 45 MB
 * enrolment body blocks the event loop for 70-400 ms on a 2-core server. Instead the skeleton (the body with each long
 * string value replaced by a short placeholder) is parsed, which is small because the scanner caps it, and each long
 * string is cut from the buffer directly: without escapes, as base64 images are, it is one latin1 copy; a string with
 * escapes (PHP writes base64's "/" as "\/") or beyond ASCII is decoded slice by slice (json-string-decoder.ts). The
 * event loop gets a turn every few megabytes, inside a long string too. With a body the
 * JsonScanner has passed, the result is what JSON.parse of the whole body would give, or a VALIDATION_FAILED when
 * JSON.parse would have thrown. Tests give a small `budget` to decode in tiny slices.
 */
export async function assembleJson(body: Buffer, longStrings: readonly LongString[], budget = new TurnBudget(YIELD_EVERY_BYTES)): Promise<unknown> {
  const start = body.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
  if (longStrings.length === 0) return topLevel(parseJson(body.toString('utf8', start)));
  // A NUL can only reach a parsed string through a \u0000 escape, and the nonce cannot be guessed: no string the client
  // sent can pass for a placeholder (and any NUL it sent is refused later by assertSaneInput).
  const marker = `\u0000${randomBytes(8).toString('hex')}:`;
  const skeleton = topLevel(parseJson(skeletonText(body, start, longStrings, marker)));
  const strings = await decodeLongStrings(body, longStrings, budget);
  restoreStrings(skeleton, marker, strings);
  return skeleton;
}

/** The body's text with each long string's characters replaced by `\u0000<nonce>:<index>`. */
function skeletonText(body: Buffer, start: number, longStrings: readonly LongString[], marker: string): string {
  const escapedMarker = `\\u0000${marker.slice(1)}`;
  const parts: string[] = [];
  let at = start;
  longStrings.forEach((s, index) => {
    // Cuts fall just inside a string's quotes, so no UTF-8 sequence is ever split.
    parts.push(body.toString('utf8', at, s.start), escapedMarker, String(index));
    at = s.end;
  });
  parts.push(body.toString('utf8', at));
  return parts.join('');
}

/**
 * Without escapes (and the scanner refused raw control characters), an ASCII string is its bytes as they are, one latin1
 * copy. Any other is decoded in slices: escapes as JSON.parse would, and UTF-8 beyond ASCII too, which takes 4 ns a byte.
 */
async function decodeLongStrings(body: Buffer, longStrings: readonly LongString[], budget: TurnBudget): Promise<string[]> {
  const strings: string[] = [];
  for (const s of longStrings) {
    const bytes = body.subarray(s.start, s.end);
    if (!s.escaped && isAscii(bytes)) {
      strings.push(bytes.toString('latin1'));
      await budget.spend(bytes.length);
    } else {
      strings.push(await decodeJsonString(bytes, budget));
    }
  }
  return strings;
}

/** Puts the long strings back where their placeholders are (objects and arrays only, depth already capped). */
function restoreStrings(root: object, marker: string, strings: readonly string[]): void {
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown>;
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (typeof value === 'string') {
        if (value.startsWith(marker)) node[key] = strings[Number(value.slice(marker.length))];
      } else if (value !== null && typeof value === 'object') {
        stack.push(value);
      }
    }
  }
}

/** As body-parser's strict mode: a body is an object or an array, never a bare string or number. */
function topLevel(value: unknown): object {
  if (value === null || typeof value !== 'object') throw new DomainError('VALIDATION_FAILED', 'The request body must be a JSON object or array.');
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw notJson();
  }
}

function notJson(): DomainError {
  return new DomainError('VALIDATION_FAILED', 'The request body is not valid JSON.');
}
