import sharp from 'sharp';
import { DomainError } from '@facegate/common';
import { Box } from '../geometry/geometry.types';
import { fitsLinearResize, linearResize } from './linear-resize';
import { RgbImage } from './raw-image';

// sharp keeps a cache of decoded images across calls; facegate never sees the same photo twice and must not keep
// photos in memory longer than a request.
sharp.cache(false);

/**
 * Decodes image bytes to RGB with EXIF orientation applied. sharp's errors are plain Errors; they are mapped to
 * stable codes here so nothing upstream parses messages.
 */
export async function decodeImage(bytes: Buffer, maxPixels: number): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new DomainError('INVALID_IMAGE', `Unexpected channel count ${info.channels}.`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    throw mapSharpError(error, maxPixels);
  }
}

/**
 * Resizes raw RGB with sharp's linear kernel: the small jobs that linearResize does as sharp would, in plain JS (no
 * 0.8 ms call into libvips); every other one through libvips (a naive JS resize of 2 MP cost ~57 ms).
 */
export async function resizeRgb(image: RgbImage, width: number, height: number, region?: Box): Promise<RgbImage> {
  if (fitsLinearResize(region ?? image, width, height)) return linearResize(image, width, height, region);
  return resizeWithSharp(image, width, height, region);
}

/** The libvips path of resizeRgb (its linear kernel, `fit: 'fill'`): also the reference linearResize is measured against. */
export async function resizeWithSharp(image: RgbImage, width: number, height: number, region?: Box): Promise<RgbImage> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (region) {
    pipeline = pipeline.extract({ left: region.x, top: region.y, width: region.width, height: region.height });
  }
  const { data, info } = await pipeline.resize(width, height, { fit: 'fill', kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

function mapSharpError(error: unknown, maxPixels: number): DomainError {
  if (error instanceof DomainError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) {
    return new DomainError('IMAGE_TOO_LARGE', `The image has more than ${maxPixels} pixels.`, { maxPixels });
  }
  if (/unsupported image format/i.test(message)) {
    return new DomainError('UNSUPPORTED_FORMAT', 'The image format is not supported; send JPEG, PNG or WebP.');
  }
  // Truncated or corrupt data ("premature end of JPEG", "Invalid PNG", CRC errors, ...).
  return new DomainError('INVALID_IMAGE', 'The image is corrupt or truncated and cannot be decoded.');
}
