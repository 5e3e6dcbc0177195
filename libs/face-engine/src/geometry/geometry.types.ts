/** A point in pixel coordinates of the (orientation-corrected) image. */
export interface Point {
  x: number;
  y: number;
}

/** An axis-aligned box in pixel coordinates: top-left corner, width and height. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** 2x3 affine matrix [a, b, tx, c, d, ty]: x' = a*x + b*y + tx, y' = c*x + d*y + ty. */
export type Affine = [number, number, number, number, number, number];
