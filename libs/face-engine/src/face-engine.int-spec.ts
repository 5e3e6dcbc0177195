import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { codeOf } from '../../../test/error-code';
import { FaceEngine, cosineSimilarity, DEFAULT_MATCH_THRESHOLD } from '@facegate/face-engine';
import { facePath, FACES_DIR } from '../../../test/shared-faces';
import { pngDeclaring, pseudoRandomBytes } from '../../../test/crafted-images';
import { loadFaceDataset } from './eval/face-dataset';

const data = loadFaceDataset(FACES_DIR);
const pairs = JSON.parse(readFileSync(facePath('pairs.json'), 'utf8')) as {
  genuine: Array<{ a: string; b: string }>;
  impostor: Array<{ a: string; b: string }>;
};

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('FaceEngine on real models and photos', () => {
  let engine: FaceEngine;
  const embeddings = new Map<string, Float32Array>();

  beforeAll(async () => {
    engine = await FaceEngine.create({ poolSize: 2 }, { allowCrashOp: true, logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
  });
  afterAll(() => engine.close());

  it('finds a face, with landmarks, quality and a unit-length 512-d embedding, in every identity photo', async () => {
    const results = await Promise.all(
      data.identities.map(async ({ file }) => ({ file, result: await engine.analyze(readFileSync(facePath(file)), { embedding: true }) })),
    );
    const missing = results.filter(({ result }) => result.primaryIndex < 0).map(({ file }) => file);
    expect(missing).toEqual([]);
    for (const { file, result } of results) {
      const face = result.faces[result.primaryIndex];
      expect(face.embedding).toHaveLength(512);
      expect(Math.hypot(...face.embedding!)).toBeCloseTo(1, 4);
      expect(face.quality!.sizePx).toBeGreaterThan(20);
      expect(face.landmarks!.leftEye.x).toBeLessThan(face.landmarks!.rightEye.x);
      embeddings.set(file, face.embedding!);
    }
    expect(embeddings.size).toBe(201);
  });

  it('scores same-person pairs above the default threshold and different-person pairs below it', () => {
    // Every 5th pair of pairs.json: 134 genuine and 134 impostor pairs.
    const sample = <T>(list: T[]) => list.filter((_, i) => i % 5 === 0);
    const sim = ({ a, b }: { a: string; b: string }) => cosineSimilarity(embeddings.get(a)!, embeddings.get(b)!);
    const genuine = sample(pairs.genuine).map(sim);
    const impostor = sample(pairs.impostor).map(sim);
    expect(impostor.filter((s) => s >= DEFAULT_MATCH_THRESHOLD)).toEqual([]);
    // Measured TAR at the default threshold is 99.85% over all 670 pairs; allow one miss in the sample.
    expect(genuine.filter((s) => s < DEFAULT_MATCH_THRESHOLD).length).toBeLessThanOrEqual(1);
    expect(Math.min(...genuine)).toBeGreaterThan(Math.max(...impostor) - 0.1);
  });

  it('counts the faces of group photos within the expected bounds', async () => {
    const found = await Promise.all(
      data.groups.map(async (g) => ({
        ...g,
        found: (await engine.analyze(readFileSync(facePath(g.file)), { details: 'none', smallFaces: true })).faces.length,
      })),
    );
    const within = found.filter((g) => g.found >= g.min && (g.max === null || g.found <= g.max));
    expect(within.length).toBeGreaterThanOrEqual(8);
  });

  it('describes every face of a group photo when asked', async () => {
    const result = await engine.analyze(readFileSync(facePath('groups/006.jpg')), { details: 'all' });
    expect(result.faces.length).toBe(6);
    expect(result.faces.every((f) => f.quality && f.landmarks && !f.embedding)).toBe(true);
  });

  it('finds no face in the face-free images', async () => {
    for (const file of data.noface) {
      const result = await engine.analyze(readFileSync(facePath(file)), { details: 'none', smallFaces: true });
      expect({ file, faces: result.faces.length }).toEqual({ file, faces: 0 });
    }
  });

  it('applies EXIF orientation (the Silent-Face sample is stored sideways)', async () => {
    const bytes = readFileSync(facePath('live/001.jpg'));
    const meta = await sharp(bytes).metadata();
    expect(meta.orientation).toBeGreaterThan(4); // rotated by 90 or 270 degrees
    const result = await engine.analyze(bytes, { liveness: true });
    expect([result.width, result.height]).toEqual([meta.height, meta.width]);
    expect(result.primaryIndex).toBeGreaterThanOrEqual(0);
    expect(result.faces[result.primaryIndex].liveness).toBeGreaterThan(0.5);
  });

  it('scores liveness on the idle worker for a lone request, with the score the busy path gives', async () => {
    const single = await FaceEngine.create({ poolSize: 1 }, { logger: quiet });
    try {
      for (const file of ['live/001.jpg', 'spoof/001.jpg', 'Tony_Blair/002.jpg']) {
        const bytes = readFileSync(facePath(file));
        const before = engine.sharedParts;
        const shared = await engine.analyze(bytes, { embedding: true, liveness: true });
        expect(engine.sharedParts).toBe(before + 1);
        const alone = await single.analyze(bytes, { embedding: true, liveness: true });
        expect(single.sharedParts).toBe(0);
        expect(shared.faces[shared.primaryIndex].liveness).toBe(alone.faces[alone.primaryIndex].liveness);
      }
    } finally {
      await single.close();
    }
  });

  describe('bad images give coded errors', () => {
    const jpeg = readFileSync(facePath('George_W_Bush/001.jpg'));

    it.each([
      ['random bytes', () => pseudoRandomBytes(5000), 'INVALID_IMAGE'],
      ['a truncated JPEG', () => jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'INVALID_IMAGE'],
      ['a JPEG header with garbage after it', () => Buffer.concat([jpeg.subarray(0, 20), pseudoRandomBytes(3000)]), 'INVALID_IMAGE'],
      ['an empty buffer', () => Buffer.alloc(0), 'INVALID_IMAGE'],
      ['a GIF', () => Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00', 'latin1'), 'UNSUPPORTED_FORMAT'],
      ['a PNG declaring 50000 x 50000 pixels', () => pngDeclaring(50000, 50000), 'IMAGE_TOO_LARGE'],
    ])('%s', async (_name, make, code) => {
      expect(await codeOf(engine.analyze(make()))).toBe(code);
    });

    it('a photo over the byte limit', async () => {
      const small = await FaceEngine.create(
        { poolSize: 1, image: { maxBytes: 4096 } },
        { logger: { log: () => undefined, warn: () => undefined, error: () => undefined } },
      );
      try {
        expect(await codeOf(small.analyze(jpeg))).toBe('IMAGE_TOO_LARGE');
      } finally {
        await small.close();
      }
    });
  });

  it('answers ENGINE_TIMEOUT for an image that overruns the limit without killing the process', async () => {
    const slow = await FaceEngine.create({ poolSize: 1, jobTimeoutMs: 250 }, { logger: quiet });
    try {
      // 46 faces each landmarked, aligned and embedded: 560-690 ms on one idle worker of the bench machine.
      const crowd = readFileSync(facePath('groups/009.jpg'));
      expect(await codeOf(slow.analyze(crowd, { details: 'all', smallFaces: true, embedding: true }))).toBe('ENGINE_TIMEOUT');
      // The overrun worker is replaced and the engine answers again. A one-face photo takes 11-26 ms, but the new
      // worker's first run, on a machine busy with other suites, once took over 100 ms: up to three tries.
      let outcome = await codeOf(slow.analyze(readFileSync(facePath('Tony_Blair/002.jpg'))));
      for (let tries = 1; tries < 3 && outcome === 'ENGINE_TIMEOUT'; tries++)
        outcome = await codeOf(slow.analyze(readFileSync(facePath('Tony_Blair/002.jpg'))));
      expect(outcome).toBe('resolved');
      expect(slow.stats().restarts).toBeGreaterThanOrEqual(1);
    } finally {
      await slow.close();
    }
  });

  it('closes with inferences in flight without aborting the process (onnxruntime must never be torn down mid-run)', async () => {
    const other = await FaceEngine.create({ poolSize: 2 }, { logger: quiet });
    const photos = ['Tony_Blair/002.jpg', 'deepface_img1/001.jpg', 'groups/006.jpg'].map((f) => readFileSync(facePath(f)));
    const jobs = Array.from({ length: 6 }, (_, i) => codeOf(other.analyze(photos[i % 3], { embedding: true, liveness: true })));
    await new Promise((r) => setTimeout(r, 30));
    await other.close();
    const outcomes = await Promise.all(jobs);
    expect(outcomes.every((o) => o === 'resolved' || o === 'ENGINE_FAILURE')).toBe(true);
    expect(outcomes).toContain('resolved');
  });

  it('survives a job that crashes its worker and keeps serving', async () => {
    expect(await codeOf(engine.crashOneWorker())).toBe('ENGINE_FAILURE');
    const results = await Promise.all(
      ['Tony_Blair/001.jpg', 'Colin_Powell/001.jpg', 'Hugo_Chavez/001.jpg'].map((f) => engine.analyze(readFileSync(facePath(f)))),
    );
    expect(results.every((r) => r.primaryIndex >= 0)).toBe(true);
    expect(engine.stats().restarts).toBeGreaterThanOrEqual(1);
    expect(engine.healthy).toBe(true);
  });
});
