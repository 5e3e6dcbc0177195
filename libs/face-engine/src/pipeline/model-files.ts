/** File names of the four models inside FaceEngineConfig.modelsDir (see models/manifest.json). */
export const MODEL_FILES = {
  detector: 'fr_detect.onnx',
  landmarks: 'fr_landmark.onnx',
  embedder: 'fr_feature.onnx',
  liveness: 'fr_liveness.onnx',
} as const;

/**
 * The embedding model, the one home of its identity: every stored face is tagged with `id` (so a model change can never
 * mix incompatible vectors) and the vector column has `dimensions`. The id ends with the first 8 hex digits of the
 * weights' sha256 in models/manifest.json; verifyModelFiles refuses a manifest that lists other weights.
 */
export const EMBEDDING_MODEL = { id: 'mobilefacenet-fr_feature-87aacdfe', file: MODEL_FILES.embedder, dimensions: 512 } as const;
