import { computeLetterbox, unletterboxBox } from './letterbox';

describe('letterbox', () => {
  it('fits a landscape image by width and pads top and bottom', () => {
    const lb = computeLetterbox(1280, 720, 320, 240);
    expect(lb).toMatchObject({ width: 320, height: 180, padX: 0, padY: 30 });
  });

  it('fits a portrait image by height and pads left and right', () => {
    const lb = computeLetterbox(600, 800, 320, 240);
    expect(lb).toMatchObject({ width: 180, height: 240, padX: 70, padY: 0 });
  });

  it.each([
    [1280, 720],
    [600, 800],
    [250, 250],
    [333, 101],
  ])('maps a box from model input coordinates back to the %dx%d image', (w, h) => {
    const lb = computeLetterbox(w, h, 320, 240);
    // A box covering the whole resized image must map to the whole original image.
    const whole = unletterboxBox(lb, lb.padX / 320, lb.padY / 240, (lb.padX + lb.width) / 320, (lb.padY + lb.height) / 240);
    expect(whole.x).toBeCloseTo(0, 6);
    expect(whole.y).toBeCloseTo(0, 6);
    expect(whole.width).toBeCloseTo(w, 6);
    expect(whole.height).toBeCloseTo(h, 6);
    // The centre of the input maps to the centre of the image, give or take the half pixel of odd padding.
    const centre = unletterboxBox(lb, 0.5, 0.5, 0.5, 0.5);
    expect(Math.abs(centre.x - w / 2)).toBeLessThanOrEqual(w / lb.width);
    expect(Math.abs(centre.y - h / 2)).toBeLessThanOrEqual(h / lb.height);
  });
});
