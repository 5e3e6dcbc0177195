import { openSync, writeSync, closeSync } from 'node:fs';
import sharp from 'sharp';

const WIDTH = 640;
const HEIGHT = 480;

export interface FakeCameraScene {
  /** Photo paths, shown one after another, each for `secondsEach`. */
  photos: string[];
  secondsEach: number;
  fps: number;
  /** Times through the photo list; each frame gets its own sensor noise, so no two frames are byte-identical. */
  loops: number;
}

/**
 * Writes a Y4M video (what Chromium's --use-file-for-fake-video-capture plays, in a loop) from still photos. Real
 * cameras never send two identical frames, and the liveness challenge refuses repeated frames, so every frame gets
 * light noise of its own.
 */
export async function writeFakeCamera(path: string, scene: FakeCameraScene): Promise<number> {
  const stills = await Promise.all(scene.photos.map((p) => sharp(p).resize(WIDTH, HEIGHT, { fit: 'cover' }).removeAlpha().raw().toBuffer()));
  const fd = openSync(path, 'w');
  let frames = 0;
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
  try {
    writeSync(fd, `YUV4MPEG2 W${WIDTH} H${HEIGHT} F${scene.fps}:1 Ip A1:1 C420jpeg\n`);
    for (let loop = 0; loop < scene.loops; loop++) {
      for (const rgb of stills) {
        for (let i = 0; i < Math.round(scene.secondsEach * scene.fps); i++) {
          writeSync(fd, 'FRAME\n');
          writeSync(fd, toI420(rgb, random));
          frames++;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return frames;
}

/** RGB to planar YUV 4:2:0 (BT.601 full range, as JPEG), with +-2 of noise on the luma. */
function toI420(rgb: Buffer, random: () => number): Buffer {
  const out = Buffer.alloc(WIDTH * HEIGHT * 1.5);
  const uOffset = WIDTH * HEIGHT;
  const vOffset = uOffset + (WIDTH * HEIGHT) / 4;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 3;
      const luma = 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2] + (random() * 4 - 2);
      out[y * WIDTH + x] = clamp(luma);
    }
  }
  for (let y = 0; y < HEIGHT; y += 2) {
    for (let x = 0; x < WIDTH; x += 2) {
      let r = 0,
        g = 0,
        b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ]) {
        const i = ((y + dy) * WIDTH + x + dx) * 3;
        r += rgb[i];
        g += rgb[i + 1];
        b += rgb[i + 2];
      }
      r /= 4;
      g /= 4;
      b /= 4;
      const c = (y / 2) * (WIDTH / 2) + x / 2;
      out[uOffset + c] = clamp(-0.168736 * r - 0.331264 * g + 0.5 * b + 128);
      out[vOffset + c] = clamp(0.5 * r - 0.418688 * g - 0.081312 * b + 128);
    }
  }
  return out;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
