import { Point } from '../geometry/geometry.types';
import { projectMeanFace } from '../geometry/head-pose-3d';
import { RgbImage } from '../image/raw-image';
import { faceTexture, TEXTURE_LENGTH, TEXTURE_REGIONS, textureChange } from './face-texture';

const W = 320,
  H = 240;

/** A synthetic textured "face": a smooth pattern of the given frequency, with the 68 points of a projected mean face. */
function scene(pattern: (x: number, y: number) => number): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = Math.max(0, Math.min(255, Math.round(pattern(x, y))));
      data.set([v, v, v], (y * W + x) * 3);
    }
  }
  return { data, width: W, height: H };
}
const stripes = (x: number, y: number) => 128 + 60 * Math.sin(x / 4) + 40 * Math.cos((x + 2 * y) / 7);
const face = projectMeanFace(0, 0, 0, 0.9, { x: 160, y: 120 });

describe('faceTexture', () => {
  it('returns at most 512 floats of per-region statistics', () => {
    const t = faceTexture(scene(stripes), face);
    expect(t).toHaveLength(TEXTURE_LENGTH);
    expect(TEXTURE_LENGTH).toBeLessThanOrEqual(512);
    expect(TEXTURE_LENGTH).toBe(TEXTURE_REGIONS.length * 10);
    expect(t.every(Number.isFinite)).toBe(true);
  });

  it('ignores a global change of brightness and contrast', () => {
    const a = faceTexture(scene(stripes), face);
    const b = faceTexture(
      scene((x, y) => 1.15 * stripes(x, y) - 10),
      face,
    );
    expect(textureChange(a, b).regions.every((r) => r < 0.02)).toBe(true);
  });

  it('follows a warp: moving the image with the landmarks leaves the descriptor nearly unchanged', () => {
    const shift: Point = { x: 17, y: -9 };
    const moved = scene((x, y) => stripes(x - shift.x, y - shift.y));
    const a = faceTexture(scene(stripes), face);
    const b = faceTexture(
      moved,
      face.map((p) => ({ x: p.x + shift.x, y: p.y + shift.y })),
    );
    expect(Math.max(...textureChange(a, b).regions)).toBeLessThan(0.05);
  });

  it('sees a change of content on one side as a one-sided change', () => {
    const a = faceTexture(scene(stripes), face);
    // New content on the image-left half only (as when the far cheek and the background behind it change).
    const b = faceTexture(
      scene((x, y) => (x < 150 ? 128 + 60 * Math.sin(y / 3) : stripes(x, y))),
      face,
    );
    const change = textureChange(a, b);
    expect(change.left).toBeGreaterThan(change.right + 0.2);
    expect(change.asymmetry).toBeGreaterThan(0.2);
  });

  it('summarises by the median region, so a few painted regions do not count as a new capture', () => {
    const a = faceTexture(scene(stripes), face);
    const eyes = [face[37], face[44]];
    const paintedEyes = faceTexture(
      scene((x, y) => (eyes.some((e) => Math.hypot((x - e.x) / 14, (y - e.y) / 6) < 1) ? 90 : stripes(x, y))),
      face,
    );
    const recaptured = faceTexture(
      scene((x, y) => 128 + 50 * Math.sin((x + y) / 5) + 30 * Math.cos(x / 9)),
      face,
    );
    const painted = textureChange(a, paintedEyes);
    expect(Math.max(...painted.regions)).toBeGreaterThan(0.3);
    expect(painted.summary).toBeLessThan(0.05);
    expect(textureChange(a, recaptured).summary).toBeGreaterThan(0.3);
  });

  it('rejects descriptors of the wrong length and point lists of the wrong layout', () => {
    expect(() => textureChange(new Float32Array(3), new Float32Array(3))).toThrow();
    expect(() => faceTexture(scene(stripes), face.slice(0, 5))).toThrow();
  });

  it('mirrors the regions of one half onto the other', () => {
    const left = TEXTURE_REGIONS.filter((r) => r.side === 'left').map((r) => r.name);
    const right = TEXTURE_REGIONS.filter((r) => r.side === 'right').map((r) => r.name);
    expect(right).toEqual(left);
    const cheek = TEXTURE_REGIONS.find((r) => r.side === 'right' && r.name === 'cheek');
    expect(cheek?.quad).toEqual([15, 46, 35, 12]);
  });
});
