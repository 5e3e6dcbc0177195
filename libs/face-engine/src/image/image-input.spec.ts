import { DomainError } from '@facegate/common';
import { parseImageInput, sniffImageFormat } from './image-input';

const limits = { maxBytes: 1024, maxPixels: 1e6 };
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const WEBP = Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1');

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : `not a DomainError: ${String(error)}`;
  }
  return 'no error';
};

describe('parseImageInput', () => {
  it('accepts raw bytes, base64, base64url and data URLs', () => {
    expect(parseImageInput(JPEG, limits).format).toBe('jpeg');
    expect(parseImageInput(JPEG.toString('base64'), limits).bytes).toEqual(JPEG);
    expect(parseImageInput(PNG.toString('base64url'), limits).format).toBe('png');
    expect(parseImageInput(`data:image/webp;base64,${WEBP.toString('base64')}`, limits).format).toBe('webp');
    expect(parseImageInput(`  data:image/jpeg;name=a.jpg;base64,${JPEG.toString('base64')}\n`, limits).bytes).toEqual(JPEG);
  });

  it('ignores line breaks inside base64 (MIME-style wrapping)', () => {
    const b64 = JPEG.toString('base64');
    expect(parseImageInput(`${b64.slice(0, 4)}\r\n${b64.slice(4)}`, limits).bytes).toEqual(JPEG);
  });

  it('trusts magic bytes, not the declared MIME type', () => {
    expect(parseImageInput(`data:image/gif;base64,${PNG.toString('base64')}`, limits).format).toBe('png');
  });

  it.each([
    ['an empty string', ''],
    ['whitespace', '   '],
    ['characters outside base64', 'abc$%^&*'],
    ['a data URL without base64', 'data:image/png,rawtext'],
    ['a malformed data URL', 'data:image/png;base64'],
    ['text that decodes to no image', Buffer.from('hello world, not an image').toString('base64')],
  ])('rejects %s as INVALID_IMAGE', (_name, input) => {
    expect(code(() => parseImageInput(input, limits))).toBe('INVALID_IMAGE');
  });

  it('rejects empty bytes', () => {
    expect(code(() => parseImageInput(Buffer.alloc(0), limits))).toBe('INVALID_IMAGE');
  });

  it('rejects images over the byte limit, before decoding base64 when it is obviously too long', () => {
    const big = Buffer.concat([JPEG, Buffer.alloc(2000)]);
    expect(code(() => parseImageInput(big, limits))).toBe('IMAGE_TOO_LARGE');
    expect(code(() => parseImageInput(big.toString('base64'), limits))).toBe('IMAGE_TOO_LARGE');
    expect(code(() => parseImageInput('A'.repeat(10_000_000), limits))).toBe('IMAGE_TOO_LARGE');
  });
});

describe('sniffImageFormat', () => {
  it.each([
    ['GIF', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')],
    ['BMP', Buffer.from('BM\x00\x00\x00\x00', 'latin1')],
    ['TIFF', Buffer.from('II*\x00\x08\x00', 'latin1')],
    ['PDF', Buffer.from('%PDF-1.7', 'latin1')],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>', 'latin1')],
    ['HEIF/AVIF', Buffer.from('\x00\x00\x00\x18ftypheic', 'latin1')],
  ])('names %s as UNSUPPORTED_FORMAT', (format, bytes) => {
    expect(code(() => sniffImageFormat(bytes))).toBe('UNSUPPORTED_FORMAT');
    try {
      sniffImageFormat(bytes);
    } catch (error) {
      expect((error as DomainError).details.format).toBe(format);
    }
  });
});
