import { Box } from './geometry.types';

export function boxArea(box: Box): number {
  return Math.max(0, box.width) * Math.max(0, box.height);
}

export function intersectionArea(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  return Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
}

export function intersectionOverUnion(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** How much of the smaller box lies inside the other (1 = entirely): catches a part of a face found again. */
export function overlapOfSmaller(a: Box, b: Box): number {
  return intersectionArea(a, b) / Math.max(1e-9, Math.min(boxArea(a), boxArea(b)));
}

export function clampBox(box: Box, width: number, height: number): Box {
  const x1 = Math.min(Math.max(box.x, 0), width);
  const y1 = Math.min(Math.max(box.y, 0), height);
  const x2 = Math.min(Math.max(box.x + box.width, 0), width);
  const y2 = Math.min(Math.max(box.y + box.height, 0), height);
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/**
 * The square the landmark model was trained on: side = box height, centred on the box, then shifted (not shrunk)
 * to stay inside the image where it fits. Returned in whole pixels, because it is used as a crop.
 */
export function squareBox(box: Box, imageWidth: number, imageHeight: number): Box {
  const side = Math.max(1, Math.min(Math.round(box.height), imageWidth, imageHeight));
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x = Math.round(Math.min(Math.max(cx - side / 2, 0), imageWidth - side));
  const y = Math.round(Math.min(Math.max(cy - side / 2, 0), imageHeight - side));
  return { x, y, width: side, height: side };
}

/**
 * The liveness crop: the square box scaled up (x2.7 by default) around its centre, the scale limited so the crop
 * fits the image, and the crop shifted inside the image. Mirrors the reference MiniFASNet pre-processing.
 */
export function scaledCrop(box: Box, scale: number, imageWidth: number, imageHeight: number): Box {
  const limited = Math.min(scale, (imageWidth - 1) / box.width, (imageHeight - 1) / box.height);
  const width = Math.max(1, Math.round(box.width * limited));
  const height = Math.max(1, Math.round(box.height * limited));
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x = Math.round(Math.min(Math.max(cx - width / 2, 0), imageWidth - width));
  const y = Math.round(Math.min(Math.max(cy - height / 2, 0), imageHeight - height));
  return { x: Math.max(0, x), y: Math.max(0, y), width: Math.min(width, imageWidth), height: Math.min(height, imageHeight) };
}

export function containsPoint(box: Box, x: number, y: number): boolean {
  return x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height;
}
