import { readFileSync } from 'node:fs';
import { facePath } from '../../../../test/shared-faces';
import { Box } from '../geometry/geometry.types';
import { decodeImage, resizeRgb, resizeWithSharp } from './image-decoder';
import { fitsLinearResize, JS_RESIZE_MAX_COST, linearResize, resizeCost } from './linear-resize';
import { cropRgb, RgbImage } from './raw-image';

/** libvips' own answer, as resizeRgb gave it before small resizes moved to JS. */
async function sharpResize(image: RgbImage, width: number, height: number, region?: Box): Promise<Uint8Array> {
  return (await resizeWithSharp(image, width, height, region)).data;
}

function difference(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  expect(a.length).toBe(b.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

/**
 * Steep ramps along both axes with a bright column and a dark row: a tap half a pixel off, a blur missing on one axis
 * or an axis read the wrong way round each miss by tens of grey levels somewhere.
 */
function pattern(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = x === Math.floor(width / 2) ? 250 : y === Math.floor(height / 3) ? 5 : 20 + ((x * 120) / width + (y * 100) / height);
      data.set([v, 255 - v, (v * 3) % 256], (y * width + x) * 3);
    }
  }
  return { data, width, height };
}

const photo = async (file: string) => decodeImage(readFileSync(facePath(file)), 40e6);

describe('linearResize', () => {
  it.each([
    // shrinking, both axes or one
    [6, 6, 4, 4],
    [6, 6, 3, 3],
    [10, 9, 3, 3],
    [7, 9, 7, 5],
    [9, 7, 5, 7],
    // enlarging, both axes or one (libvips then blurs the unchanged axis by half a pixel too)
    [6, 6, 9, 9],
    [6, 5, 12, 5],
    [7, 5, 7, 8],
    [3, 2, 8, 8],
  ])('places its taps as libvips does: %ix%i to %ix%i agrees to a grey level', async (sw, sh, w, h) => {
    const image = pattern(sw, sh);
    expect(fitsLinearResize(image, w, h)).toBe(true);
    expect(difference(linearResize(image, w, h).data, await sharpResize(image, w, h)).max).toBeLessThanOrEqual(1);
  });

  it('matches sharp on real photos for the jobs it takes (crops of faces 64 to 250 px, letterboxes, enlargements)', async () => {
    const small = await photo('Ariel_Sharon/001.jpg');
    const large = await photo('deepface_img24/001.jpg');
    const cases: Array<[RgbImage, number, number, Box | undefined]> = [
      [small, 240, 240, { x: 50, y: 50, width: 150, height: 150 }], // the detector's letterbox of a 150 px photo (LFW's)
      [small, 200, 200, undefined], // a 250 px photo shrunk
      [small, 64, 64, { x: 60, y: 55, width: 130, height: 130 }], // the landmarks' crop
      [small, 128, 128, { x: 0, y: 0, width: 250, height: 250 }], // the liveness context
      [small, 200, 200, { x: 70, y: 70, width: 110, height: 110 }], // enlarging
      [large, 64, 64, { x: 300, y: 400, width: 250, height: 250 }], // a large photo's face, just under 4x
      [large, 160, 160, { x: 500, y: 500, width: 300, height: 300 }], // the aligner's shrink of a big face
    ];
    for (const [image, width, height, region] of cases) {
      expect(fitsLinearResize(region ?? image, width, height)).toBe(true);
      const { mean, max } = difference(linearResize(image, width, height, region).data, await sharpResize(image, width, height, region));
      expect(mean).toBeLessThan(0.3);
      expect(max).toBeLessThanOrEqual(2);
    }
  });

  it('reads the region it is given: the same answer as the region copied out first', () => {
    const image = pattern(20, 16);
    const region = { x: 5, y: 3, width: 9, height: 7 };
    expect(linearResize(image, 4, 3, region).data).toEqual(linearResize(cropRgb(image, region), 4, 3).data);
    expect(linearResize(image, 9, 7, region).data).toEqual(cropRgb(image, region).data);
  });

  it('resizes a one-pixel image to any size', () => {
    const dot = { data: new Uint8Array([10, 200, 30]), width: 1, height: 1 };
    expect(Array.from(linearResize(dot, 3, 2).data)).toEqual([10, 200, 30, 10, 200, 30, 10, 200, 30, 10, 200, 30, 10, 200, 30, 10, 200, 30]);
  });

  it('refuses a region outside the image or a job it does not do as libvips does, rather than reading past it', () => {
    const image = pattern(20, 16);
    expect(() => linearResize(image, 4, 4, { x: 18, y: 0, width: 4, height: 4 })).toThrow(/cannot take/);
    expect(() => linearResize(image, 4, 4, { x: 0, y: 0.5, width: 4, height: 4 })).toThrow(/cannot take/);
    expect(() => linearResize(image, 4, 40)).toThrow(/cannot take/);
  });
});

describe('fitsLinearResize', () => {
  it('takes small shrinks under 4x and small enlargements, and nothing else', () => {
    expect(fitsLinearResize({ width: 250, height: 250 }, 64, 64)).toBe(true);
    expect(fitsLinearResize({ width: 256, height: 256 }, 64, 64)).toBe(false); // 4x: libvips block-averages first
    expect(fitsLinearResize({ width: 100, height: 239 }, 101, 238)).toBe(false); // one axis each way
    expect(fitsLinearResize({ width: 100, height: 100 }, 63.5, 64)).toBe(false);
    expect(fitsLinearResize({ width: 0, height: 100 }, 64, 64)).toBe(false);
    expect(fitsLinearResize({ width: 640, height: 480 }, 320, 240)).toBe(resizeCost(640, 480, 320, 240) <= JS_RESIZE_MAX_COST);
    expect(resizeCost(640, 480, 320, 240)).toBeGreaterThan(JS_RESIZE_MAX_COST);
  });

  it('counts the work it does: more taps for a stronger shrink, one for an unchanged axis', () => {
    expect(resizeCost(300, 100, 100, 100)).toBe(3 * 100 * (100 * 6 + 100 * 1));
    expect(resizeCost(100, 100, 200, 200)).toBe(3 * 200 * (100 * 2 + 200 * 2));
  });
});

describe('resizeRgb', () => {
  it('gives the JS answer for the jobs linearResize takes and libvips itself for the others', async () => {
    const small = await photo('Ariel_Sharon/001.jpg');
    expect((await resizeRgb(small, 64, 64)).data).toEqual(linearResize(small, 64, 64).data);
    const large = await photo('deepface_img24/001.jpg');
    expect(fitsLinearResize(large, 320, 240)).toBe(false);
    expect((await resizeRgb(large, 320, 240)).data).toEqual(await sharpResize(large, 320, 240));
    const bigFace = { x: 300, y: 400, width: 300, height: 300 };
    expect((await resizeRgb(large, 64, 64, bigFace)).data).toEqual(await sharpResize(large, 64, 64, bigFace));
  });
});
