import { DomainError } from '@facegate/common';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export interface ImageLimits {
  /** Largest encoded image accepted, in bytes. */
  maxBytes: number;
  /** Largest decoded image accepted, in pixels (width x height); guards against decompression bombs. */
  maxPixels: number;
}

const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?((?:;[a-z0-9-]+=[^;,]*)*)(;base64)?,/i;
const BASE64_BODY = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Turns what a client sent (raw bytes, base64 or a data URL) into image bytes, checking size and format before any
 * decoder sees them. Cheap enough for the request thread; the decode itself happens in the worker pool.
 */
export function parseImageInput(input: string | Buffer | Uint8Array, limits: ImageLimits): { bytes: Buffer; format: ImageFormat } {
  const bytes = typeof input === 'string' ? decodeImageString(input, limits) : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length === 0) throw new DomainError('INVALID_IMAGE', 'The image is empty.');
  if (bytes.length > limits.maxBytes) {
    throw new DomainError('IMAGE_TOO_LARGE', `The image is ${bytes.length} bytes; the limit is ${limits.maxBytes}.`, {
      bytes: bytes.length,
      maxBytes: limits.maxBytes,
    });
  }
  return { bytes, format: sniffImageFormat(bytes) };
}

function decodeImageString(input: string, limits: ImageLimits): Buffer {
  let body = input.trim();
  const match = DATA_URL.exec(body);
  if (match) {
    if (!match[3]) throw new DomainError('INVALID_IMAGE', 'Only base64 data URLs are accepted.');
    body = body.slice(match[0].length);
  } else if (body.startsWith('data:')) {
    throw new DomainError('INVALID_IMAGE', 'The data URL is malformed.');
  }
  // Reject before allocating: base64 is 4/3 of the bytes it encodes.
  if (body.length > Math.ceil((limits.maxBytes * 4) / 3) + 4096) {
    throw new DomainError('IMAGE_TOO_LARGE', `The image is larger than ${limits.maxBytes} bytes.`, { maxBytes: limits.maxBytes });
  }
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0) throw new DomainError('INVALID_IMAGE', 'The image is empty.');
  if (!BASE64_BODY.test(compact) || compact.length % 4 === 1) {
    throw new DomainError('INVALID_IMAGE', 'The image is not valid base64.');
  }
  return Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
}

/** Identifies the container by its magic bytes; the declared MIME type of a data URL is not trusted. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47 &&
    bytes[4] === 0x0d &&
    bytes[5] === 0x0a &&
    bytes[6] === 0x1a &&
    bytes[7] === 0x0a
  )
    return 'png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  const known = knownOtherFormat(bytes);
  if (known) throw new DomainError('UNSUPPORTED_FORMAT', `${known} images are not supported; send JPEG, PNG or WebP.`, { format: known });
  throw new DomainError('INVALID_IMAGE', 'The data is not an image (expected JPEG, PNG or WebP).');
}

function knownOtherFormat(bytes: Uint8Array): string | undefined {
  const head = ascii(bytes, 0, 12);
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'GIF';
  if (head.startsWith('BM')) return 'BMP';
  if (head.startsWith('II*\u0000') || head.startsWith('MM\u0000*')) return 'TIFF';
  if (ascii(bytes, 4, 8) === 'ftyp') return 'HEIF/AVIF';
  if (head.startsWith('%PDF')) return 'PDF';
  if (/^\s*<(\?xml|svg)/i.test(head)) return 'SVG';
  return undefined;
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.subarray(start, Math.min(end, bytes.length))).toString('latin1');
}
