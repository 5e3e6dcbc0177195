import { DomainError } from '@facegate/common';

/** A long string value's characters in the body (between its quotes, as byte offsets), and whether it holds escapes. */
export interface LongString {
  start: number;
  end: number;
  escaped: boolean;
}

export interface JsonScanLimits {
  /** Open objects and arrays at once. */
  maxDepth: number;
  /** Values of any kind (objects, arrays, strings, numbers, literals); keys are not counted. */
  maxValues: number;
  /** Bytes outside long string values: the structure, the keys and the short strings that JSON.parse will read. */
  maxSkeletonBytes: number;
  /** String values at least this long are recorded as LongStrings, to be taken from the buffer rather than parsed. */
  longStringBytes: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Counts a JSON body's shape while its bytes arrive, chunk by chunk, so that a body too deep, with too many values or
 * with too much structure is refused at the chunk that crosses the cap, long before it is buffered and parsed. It is
 * not a validator: bytes that are not JSON are left for JSON.parse to refuse, except raw control characters in strings.
 * Inside strings it jumps from one quote or backslash to the next with Buffer.indexOf, so long base64 strings cost
 * little; on the way it records where the long string values lie (see json-assembler.ts).
 */
export class JsonScanner {
  readonly longStrings: LongString[] = [];
  /** Offset in the body of the current chunk's first byte. */
  private offset = 0;
  private values = 0;
  /** The open containers, innermost last: true for an object, false for an array. */
  private readonly containers: boolean[] = [];
  /** In an object, after `{` or `,`: the next string is a key. */
  private expectKey = false;
  /** Inside a number or literal (true, false, null): its first byte counted it. */
  private inScalar = false;
  private inString = false;
  /** The chunk ended on a backslash: the next chunk's first byte is escaped. */
  private escapePending = false;
  private stringStart = 0;
  private stringIsValue = false;
  private stringEscaped = false;
  private longBytes = 0;
  /** In the current chunk, the next quote and backslash at or after the scan position (chunk length: none). */
  private nextQuote = -1;
  private nextBackslash = -1;

  constructor(private readonly limits: JsonScanLimits) {}

  /** Scans the next chunk; throws a DomainError as soon as a cap is passed. */
  write(chunk: Buffer): void {
    this.nextQuote = -1;
    this.nextBackslash = -1;
    let i = 0;
    while (i < chunk.length) i = this.inString ? this.scanString(chunk, i) : this.scanStructure(chunk, i);
    this.offset += chunk.length;
    this.checkSkeleton();
  }

  /** The body is complete: its long string values, in body order. An unterminated string is not JSON. */
  end(): LongString[] {
    if (this.inString) throw notJson();
    return this.longStrings;
  }

  /** Bytes outside strings, one at a time, until a string opens (its index + 1) or the chunk ends. */
  private scanStructure(chunk: Buffer, from: number): number {
    for (let i = from; i < chunk.length; i++) {
      switch (chunk[i]) {
        case QUOTE:
          this.openString(this.offset + i + 1);
          return i + 1;
        case OPEN_OBJECT:
          this.openContainer(true);
          break;
        case OPEN_ARRAY:
          this.openContainer(false);
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          this.containers.pop();
          this.expectKey = false;
          this.inScalar = false;
          break;
        case COMMA:
          this.expectKey = this.inObject();
          this.inScalar = false;
          break;
        case COLON:
          this.expectKey = false;
          this.inScalar = false;
          break;
        case SPACE:
        case TAB:
        case LF:
        case CR:
          this.inScalar = false;
          break;
        default:
          if (!this.inScalar) {
            this.inScalar = true;
            this.countValue();
          }
      }
    }
    return chunk.length;
  }

  /**
   * Inside a string: jumps over escapes to the closing quote (its index + 1), or to the chunk's end. The bytes jumped
   * over are checked for raw control characters, which JSON does not allow in strings: done here, chunk by chunk as
   * the body arrives, the check never holds the event loop (the assembler can then copy long strings as they are).
   */
  private scanString(chunk: Buffer, from: number): number {
    let i = from;
    if (this.escapePending) {
      this.escapePending = false;
      i += 1;
    }
    for (;;) {
      if (this.nextQuote < i) this.nextQuote = indexOrEnd(chunk, QUOTE, i);
      if (this.nextBackslash < i) this.nextBackslash = indexOrEnd(chunk, BACKSLASH, i);
      if (hasControlByte(chunk, i, Math.min(this.nextQuote, this.nextBackslash))) throw notJson();
      if (this.nextBackslash < this.nextQuote) {
        // The escaped byte (a quote, a backslash, the u of \uXXXX...) is skipped; hex digits need no care.
        this.stringEscaped = true;
        i = this.nextBackslash + 2;
        if (i > chunk.length) {
          this.escapePending = true;
          return chunk.length;
        }
        continue;
      }
      if (this.nextQuote >= chunk.length) return chunk.length;
      this.closeString(this.offset + this.nextQuote);
      return this.nextQuote + 1;
    }
  }

  private openContainer(isObject: boolean): void {
    this.inScalar = false;
    this.countValue();
    this.containers.push(isObject);
    if (this.containers.length > this.limits.maxDepth) {
      throw new DomainError('VALIDATION_FAILED', `The request body is nested more than ${this.limits.maxDepth} levels deep.`);
    }
    this.expectKey = isObject;
  }

  private openString(start: number): void {
    this.inScalar = false;
    this.stringIsValue = !(this.expectKey && this.inObject());
    if (this.stringIsValue) this.countValue();
    this.expectKey = false;
    this.inString = true;
    this.stringStart = start;
    this.stringEscaped = false;
  }

  private closeString(end: number): void {
    this.inString = false;
    const length = end - this.stringStart;
    if (this.stringIsValue && length >= this.limits.longStringBytes) {
      this.longStrings.push({ start: this.stringStart, end, escaped: this.stringEscaped });
      this.longBytes += length;
    }
  }

  private countValue(): void {
    this.values += 1;
    if (this.values > this.limits.maxValues) {
      throw new DomainError('VALIDATION_FAILED', `The request body holds more than ${this.limits.maxValues} JSON values.`);
    }
  }

  /** What JSON.parse would have to read: everything but the long string values (the open one included once long). */
  private checkSkeleton(): void {
    const open = this.inString && this.stringIsValue ? this.offset - this.stringStart : 0;
    const skeleton = this.offset - this.longBytes - (open >= this.limits.longStringBytes ? open : 0);
    if (skeleton > this.limits.maxSkeletonBytes) {
      throw new DomainError('PAYLOAD_TOO_LARGE', `The request body's JSON outside long strings exceeds ${this.limits.maxSkeletonBytes} bytes.`);
    }
  }

  private inObject(): boolean {
    return this.containers.length > 0 && this.containers[this.containers.length - 1];
  }
}

/**
 * Whether bytes[start, end) hold one below 0x20, four bytes at a time: (x - 0x20202020) & ~x & 0x80808080 is non-zero
 * exactly when a byte of the word x is below 0x20 (the "hasless" bit trick; a byte at or above 0x80 never sets its own
 * bit, and a borrow only comes from a byte below 0x20). 1.5 ms on a 4.5 MB base64 string, against 4 ms for a regular
 * expression over the decoded string.
 */
export function hasControlByte(bytes: Buffer, start: number, end: number): boolean {
  if (end - start < 64) {
    for (let i = start; i < end; i++) if (bytes[i] < 0x20) return true;
    return false;
  }
  const head = (4 - ((bytes.byteOffset + start) % 4)) % 4;
  for (let i = start; i < start + head; i++) if (bytes[i] < 0x20) return true;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + start + head, (end - start - head) >>> 2);
  for (let i = 0; i < words.length; i++) {
    const x = words[i];
    if (((x - 0x20202020) & ~x & 0x80808080) !== 0) return true;
  }
  for (let i = start + head + words.length * 4; i < end; i++) if (bytes[i] < 0x20) return true;
  return false;
}

function notJson(): DomainError {
  return new DomainError('VALIDATION_FAILED', 'The request body is not valid JSON.');
}

function indexOrEnd(chunk: Buffer, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at === -1 ? chunk.length : at;
}
