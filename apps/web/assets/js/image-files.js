// @ts-check
/** Files larger than this, or wider/taller than MAX_SIDE, are re-encoded before upload. */
const MAX_BYTES = 1_500_000;
const MAX_SIDE = 1600;

/**
 * A photo from the disk, made fit to send: phone photos of 4-8 MB (ten per enrolment) would exceed the server's
 * per-image and per-request limits, and faces need nowhere near 12 megapixels. Large files are drawn at most 1600 px
 * on their long side (EXIF orientation applied) and re-encoded as JPEG. A file the browser cannot decode goes as it
 * is, so the server's coded answer (INVALID_IMAGE, UNSUPPORTED_FORMAT) explains it.
 * @param {File} file
 * @returns {Promise<Blob>}
 */
export async function fitForUpload(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return file;
  }
  try {
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    if (scale === 1 && file.size <= MAX_BYTES) return file;
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return await new Promise((resolve) => canvas.toBlob((b) => resolve(b ?? file), 'image/jpeg', 0.9));
  } finally {
    bitmap.close();
  }
}
