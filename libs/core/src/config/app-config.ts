import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  DATABASE_OPTION_RANGES as DATABASE_RANGES,
  DEFAULT_DATABASE_OPTIONS as DATABASE,
  EMBEDDED_INDEX_BUILD_MEMORY_MB as EMBEDDED_BUILD_MEMORY,
} from '@facegate/database';
import {
  DEFAULT_FACE_ENGINE_CONFIG as ENGINE,
  DEFAULT_LIVENESS_MIN_FRAMES,
  DEFAULT_LIVENESS_THRESHOLD,
  DEFAULT_MATCH_THRESHOLD,
  DEFAULT_MODELS_DIR,
  FACE_ENGINE_RANGES as ENGINE_RANGES,
} from '@facegate/face-engine';
import { COLLECTION_PURPOSES, CollectionPurpose } from '../collections/collection-policy';
import { CHALLENGE_STEPS, ChallengeStep, POSE_STEPS } from '../liveness/challenge-judge';
import { DEFAULT_LOOK_UP_EVIDENCE_FRAMES } from '../liveness/motion-evidence';
import { MAX_FACES_PER_USER_LIMIT } from '../users/user.inputs';

/** The one typed configuration object. Built once at boot from the environment; nothing else reads process.env. */
export interface AppConfig {
  port: number;
  host: string;
  /** External PostgreSQL; absent = the embedded database in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  /** First admin API key; absent on a fresh install = one is generated and printed once. */
  apiKey?: string;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** One JSON object per line (for log collectors), or human-readable lines (for a terminal). */
  logFormat: 'json' | 'pretty';
  /** GET /metrics (Prometheus text format). */
  metrics: {
    enabled: boolean;
    /** Bearer token a scraper may send instead of an admin API key; absent = admin API key only. */
    token?: string;
    /** Gallery sizes per collection are counted at most this often (0 = on every scrape). */
    galleryRefreshSeconds: number;
  };
  /** The WebSocket stream at /v1/stream (README "Live streams"). */
  stream: {
    /** Frames a connection may send per second; more are dropped (reported, never queued). */
    maxFps: number;
    /** Open stream connections per API key. */
    maxConnectionsPerKey: number;
    /** A connection that sends nothing this long is closed (4408). */
    idleSeconds: number;
    /** A connection is closed after this long, whatever it does (4409): reconnect for a new one. */
    maxSessionSeconds: number;
    /**
     * Liveness challenge frames judged per second on one connection (the rest are dropped, reason `rate`): a session
     * holds FACEGATE_LIVENESS_MAX_FRAMES frames in all, and a webcam's 10-30 frames/s would spend them in seconds.
     */
    challengeFps: number;
  };
  shutdown: {
    /** On SIGTERM/SIGINT: keep accepting (readiness answers 503) this long, so load balancers stop sending... */
    delaySeconds: number;
    /** ...then stop accepting and give in-flight requests this long to finish before closing the engine and database. */
    graceSeconds: number;
  };
  /** Shared rate-limit store for several instances; absent = limits are per process. */
  redisUrl?: string;
  /** Browser origins allowed by CORS; empty = CORS closed. */
  corsOrigins: string[];
  /**
   * Express "trust proxy": which proxies' X-Forwarded-For to believe for the client address (audit log, rate limits
   * without a key). Unset = none, so a client cannot forge its address.
   */
  trustProxy?: string;
  /** The web page at `/` (static files, no build step). */
  web: {
    enabled: boolean;
    dir: string;
  };
  rateLimits: {
    windowSeconds: number;
    /** Requests per window per API key, by route class. */
    enrol: number;
    recognize: number;
    read: number;
    admin: number;
  };
  lockout: {
    /** Failed verifications of one person within windowSeconds that lock their verification... */
    maxFailures: number;
    windowSeconds: number;
    /** ...for this long. */
    cooldownSeconds: number;
    /** The slow budget: a bucket of this many failures that drains that many per daySeconds (attempts.repository.ts). */
    dailyFailures: number;
    daySeconds: number;
  };
  audit: {
    retentionDays: number;
  };
  collections: {
    /** The purpose of a collection that does not set one (see collection-policy.ts): `sign_in` unless configured. */
    defaultPurpose: CollectionPurpose;
  };
  matching: {
    threshold: number;
    /** |similarity - threshold| at or above which a decision is "high" confidence; "medium" from mediumMargin. */
    highMargin: number;
    mediumMargin: number;
  };
  quality: {
    minDetectorScore: number;
    /** Variance of the Laplacian of the aligned face (see FaceQuality.sharpness). */
    minSharpness: number;
    minBrightness: number;
    maxBrightness: number;
    maxYaw: number;
    maxPitch: number;
    maxRoll: number;
    /** Apply the same gates to verify/recognize probes (LOW_QUALITY), not only to enrolment photos. */
    gateProbes: boolean;
  };
  liveness: {
    /** Passive liveness score at or above which a face counts as live, unless a collection sets its own. */
    threshold: number;
    /** Frames with a passive score a session needs before its median may decide (fewer: the challenge waits for more). */
    minPassiveFrames: number;
    /** Active challenge: steps a session may ask, how many, and how long the session and its token live. */
    steps: ChallengeStep[];
    challengeLength: number;
    sessionSeconds: number;
    tokenSeconds: number;
    maxFramesPerSession: number;
    maxFramesPerRequest: number;
    /** Time to answer one revealed step, and the least time after its reveal that a person needs to answer it. */
    stepSeconds: number;
    minStepMs: number;
    /** Yaw change (degrees) that counts as a head turn, and upward pitch change that counts as looking up. */
    turnDegrees: number;
    lookUpDegrees: number;
    /** Frames with evidence of a new capture (not an edited photo) a look-up must be held for. */
    lookUpFrames: number;
  };
  enrolment: {
    /** Smallest accepted face (side of the square face box, in pixels). */
    minFaceSize: number;
    /** A second face at least this fraction of the largest face's size makes an enrolment photo ambiguous. */
    secondFaceRatio: number;
    maxFacesPerUser: number;
  };
  engine: {
    modelsDir: string;
    poolSize: number;
    intraOpThreads: number;
    executionProvider: 'cpu' | 'cuda';
    flipAugmentation: boolean;
    jobTimeoutMs: number;
    maxQueue: number;
    /** Nice value of the engine's worker threads (FaceEngineConfig.workerNice). */
    workerNice: number;
  };
  limits: {
    maxImageBytes: number;
    maxImagePixels: number;
    maxImagesPerRequest: number;
    /** Body limit in bytes (JSON and multipart) of the routes that take images. */
    maxBodyBytes: number;
    /** Body limit in bytes of every other route, and of the JSON structure (all but long strings) of any body. */
    maxSmallBodyBytes: number;
  };
  database: {
    poolSize: number;
    /** Fixed IVFFlat probes; absent = about sqrt(lists), computed from the index's size. */
    probes?: number;
    exactScanMaxFaces: number;
    minRowsForIndex: number;
    /** The most maintenance_work_mem (MB) an index build asks the server for: it caps the IVFFlat lists. */
    indexBuildMemoryMb: number;
    /** How often the vector index is checked (created or rebuilt when the gallery has grown). */
    indexCheckSeconds: number;
    /** Streaming replicas of DATABASE_URL that serve searches, and how often their replay positions are read. */
    replicaUrls: string[];
    replicaPollMs: number;
  };
}

/** The repository's apps/web/ folder, found from here whether running from sources or from dist/. */
const DEFAULT_WEB_DIR = findUp(__dirname, join('apps', 'web', 'index.html')) ?? join(process.cwd(), 'apps', 'web');

function findUp(start: string, file: string): string | undefined {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, file))) return dirname(join(dir, file));
  }
  return undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads and validates every setting; the first bad value stops the boot with a message naming the variable.
 * `stdoutIsTty` only chooses the default log format (pretty in a terminal, JSON lines otherwise).
 */
export function loadConfig(env: Env = process.env, stdoutIsTty = process.stdout.isTTY === true): AppConfig {
  const read = new EnvReader(env);
  const engineWorkers = Math.max(1, Math.min(2, cpus().length));
  const databaseUrl = read.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']);
  const config: AppConfig = {
    port: read.int('PORT', 8000, 0, 65535),
    host: read.string('HOST', '0.0.0.0'),
    databaseUrl,
    dataDir: resolve(read.string('DATA_DIR', './data')),
    apiKey: read.optionalSecret('FACEGATE_API_KEY', 16),
    logLevel: read.oneOf('LOG_LEVEL', ['error', 'warn', 'log', 'debug'] as const, 'log'),
    logFormat: read.oneOf('LOG_FORMAT', ['json', 'pretty'] as const, stdoutIsTty ? 'pretty' : 'json'),
    metrics: {
      enabled: read.bool('FACEGATE_METRICS', true),
      token: read.optionalSecret('FACEGATE_METRICS_TOKEN', 16),
      galleryRefreshSeconds: read.int('FACEGATE_METRICS_GALLERY_SECONDS', 30, 0, 86_400),
    },
    stream: {
      maxFps: read.int('FACEGATE_STREAM_MAX_FPS', 10, 1, 60),
      maxConnectionsPerKey: read.int('FACEGATE_STREAM_MAX_CONNECTIONS_PER_KEY', 4, 1, 1000),
      idleSeconds: read.int('FACEGATE_STREAM_IDLE_SECONDS', 30, 1, 3600),
      maxSessionSeconds: read.int('FACEGATE_STREAM_MAX_SESSION_SECONDS', 600, 10, 86_400),
      challengeFps: read.int('FACEGATE_STREAM_CHALLENGE_FPS', 5, 1, 30),
    },
    shutdown: {
      delaySeconds: read.number('FACEGATE_SHUTDOWN_DELAY_SECONDS', 0, 0, 600),
      graceSeconds: read.number('FACEGATE_SHUTDOWN_GRACE_SECONDS', 8, 0, 3600),
    },
    redisUrl: read.optionalUrl('REDIS_URL', ['redis:', 'rediss:']),
    corsOrigins: read.list('FACEGATE_CORS_ORIGINS'),
    trustProxy: read.optionalString('FACEGATE_TRUST_PROXY'),
    web: {
      enabled: read.bool('FACEGATE_WEB_UI', true),
      dir: resolve(read.string('FACEGATE_WEB_DIR', DEFAULT_WEB_DIR)),
    },
    rateLimits: {
      windowSeconds: read.int('FACEGATE_RATE_WINDOW_SECONDS', 60, 1, 86_400),
      enrol: read.int('FACEGATE_RATE_LIMIT_ENROL', 60, 1, 10_000_000),
      recognize: read.int('FACEGATE_RATE_LIMIT_RECOGNIZE', 600, 1, 10_000_000),
      read: read.int('FACEGATE_RATE_LIMIT_READ', 1200, 1, 10_000_000),
      admin: read.int('FACEGATE_RATE_LIMIT_ADMIN', 120, 1, 10_000_000),
    },
    lockout: {
      maxFailures: read.int('FACEGATE_LOCKOUT_FAILURES', 5, 1, 1000),
      windowSeconds: read.int('FACEGATE_LOCKOUT_WINDOW_SECONDS', 180, 1, 86_400),
      cooldownSeconds: read.int('FACEGATE_LOCKOUT_COOLDOWN_SECONDS', 300, 1, 86_400 * 7),
      dailyFailures: read.int('FACEGATE_LOCKOUT_DAILY_FAILURES', 20, 1, 100_000),
      daySeconds: read.int('FACEGATE_LOCKOUT_DAY_SECONDS', 86_400, 60, 86_400 * 30),
    },
    audit: {
      retentionDays: read.int('FACEGATE_AUDIT_RETENTION_DAYS', 90, 1, 3650),
    },
    collections: {
      defaultPurpose: read.oneOf('FACEGATE_COLLECTION_PURPOSE', COLLECTION_PURPOSES, 'sign_in'),
    },
    matching: {
      threshold: read.number('FACEGATE_MATCH_THRESHOLD', DEFAULT_MATCH_THRESHOLD, -1, 1),
      highMargin: read.number('FACEGATE_CONFIDENCE_HIGH_MARGIN', 0.15, 0, 2),
      mediumMargin: read.number('FACEGATE_CONFIDENCE_MEDIUM_MARGIN', 0.05, 0, 2),
    },
    quality: {
      minDetectorScore: read.number('FACEGATE_MIN_DETECTOR_SCORE', 0.9, 0, 1),
      minSharpness: read.number('FACEGATE_MIN_SHARPNESS', 15, 0, 1e6),
      minBrightness: read.number('FACEGATE_MIN_BRIGHTNESS', 0.12, 0, 1),
      maxBrightness: read.number('FACEGATE_MAX_BRIGHTNESS', 0.92, 0, 1),
      maxYaw: read.number('FACEGATE_MAX_YAW', 50, 0, 90),
      maxPitch: read.number('FACEGATE_MAX_PITCH', 40, 0, 90),
      maxRoll: read.number('FACEGATE_MAX_ROLL', 35, 0, 180),
      gateProbes: read.bool('FACEGATE_PROBE_QUALITY_GATES', false),
    },
    liveness: {
      threshold: read.number('FACEGATE_LIVENESS_THRESHOLD', DEFAULT_LIVENESS_THRESHOLD, 0, 1),
      minPassiveFrames: read.int('FACEGATE_LIVENESS_MIN_FRAMES', DEFAULT_LIVENESS_MIN_FRAMES, 1, 100),
      steps: read.subset('FACEGATE_LIVENESS_STEPS', CHALLENGE_STEPS, POSE_STEPS),
      challengeLength: read.int('FACEGATE_LIVENESS_CHALLENGE_LENGTH', 3, 1, 5),
      sessionSeconds: read.int('FACEGATE_LIVENESS_SESSION_SECONDS', 60, 1, 3600),
      tokenSeconds: read.int('FACEGATE_LIVENESS_TOKEN_SECONDS', 120, 1, 3600),
      maxFramesPerSession: read.int('FACEGATE_LIVENESS_MAX_FRAMES', 60, 2, 1000),
      maxFramesPerRequest: read.int('FACEGATE_LIVENESS_MAX_FRAMES_PER_REQUEST', 20, 1, 100),
      stepSeconds: read.int('FACEGATE_LIVENESS_STEP_SECONDS', 15, 1, 600),
      minStepMs: read.int('FACEGATE_LIVENESS_MIN_STEP_MS', 300, 0, 10_000),
      turnDegrees: read.number('FACEGATE_LIVENESS_TURN_DEGREES', 18, 5, 60),
      lookUpDegrees: read.number('FACEGATE_LIVENESS_LOOK_UP_DEGREES', 12, 5, 60),
      lookUpFrames: read.int('FACEGATE_LIVENESS_LOOK_UP_FRAMES', DEFAULT_LOOK_UP_EVIDENCE_FRAMES, 1, 10),
    },
    enrolment: {
      minFaceSize: read.int('FACEGATE_MIN_FACE_SIZE', 40, 1, 10000),
      secondFaceRatio: read.number('FACEGATE_SECOND_FACE_RATIO', 0.5, 0.01, 1),
      maxFacesPerUser: read.int('FACEGATE_MAX_FACES_PER_USER', 20, 1, MAX_FACES_PER_USER_LIMIT),
    },
    engine: {
      modelsDir: resolve(read.string('FACEGATE_MODELS_DIR', DEFAULT_MODELS_DIR)),
      poolSize: read.int('FACEGATE_ENGINE_WORKERS', engineWorkers, ...ENGINE_RANGES.poolSize),
      intraOpThreads: read.int('FACEGATE_ENGINE_THREADS', ENGINE.intraOpThreads, ...ENGINE_RANGES.intraOpThreads),
      executionProvider: read.oneOf('FACEGATE_EXECUTION_PROVIDER', ['cpu', 'cuda'] as const, ENGINE.executionProvider),
      flipAugmentation: read.bool('FACEGATE_FLIP', ENGINE.flipAugmentation),
      jobTimeoutMs: read.int('FACEGATE_ENGINE_TIMEOUT_MS', ENGINE.jobTimeoutMs, ...ENGINE_RANGES.jobTimeoutMs),
      maxQueue: read.int('FACEGATE_ENGINE_MAX_QUEUE', ENGINE.maxQueue, ...ENGINE_RANGES.maxQueue),
      workerNice: read.int('FACEGATE_ENGINE_NICE', ENGINE.workerNice, ...ENGINE_RANGES.workerNice),
    },
    limits: {
      maxImageBytes: read.int('FACEGATE_MAX_IMAGE_BYTES', ENGINE.image.maxBytes, ...ENGINE_RANGES.imageMaxBytes),
      maxImagePixels: read.int('FACEGATE_MAX_IMAGE_PIXELS', ENGINE.image.maxPixels, ...ENGINE_RANGES.imageMaxPixels),
      maxImagesPerRequest: read.int('FACEGATE_MAX_IMAGES_PER_REQUEST', 10, 1, 10),
      maxBodyBytes: read.int('FACEGATE_MAX_BODY_BYTES', 50 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxSmallBodyBytes: read.int('FACEGATE_MAX_SMALL_BODY_BYTES', 64 * 1024, 1024, 1024 * 1024 * 1024),
    },
    database: {
      poolSize: read.int('DATABASE_POOL_SIZE', DATABASE.poolSize, ...DATABASE_RANGES.poolSize),
      probes: read.optionalInt('FACEGATE_IVFFLAT_PROBES', ...DATABASE_RANGES.probes),
      exactScanMaxFaces: read.int('FACEGATE_EXACT_SCAN_MAX_FACES', DATABASE.exactScanMaxFaces, ...DATABASE_RANGES.exactScanMaxFaces),
      minRowsForIndex: read.int('FACEGATE_MIN_ROWS_FOR_INDEX', DATABASE.minRowsForIndex, ...DATABASE_RANGES.minRowsForIndex),
      indexBuildMemoryMb: databaseUrl
        ? read.int('FACEGATE_INDEX_BUILD_MEMORY_MB', DATABASE.indexBuildMemoryMb, ...DATABASE_RANGES.indexBuildMemoryMb)
        : read.int('FACEGATE_INDEX_BUILD_MEMORY_MB', EMBEDDED_BUILD_MEMORY.default, DATABASE_RANGES.indexBuildMemoryMb[0], EMBEDDED_BUILD_MEMORY.max),
      indexCheckSeconds: read.int('FACEGATE_INDEX_CHECK_SECONDS', 300, 1, 86_400),
      replicaUrls: read.urlList('DATABASE_REPLICA_URLS', ['postgres:', 'postgresql:']),
      replicaPollMs: read.int('DATABASE_REPLICA_POLL_MS', DATABASE.replicaPollMs, ...DATABASE_RANGES.replicaPollMs),
    },
  };
  if (config.database.replicaUrls.length > 0 && !config.databaseUrl) {
    // The embedded database is one process's own directory: nothing streams from it.
    throw new ConfigError('DATABASE_REPLICA_URLS', 'needs DATABASE_URL (replicas of an external PostgreSQL primary)');
  }
  if (!config.liveness.steps.some((step) => POSE_STEPS.includes(step))) {
    // Blinks and smiles alone are judged on 2-D landmarks, which an edited photo fakes (README "Active liveness").
    throw new ConfigError('FACEGATE_LIVENESS_STEPS', `must include a head movement (${POSE_STEPS.join(', ')})`);
  }
  if (config.liveness.minStepMs >= config.liveness.stepSeconds * 1000) {
    // No one could answer a step: it would always be too fast or too late.
    throw new ConfigError('FACEGATE_LIVENESS_MIN_STEP_MS', 'must be less than FACEGATE_LIVENESS_STEP_SECONDS in milliseconds');
  }
  if (config.liveness.maxFramesPerRequest > config.liveness.maxFramesPerSession) {
    throw new ConfigError('FACEGATE_LIVENESS_MAX_FRAMES_PER_REQUEST', 'must not exceed FACEGATE_LIVENESS_MAX_FRAMES');
  }
  if (config.limits.maxSmallBodyBytes > config.limits.maxBodyBytes) {
    throw new ConfigError('FACEGATE_MAX_SMALL_BODY_BYTES', 'must not exceed FACEGATE_MAX_BODY_BYTES');
  }
  if (config.matching.mediumMargin > config.matching.highMargin) {
    throw new ConfigError('FACEGATE_CONFIDENCE_MEDIUM_MARGIN', 'must not exceed FACEGATE_CONFIDENCE_HIGH_MARGIN');
  }
  return config;
}

class EnvReader {
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) throw new ConfigError(name, `must be a number in [${min}, ${max}], got "${raw}"`);
    return value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.number(name, fallback, min, max);
    if (!Number.isInteger(value)) throw new ConfigError(name, `must be a whole number, got "${this.raw(name)}"`);
    return value;
  }

  optionalInt(name: string, min: number, max: number): number | undefined {
    return this.raw(name) === undefined ? undefined : this.int(name, 0, min, max);
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    throw new ConfigError(name, `must be true or false, got "${raw}"`);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw as T)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
    return raw as T;
  }

  optionalUrl(name: string, protocols: string[]): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(name, 'must be a URL like postgres://user:password@host:5432/db');
    }
    if (!protocols.includes(url.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
    return raw;
  }

  /** Comma-separated URLs with one of `protocols`, each checked as optionalUrl checks one; absent = empty list. */
  urlList(name: string, protocols: string[]): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
      .map((item, i) => new EnvReader({ [`${name}[${i}]`]: item }).optionalUrl(`${name}[${i}]`, protocols) as string);
  }

  /** Comma-separated values, each one trimmed; absent = empty list. */
  list(name: string): string[] {
    const raw = this.raw(name);
    if (raw === undefined) return [];
    const items = raw
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    for (const item of items) {
      try {
        new URL(item);
      } catch {
        throw new ConfigError(name, `must be a comma-separated list of origins like https://app.example.com, got "${item}"`);
      }
    }
    return items;
  }

  /** Comma-separated choices from `allowed`; absent = `defaults` (all of them unless given). */
  subset<T extends string>(name: string, allowed: readonly T[], defaults: readonly T[] = allowed): T[] {
    const raw = this.raw(name);
    if (raw === undefined) return [...defaults];
    const items = [
      ...new Set(
        raw
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = items.find((item) => !allowed.includes(item as T));
    if (unknown !== undefined || items.length === 0) throw new ConfigError(name, `must be a comma-separated list of ${allowed.join(', ')}, got "${raw}"`);
    return items as T[];
  }

  optionalSecret(name: string, minLength: number): string | undefined {
    const raw = this.raw(name);
    if (raw !== undefined && raw.length < minLength) throw new ConfigError(name, `must be at least ${minLength} characters`);
    return raw;
  }
}
