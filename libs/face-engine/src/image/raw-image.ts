/** Decoded pixels: interleaved RGB, 8 bits a channel, row-major, no padding. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Grey value of one pixel (ITU-R BT.601 luma weights, the landmark model's training convention). */
export function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** A copy of a rectangle of an image (integer pixel bounds, inside the image): a few row copies, no resampling. */
export function cropRgb(image: RgbImage, region: { x: number; y: number; width: number; height: number }): RgbImage {
  const data = new Uint8Array(region.width * region.height * 3);
  const rowBytes = region.width * 3;
  for (let row = 0; row < region.height; row++) {
    const from = ((region.y + row) * image.width + region.x) * 3;
    data.set(image.data.subarray(from, from + rowBytes), row * rowBytes);
  }
  return { data, width: region.width, height: region.height };
}
