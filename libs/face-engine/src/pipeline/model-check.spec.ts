import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFilesError, verifyEmbeddingModelId, verifyModelFiles } from './model-check';
import { EMBEDDING_MODEL, MODEL_FILES } from './model-files';

describe('verifyModelFiles', () => {
  let dir: string;
  let manifest: string;
  const content = (file: string) => Buffer.from(`weights of ${file}`);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facegate-models-'));
    for (const file of Object.values(MODEL_FILES)) writeFileSync(join(dir, file), content(file));
    manifest = join(dir, 'manifest.json');
    const models = Object.values(MODEL_FILES).map((file) => ({ file, sha256: createHash('sha256').update(content(file)).digest('hex') }));
    writeFileSync(manifest, JSON.stringify({ models }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const failure = (): ModelFilesError => {
    try {
      verifyModelFiles(dir, manifest);
    } catch (error) {
      return error as ModelFilesError;
    }
    throw new Error('verifyModelFiles accepted the folder');
  };

  it('accepts the files the manifest lists', () => {
    expect(() => verifyModelFiles(dir, manifest)).not.toThrow();
  });

  it('names a missing model and says how to fetch it', () => {
    rmSync(join(dir, MODEL_FILES.liveness));
    const error = failure();
    expect(error).toBeInstanceOf(ModelFilesError);
    expect(error).toMatchObject({ file: MODEL_FILES.liveness, problem: 'missing' });
    expect(error.message).toBe(
      `Model ${MODEL_FILES.liveness} is missing from ${dir}: run \`npm run models\` to fetch and verify the models (or point FACEGATE_MODELS_DIR at the folder that has them).`,
    );
  });

  it('refuses a model whose bytes differ from the manifest (a truncated download)', () => {
    writeFileSync(join(dir, MODEL_FILES.embedder), content(MODEL_FILES.embedder).subarray(0, 5));
    expect(failure()).toMatchObject({ file: MODEL_FILES.embedder, problem: 'altered' });
    expect(failure().message).toMatch(/is not the file models\/manifest.json lists .* run `npm run models` to fetch it again/);
  });

  it('checks only that the files exist when there is no manifest', () => {
    writeFileSync(join(dir, MODEL_FILES.embedder), 'anything');
    rmSync(manifest);
    expect(() => verifyModelFiles(dir, manifest)).not.toThrow();
    rmSync(join(dir, MODEL_FILES.detector));
    expect(failure()).toMatchObject({ problem: 'missing' });
  });
});

describe('verifyEmbeddingModelId', () => {
  const releaseManifest = join(__dirname, '../../../../models/manifest.json');

  it("accepts the release's manifest: the embedder id names its weights", () => {
    expect(() => verifyEmbeddingModelId(releaseManifest)).not.toThrow();
  });

  it('refuses a manifest whose embedder weights the id does not name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facegate-manifest-'));
    try {
      const manifest = join(dir, 'manifest.json');
      writeFileSync(manifest, JSON.stringify({ models: [{ file: EMBEDDING_MODEL.file, sha256: 'ffffffff' + '0'.repeat(56) }] }));
      expect(() => verifyEmbeddingModelId(manifest)).toThrow(ModelFilesError);
      expect(() => verifyEmbeddingModelId(manifest)).toThrow(/ffffffff0000/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
