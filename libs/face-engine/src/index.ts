// Public API of the face engine. Keep it small: the service and the CLI use only what is exported here.
export { FaceEngine } from './face-engine';
export type { FaceEngineLogger, FaceEngineObserver, FaceEngineOptions } from './face-engine';
export {
  DEFAULT_FACE_ENGINE_CONFIG,
  FACE_ENGINE_RANGES,
  DEFAULT_LIVENESS_MIN_FRAMES,
  DEFAULT_LIVENESS_THRESHOLD,
  DEFAULT_MATCH_THRESHOLD,
  DEFAULT_MODELS_DIR,
  resolveFaceEngineConfig,
} from './face-engine.config';
export type { FaceEngineConfig, FaceEngineOverrides } from './face-engine.config';
export type { AnalysisResult, AnalyzeOptions, AnalyzedFace, FaceExpression, FaceQuality, FivePoints, StageTimings } from './pipeline/face.types';
export type { Box, Point } from './geometry/geometry.types';
export { EMBEDDING_DIMENSIONS, cosineSimilarity } from './pipeline/face-embedder';
export { EMBEDDING_MODEL } from './pipeline/model-files';
export { MODEL_FILES } from './pipeline/model-files';
export { ModelFilesError, verifyModelFiles } from './pipeline/model-check';
export { median } from './liveness/session-median';
export { seededRandom } from './eval/seeded-random';
export { parseImageInput, sniffImageFormat } from './image/image-input';
export type { ImageFormat, ImageLimits } from './image/image-input';
export type { JobOutcome, JobSettledEvent, WorkerPoolStats } from './worker/worker-pool';
export { fitHeadPose } from './geometry/head-pose-3d';
export type { HeadPose3d, HeadPoseFitOptions } from './geometry/head-pose-3d';
export { TEXTURE_LENGTH, TEXTURE_REGIONS, faceTexture, textureChange } from './pipeline/face-texture';
export type { TextureChange } from './pipeline/face-texture';
