import { Box } from './geometry.types';

/** How an image was fitted into a fixed model input keeping its aspect ratio, centred, with padding. */
export interface Letterbox {
  imageWidth: number;
  imageHeight: number;
  /** Size of the resized image inside the model input (whole pixels). */
  width: number;
  height: number;
  /** Padding before the resized image (left, top). */
  padX: number;
  padY: number;
  inputWidth: number;
  inputHeight: number;
}

export function computeLetterbox(imageWidth: number, imageHeight: number, inputWidth: number, inputHeight: number): Letterbox {
  const scale = Math.min(inputWidth / imageWidth, inputHeight / imageHeight);
  const width = Math.max(1, Math.min(inputWidth, Math.round(imageWidth * scale)));
  const height = Math.max(1, Math.min(inputHeight, Math.round(imageHeight * scale)));
  const padX = Math.floor((inputWidth - width) / 2);
  const padY = Math.floor((inputHeight - height) / 2);
  return { imageWidth, imageHeight, width, height, padX, padY, inputWidth, inputHeight };
}

/**
 * Maps a box given in coordinates normalised to the model input ([0,1] of inputWidth x inputHeight) back to pixels
 * of the original image, undoing the padding and the scale. The resized image was rounded to whole pixels, so each
 * axis uses its own exact ratio.
 */
export function unletterboxBox(lb: Letterbox, x1: number, y1: number, x2: number, y2: number): Box {
  const rx = lb.imageWidth / lb.width;
  const ry = lb.imageHeight / lb.height;
  const left = (x1 * lb.inputWidth - lb.padX) * rx;
  const top = (y1 * lb.inputHeight - lb.padY) * ry;
  const right = (x2 * lb.inputWidth - lb.padX) * rx;
  const bottom = (y2 * lb.inputHeight - lb.padY) * ry;
  return { x: left, y: top, width: right - left, height: bottom - top };
}
