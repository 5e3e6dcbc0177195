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
