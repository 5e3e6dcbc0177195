import { isAscii } from 'node:buffer';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DomainError } from '@facegate/common';

const BACKSLASH = 0x5c;
const LETTER_U = 0x75;

// The work between two turns is counted as the assembler counts it, in bytes of plain copying (an ASCII string cut
// from the buffer: some 0.5 ns a byte). Decoding costs more, as measured on a 2-core server:
/** Each byte of input, escapes included: the copying loop and the pieces of string, some 1.5 ns. */
const DECODE_COST = 3;
/** Each decoded byte beyond ASCII, in addition: UTF-8 to UTF-16 takes some 4 ns a byte. */
const NON_ASCII_COST = 8;
/** Joining the pieces into one string, for each byte of input: a copy. */
const JOIN_COST = 1;
/** A lone surrogate makes a short piece of its own (some 70 ns): it stops its chunk as many bytes of input earlier. */
const LONE_SURROGATE_BYTES = 64;
/** Decoded bytes before a lone surrogate that are turned into a string in JS rather than natively. */
const SHORT_PIECE_BYTES = 32;
/**
 * Plain bytes copied one by one before the rest of a run is handed to indexOf and a native copy: base64 with PHP's "\/"
 * has runs of some sixty bytes, for which the native calls cost more than they save.
 */
const SHORT_RUN_BYTES = 256;
/**
 * Input decoded between two looks at the clock: some 50 us of optimised code, 1 ms of interpreted code. The code is
 * often cold: V8 throws the optimised code away when a full collection frees the decoder's object shapes, and the
 * interpreter took 40 ms over the first megabyte before it was optimised again.
 */
const CHUNK_BYTES = 32 * 1024;
/**
 * Decoded bytes turned into one piece of the string. Large enough that each piece goes straight to V8's large-object
 * space (pieces of 64 KiB went through the young generation, and scavenges of 10 ms copied them), small enough for the
 * buffer to stay in the cache (one as long as the string was fresh pages to fault in, and slower to fill).
 */
const PIECE_BYTES = 256 * 1024;
/** A slice ends after this long, whatever work its budget had left (cold code, a slow or busy machine). */
const MAX_SLICE_MS = 4;

/** For the byte after a backslash: the character a one-letter escape stands for, or -1 (\u is read apart). */
const SHORT_ESCAPES = escapeTable({ '"': 0x22, '\\': 0x5c, '/': 0x2f, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 });
/** For each byte: its value as a hexadecimal digit, or -1. */
const HEX_DIGITS = hexTable();

/**
 * The work done since the event loop's last turn: a turn is given whenever it reaches the budget. The assembler shares
 * one across all the long strings of a body; tests give a tiny budget and count the turns.
 */
export class TurnBudget {
  private spent = 0;
  private since = performance.now();

  constructor(
    readonly budgetBytes: number,
    private readonly turn: () => Promise<unknown> = nextTurn,
    private readonly maxSliceMs = MAX_SLICE_MS,
  ) {}

  /** Whether the time since the last turn is up, whatever the work counted. */
  get overdue(): boolean {
    return performance.now() - this.since >= this.maxSliceMs;
  }

  /** Work that may still be done before the next turn (always some). */
  get left(): number {
    return Math.max(this.budgetBytes - this.spent, 1);
  }

  /** Counts work done; gives the turn once the budget is reached. */
  async spend(bytes: number): Promise<void> {
    this.spent += bytes;
    if (this.spent < this.budgetBytes && !this.overdue) return;
    await this.giveTurn();
  }

  /**
   * Counts work about to be done in one piece, after a turn when it would not fit in what is left (or the time is up);
   * the turn after it comes with the next work counted.
   */
  async prepay(bytes: number): Promise<void> {
    if (this.overdue || (this.spent > 0 && this.spent + bytes > this.budgetBytes)) await this.giveTurn();
    this.spent += bytes;
  }

  private async giveTurn(): Promise<void> {
    await this.turn();
    this.spent = 0;
    this.since = performance.now();
  }
}

/**
 * The value of a JSON string from its characters (between the quotes, as the JsonScanner passed them: no raw control
 * character, no unescaped quote), exactly as JSON.parse would give it, without one JSON.parse that held the event loop
 * for 106 ms on a 45 MB string with escapes. The string is decoded slice by slice, with a turn between slices; a slice
 * ends between two escapes or inside a run of plain bytes, never inside an escape or a UTF-8 sequence. An escape JSON
 * does not know is a VALIDATION_FAILED, as JSON.parse's error is in the assembler.
 */
export async function decodeJsonString(bytes: Buffer, budget: TurnBudget): Promise<string> {
  const decoder = new JsonStringDecoder(bytes);
  while (!decoder.done) await budget.spend(decoder.decodeSlice(budget));
  // The pieces are joined here rather than left as a rope, which its first reader (assertSaneInput) would flatten, all
  // the strings of the body in one synchronous pass.
  await budget.prepay(bytes.length * JOIN_COST);
  return decoder.result();
}

/**
 * Copies runs of plain bytes and the UTF-8 encoding of each escape into `out`, and turns `out` into a piece of the
 * string every chunk or so. Both are whole UTF-8 sequences (or the same invalid bytes JSON.parse's input would have
 * held, cut only where a UTF-8 decoder has nothing pending), so the pieces make the string Buffer#toString would give
 * for the whole text; escapes are ASCII, so that is JSON.parse's input, whose escapes are decoded the same way.
 */
class JsonStringDecoder {
  private at = 0;
  /** Work done in the current slice. */
  private spent = 0;
  /** Where the current chunk stops: a lone surrogate brings it nearer. */
  private stop = 0;
  /** The next backslash after a long run's first bytes (bytes.length: none), found once, not again at every chunk. */
  private nextBackslash = -1;
  private readonly out: Buffer;
  private outLength = 0;
  private readonly pieces: string[] = [];
  /** Since the last piece: the short pieces around lone surrogates, to be joined into the next piece. */
  private readonly loose: string[] = [];

  constructor(private readonly bytes: Buffer) {
    // The buffer is flushed once it holds a piece; a chunk stops within its budget but for an escape begun just before
    // the stop (12 bytes at most) and the end of a UTF-8 sequence (3); an escape is never shorter than its UTF-8 form.
    this.out = Buffer.allocUnsafe(Math.min(bytes.length, PIECE_BYTES + CHUNK_BYTES + 16));
  }

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  /** Decodes on from where the last slice stopped, for the work left in the budget or its time; returns the work done. */
  decodeSlice(budget: TurnBudget): number {
    const left = budget.left;
    this.spent = 0;
    do {
      this.decodeChunk(Math.min(Math.ceil((left - this.spent) / DECODE_COST), CHUNK_BYTES));
      if (this.outLength >= PIECE_BYTES) this.flush();
    } while (!this.done && this.spent < left && !budget.overdue);
    this.flush();
    return this.spent;
  }

  result(): string {
    return this.pieces.length === 1 ? this.pieces[0] : this.pieces.join('');
  }

  /**
   * Decodes about `inputBytes` of the string into `out`, ending where a UTF-8 decoder has nothing pending, so that `out`
   * can be flushed after it. The loop keeps its positions in locals: fields written at every byte made it three times
   * slower.
   */
  private decodeChunk(inputBytes: number): void {
    const { bytes, out } = this;
    const from = this.at;
    const fullStop = Math.min(from + inputBytes, bytes.length);
    let stop = (this.stop = fullStop);
    let at = from;
    let o = this.outLength;
    while (at < stop) {
      if (bytes[at] === BACKSLASH) {
        const char = at + 1 < bytes.length ? SHORT_ESCAPES[bytes[at + 1]] : -1;
        if (char >= 0) {
          out[o++] = char;
          at += 2;
        } else {
          this.outLength = o;
          at = this.decodeUnicodeEscape(at);
          o = this.outLength;
          stop = this.stop;
        }
        continue;
      }
      const short = Math.min(at + SHORT_RUN_BYTES, stop);
      let byte: number;
      while (at < short && (byte = bytes[at]) !== BACKSLASH) {
        out[o++] = byte;
        at++;
      }
      if (at === short && at < stop) {
        if (this.nextBackslash < at) this.nextBackslash = indexOrEnd(bytes, BACKSLASH, at);
        const end = Math.min(this.nextBackslash, stop);
        o += bytes.copy(out, o, at, end);
        at = end;
      }
    }
    this.outLength = o;
    this.at = this.finishSequence(at);
    this.spent += (this.at - from + (fullStop - stop)) * DECODE_COST;
  }

  /**
   * A chunk that stops inside a run of plain bytes stops after the UTF-8 sequence it is in: it takes the continuation
   * bytes that follow, up to three (no sequence is longer than a lead and three; after three a decoder has nothing
   * pending, even on invalid UTF-8). Where an escape stopped it, there is no continuation byte to take.
   */
  private finishSequence(from: number): number {
    const last = Math.min(from + 3, this.bytes.length);
    let at = from;
    while (at < last && (this.bytes[at] & 0xc0) === 0x80) this.out[this.outLength++] = this.bytes[at++];
    return at;
  }

  /** The escape at `at` (a backslash not followed by a one-letter escape) decoded into `out`; returns the index after it. */
  private decodeUnicodeEscape(at: number): number {
    const bytes = this.bytes;
    const unit = bytes[at + 1] === LETTER_U ? hexUnit(bytes, at + 2) : -1;
    if (unit < 0) throw notJson();
    if (unit < 0xd800 || unit > 0xdfff) {
      this.outLength = encodeUtf8(this.out, this.outLength, unit);
      return at + 6;
    }
    // A high surrogate followed by an escaped low one is one code point, four bytes of UTF-8.
    const low = unit <= 0xdbff && bytes[at + 6] === BACKSLASH && bytes[at + 7] === LETTER_U ? hexUnit(bytes, at + 8) : -1;
    if (low >= 0xdc00 && low <= 0xdfff) {
      this.outLength = encodeUtf8(this.out, this.outLength, 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
      return at + 12;
    }
    // A lone surrogate has no UTF-8 form: JSON.parse keeps it as the lone UTF-16 unit, and so does this.
    this.loose.push(this.takeShortOut() + String.fromCharCode(unit));
    this.stop = Math.max(this.stop - LONE_SURROGATE_BYTES, at + 6);
    return at + 6;
  }

  /** Turns the bytes decoded so far into a piece of the string, with the loose pieces before them. */
  private flush(): void {
    if (this.outLength > 0) this.loose.push(this.takeOut());
    if (this.loose.length === 0) return;
    this.pieces.push(this.loose.length === 1 ? this.loose[0] : this.loose.join(''));
    this.loose.length = 0;
  }

  /**
   * The bytes decoded so far as a string, built in JS when they are a few ASCII characters: between lone surrogates
   * ("\ud800a\ud800a..."), the native calls of takeOut made the decoding three times as slow.
   */
  private takeShortOut(): string {
    if (this.outLength > SHORT_PIECE_BYTES) return this.takeOut();
    let text = '';
    for (let i = 0; i < this.outLength; i++) {
      if (this.out[i] >= 0x80) return this.takeOut();
      text += String.fromCharCode(this.out[i]);
    }
    this.outLength = 0;
    return text;
  }

  /** The bytes decoded so far as a string; the buffer is reused. */
  private takeOut(): string {
    const decoded = this.out.subarray(0, this.outLength);
    this.outLength = 0;
    if (isAscii(decoded)) return decoded.toString('latin1');
    this.spent += decoded.length * NON_ASCII_COST;
    return decoded.toString('utf8');
  }
}

/** The UTF-16 unit of the four hexadecimal digits at `at`, or -1. */
function hexUnit(bytes: Buffer, at: number): number {
  if (at + 4 > bytes.length) return -1;
  const a = HEX_DIGITS[bytes[at]];
  const b = HEX_DIGITS[bytes[at + 1]];
  const c = HEX_DIGITS[bytes[at + 2]];
  const d = HEX_DIGITS[bytes[at + 3]];
  return a < 0 || b < 0 || c < 0 || d < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

/** Writes a code point that is not a surrogate as UTF-8 at `at`; returns the index after it. */
function encodeUtf8(out: Buffer, at: number, codePoint: number): number {
  if (codePoint < 0x80) {
    out[at] = codePoint;
    return at + 1;
  }
  if (codePoint < 0x800) {
    out[at] = 0xc0 | (codePoint >> 6);
    out[at + 1] = 0x80 | (codePoint & 0x3f);
    return at + 2;
  }
  if (codePoint < 0x10000) {
    out[at] = 0xe0 | (codePoint >> 12);
    out[at + 1] = 0x80 | ((codePoint >> 6) & 0x3f);
    out[at + 2] = 0x80 | (codePoint & 0x3f);
    return at + 3;
  }
  out[at] = 0xf0 | (codePoint >> 18);
  out[at + 1] = 0x80 | ((codePoint >> 12) & 0x3f);
  out[at + 2] = 0x80 | ((codePoint >> 6) & 0x3f);
  out[at + 3] = 0x80 | (codePoint & 0x3f);
  return at + 4;
}

function escapeTable(escapes: Record<string, number>): Int16Array {
  const table = new Int16Array(256).fill(-1);
  for (const [letter, char] of Object.entries(escapes)) table[letter.charCodeAt(0)] = char;
  return table;
}

function hexTable(): Int8Array {
  const table = new Int8Array(256).fill(-1);
  for (let digit = 0; digit < 16; digit++) {
    table[digit.toString(16).charCodeAt(0)] = digit;
    table[digit.toString(16).toUpperCase().charCodeAt(0)] = digit;
  }
  return table;
}

function indexOrEnd(bytes: Buffer, byte: number, from: number): number {
  const at = bytes.indexOf(byte, from);
  return at === -1 ? bytes.length : at;
}

function notJson(): DomainError {
  return new DomainError('VALIDATION_FAILED', 'The request body is not valid JSON.');
}
