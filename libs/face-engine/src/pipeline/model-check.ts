import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDING_MODEL, MODEL_FILES } from './model-files';

/**
 * A model file that is missing or is not the one this release was measured with. Checked before the files reach
 * onnxruntime, which aborts the whole process (a native `terminate`, no JavaScript error) on a truncated model.
 */
export class ModelFilesError extends Error {
  override readonly name = 'ModelFilesError';

  constructor(
    message: string,
    readonly file: string,
    readonly problem: 'missing' | 'altered',
  ) {
    super(message);
  }
}

interface Manifest {
  models: Array<{ file: string; sha256: string }>;
}

/**
 * Checks that every model the engine loads is in `modelsDir` with the sha256 that `manifestPath` (the release's
 * models/manifest.json) lists; without a manifest, only that the files exist. Hashing the four files (9 MB) takes
 * about 30 ms.
 */
export function verifyModelFiles(modelsDir: string, manifestPath: string): void {
  const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest) : null;
  const expected = new Map(manifest?.models.map((m) => [m.file, m.sha256]));
  for (const file of Object.values(MODEL_FILES)) {
    const path = join(modelsDir, file);
    if (!existsSync(path)) {
      throw new ModelFilesError(
        `Model ${file} is missing from ${modelsDir}: run \`npm run models\` to fetch and verify the models (or point FACEGATE_MODELS_DIR at the folder that has them).`,
        file,
        'missing',
      );
    }
    if (!manifest) continue;
    const actual = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (actual !== expected.get(file)) {
      throw new ModelFilesError(
        `Model ${path} is not the file models/manifest.json lists (sha256 ${actual.slice(0, 12)}…, expected ${(expected.get(file) ?? 'none').slice(0, 12)}…): run \`npm run models\` to fetch it again.`,
        file,
        'altered',
      );
    }
  }
}

/**
 * Checks that the manifest's embedder weights are the ones EMBEDDING_MODEL.id names (its last 8 hex digits are their
 * sha256 prefix): other weights would store vectors under this id that are not comparable with the gallery's.
 */
export function verifyEmbeddingModelId(manifestPath: string): void {
  if (!existsSync(manifestPath)) return;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const sha = manifest.models.find((m) => m.file === EMBEDDING_MODEL.file)?.sha256 ?? '';
  if (!EMBEDDING_MODEL.id.endsWith(`-${sha.slice(0, 8)}`)) {
    throw new ModelFilesError(
      `${manifestPath} lists embedder weights (sha256 ${sha.slice(0, 12) || 'none'}…) other than this release's model ${EMBEDDING_MODEL.id}: stored faces would mix incompatible vectors.`,
      EMBEDDING_MODEL.file,
      'altered',
    );
  }
}
