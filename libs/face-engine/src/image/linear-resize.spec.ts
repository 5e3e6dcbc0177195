import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { facePath } from '../../../../test/shared-faces';
import { Box } from '../geometry/geometry.types';
import { decodeImage, JS_RESIZE_MAX_COST, resizeRgb } from './image-decoder';
import { linearResize, resizeCost } from './linear-resize';
import { RgbImage } from './raw-image';

/** libvips' own answer, as resizeRgb gave it before small resizes moved to JS. */
async function sharpResize(image: RgbImage, width: number, height: number, region?: Box): Promise<Uint8Array> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (region) pipeline = pipeline.extract({ left: region.x, top: region.y, width: region.width, height: region.height });
  return new Uint8Array(await pipeline.resize(width, height, { fit: 'fill', kernel: 'linear' }).raw().toBuffer());
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

/** A grey ramp with a bright bar, one row repeated: edges and slopes where a misplaced filter shows. */
function ramp(width: number, height: number): RgbImage {
  const row = Array.from({ length: width }, (_, x) => (x === Math.floor(width / 2) ? 250 : Math.round((x * 200) / width)));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(row[x], (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { data, width, height };
}

describe('linearResize', () => {
  it.each([
    [6, 9],
    [6, 12],
    [6, 4],
    [6, 3],
    [10, 3],
  ])('places its taps as libvips does: %i px to %i px agrees to a grey level', async (from, to) => {
    // A tap half a pixel off would miss by about 15 levels on this ramp; libvips' fixed-point rounding differs by 1.
    const image = ramp(from, 4);
    expect(difference(linearResize(image, to, 4).data, await sharpResize(image, to, 4)).max).toBeLessThanOrEqual(1);
  });

  it('matches sharp within a grey level on average on real photos, for every resize a request makes', async () => {
    const small = await decodeImage(readFileSync(facePath('Ariel_Sharon/001.jpg')), 40e6);
    const large = await decodeImage(readFileSync(facePath('deepface_img24/001.jpg')), 40e6);
    const cases: Array<[RgbImage, number, number, Box | undefined]> = [
      [small, 240, 240, undefined], // the detector's letterbox, shrinking
      [small, 64, 64, { x: 60, y: 55, width: 130, height: 130 }], // the landmarks' crop
      [small, 128, 128, { x: 0, y: 0, width: 250, height: 250 }], // the liveness context
      [small, 200, 200, { x: 70, y: 70, width: 110, height: 110 }], // enlarging
      [large, 64, 64, { x: 300, y: 400, width: 600, height: 600 }], // a large face's crop: a big shrink
    ];
    for (const [image, width, height, region] of cases) {
      const { mean, max } = difference(linearResize(image, width, height, region).data, await sharpResize(image, width, height, region));
      expect(mean).toBeLessThan(0.6);
      expect(max).toBeLessThanOrEqual(12);
    }
  });

  it('reads only the region it is given', () => {
    const image = ramp(20, 10);
    const region = { x: 5, y: 2, width: 4, height: 4 };
    const whole = linearResize({ ...image, data: image.data }, 4, 4, region).data;
    // The same pixels copied out first give the same answer.
    const copy = new Uint8Array(4 * 4 * 3);
    for (let y = 0; y < 4; y++) copy.set(image.data.subarray(((2 + y) * 20 + 5) * 3, ((2 + y) * 20 + 9) * 3), y * 12);
    expect(whole).toEqual(copy);
    expect(linearResize({ data: copy, width: 4, height: 4 }, 2, 2).data).toEqual(linearResize(image, 2, 2, region).data);
  });

  it('resizes a one-pixel image to any size', () => {
    const dot = { data: new Uint8Array([10, 200, 30]), width: 1, height: 1 };
    const out = linearResize(dot, 3, 2);
    expect(Array.from(out.data)).toEqual([10, 200, 30, 10, 200, 30, 10, 200, 30, 10, 200, 30, 10, 200, 30, 10, 200, 30]);
  });
});

describe('resizeRgb', () => {
  it('resizes small jobs in JS and hands large ones to libvips', async () => {
    const small = await decodeImage(readFileSync(facePath('Ariel_Sharon/001.jpg')), 40e6);
    expect(resizeCost(250, 250, 64, 64)).toBeLessThanOrEqual(JS_RESIZE_MAX_COST);
    expect((await resizeRgb(small, 64, 64)).data).toEqual(linearResize(small, 64, 64).data);

    const large = await decodeImage(readFileSync(facePath('deepface_img24/001.jpg')), 40e6);
    expect(resizeCost(large.width, large.height, 320, 240)).toBeGreaterThan(JS_RESIZE_MAX_COST);
    expect((await resizeRgb(large, 320, 240)).data).toEqual(await sharpResize(large, 320, 240));
  });
});
