import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ExecutionProvider } from './runtime/onnx-session.factory';

/** Everything the face engine needs, in one typed object. The app fills it from its validated configuration. */
export interface FaceEngineConfig {
  /** Folder holding fr_detect.onnx, fr_landmark.onnx, fr_feature.onnx and fr_liveness.onnx. */
  modelsDir: string;
  /** Worker threads running models; each holds its own ONNX sessions (~80 MB). */
  poolSize: number;
  /** ONNX Runtime intra-op threads per session. Keep poolSize x intraOpThreads <= cores. */
  intraOpThreads: number;
  executionProvider: ExecutionProvider;
  detection: {
    /** Minimum face score (0.8 measured best on the dev set). */
    scoreThreshold: number;
    nmsIou: number;
    /** Minimum score of faces found only by the tiled small-face pass (see FaceDetector). */
    tileScoreThreshold: number;
  };
  /** Add the mirrored face's embedding (+1 model run a face). */
  flipAugmentation: boolean;
  /** Cosine similarity at or above which two faces are the same person (calibrated by `npm run eval`). */
  matchThreshold: number;
  image: {
    maxBytes: number;
    maxPixels: number;
  };
  /** A job running longer than this is killed with its worker, which is replaced. */
  jobTimeoutMs: number;
  /** Jobs waiting beyond this many are refused with ENGINE_BUSY instead of queueing without bound. */
  maxQueue: number;
  /** A busy worker offers a face's liveness model to an idle one (WorkerPool.share); off only to measure its effect. */
  shareParts: boolean;
  /**
   * The nice value of the worker threads (Linux; 0 leaves them as the process is): on a machine the engine saturates,
   * the event loop (HTTP, health checks) then gets the processor before the models (README, FACEGATE_ENGINE_NICE).
   */
  workerNice: number;
}

/**
 * Calibrated on LFW all against all with `npm run eval -- --lfw` (README, "Choosing the threshold"): the lowest
 * threshold whose false accept rate over all 29.6 million cross-identity pairs is at most 1e-4 with 95% confidence,
 * rounded up to 0.01 (the report's `recommendedThreshold`). The dev set (19,430 impostor pairs) is too small to show
 * a FAR of 1e-4; its 1e-3 rule gave 0.36.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.42;

/**
 * Passive liveness, as sign-in uses it: the median score of a challenge session's frames (at least
 * DEFAULT_LIVENESS_MIN_FRAMES of them) must reach this. Chosen with `npm run eval` on the development set's webcam
 * frames (README "Passive liveness"): there every 5-frame live session's median was at or above it and every replayed
 * one below; one frame's score alone overlaps (live frames from 0.018, a replayed frame up to 0.30).
 */
export const DEFAULT_LIVENESS_THRESHOLD = 0.04;
export const DEFAULT_LIVENESS_MIN_FRAMES = 5;

/** The repository's models/ folder, found from here whether running from sources or from dist/. */
export const DEFAULT_MODELS_DIR = findModelsDir(__dirname);

function findModelsDir(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'models', 'manifest.json'))) return join(dir, 'models');
  }
  return join(process.cwd(), 'models');
}

export const DEFAULT_FACE_ENGINE_CONFIG: FaceEngineConfig = {
  modelsDir: DEFAULT_MODELS_DIR,
  poolSize: 2,
  intraOpThreads: 1,
  executionProvider: 'cpu',
  detection: { scoreThreshold: 0.8, nmsIou: 0.4, tileScoreThreshold: 0.9 },
  flipAugmentation: false,
  matchThreshold: DEFAULT_MATCH_THRESHOLD,
  image: { maxBytes: 10 * 1024 * 1024, maxPixels: 40_000_000 },
  jobTimeoutMs: 30_000,
  maxQueue: 256,
  shareParts: true,
  workerNice: 10,
};

/**
 * The valid range [min, max] of each numeric setting. The one home of these bounds: the engine checks its options
 * against them and the app's configuration reads its environment variables with them.
 */
export const FACE_ENGINE_RANGES = {
  poolSize: [1, 64],
  intraOpThreads: [1, 64],
  jobTimeoutMs: [100, 600_000],
  maxQueue: [1, 100_000],
  workerNice: [0, 19],
  imageMaxBytes: [1024, 100 * 1024 * 1024],
  imageMaxPixels: [64 * 64, 500_000_000],
} as const satisfies Record<string, readonly [number, number]>;

export type FaceEngineOverrides = Partial<Omit<FaceEngineConfig, 'detection' | 'image'>> & {
  detection?: Partial<FaceEngineConfig['detection']>;
  image?: Partial<FaceEngineConfig['image']>;
};

export function resolveFaceEngineConfig(overrides: FaceEngineOverrides = {}): FaceEngineConfig {
  const config: FaceEngineConfig = {
    ...DEFAULT_FACE_ENGINE_CONFIG,
    ...overrides,
    detection: { ...DEFAULT_FACE_ENGINE_CONFIG.detection, ...overrides.detection },
    image: { ...DEFAULT_FACE_ENGINE_CONFIG.image, ...overrides.image },
  };
  const problems: string[] = [];
  const intIn = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  const numIn = (name: string, v: number, min: number, max: number) => {
    if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) problems.push(`${name} must be in [${min}, ${max}], got ${v}`);
  };
  intIn('poolSize', config.poolSize, ...FACE_ENGINE_RANGES.poolSize);
  intIn('intraOpThreads', config.intraOpThreads, ...FACE_ENGINE_RANGES.intraOpThreads);
  numIn('detection.scoreThreshold', config.detection.scoreThreshold, 0.05, 1);
  numIn('detection.nmsIou', config.detection.nmsIou, 0.05, 1);
  numIn('detection.tileScoreThreshold', config.detection.tileScoreThreshold, 0.05, 1);
  numIn('matchThreshold', config.matchThreshold, -1, 1);
  intIn('image.maxBytes', config.image.maxBytes, ...FACE_ENGINE_RANGES.imageMaxBytes);
  intIn('image.maxPixels', config.image.maxPixels, ...FACE_ENGINE_RANGES.imageMaxPixels);
  intIn('jobTimeoutMs', config.jobTimeoutMs, ...FACE_ENGINE_RANGES.jobTimeoutMs);
  intIn('maxQueue', config.maxQueue, ...FACE_ENGINE_RANGES.maxQueue);
  intIn('workerNice', config.workerNice, ...FACE_ENGINE_RANGES.workerNice);
  if (!['cpu', 'cuda'].includes(config.executionProvider)) problems.push(`executionProvider must be cpu or cuda`);
  if (problems.length > 0) throw new Error(`Invalid face engine configuration: ${problems.join('; ')}`);
  return config;
}
