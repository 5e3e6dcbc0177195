// The native addons stay loaded in the main thread on purpose, although only workers use them: on glibc, a shared
// library is unloaded when the last thread holding it exits, and reloading it into a replacement worker can crash
// (sharp's documented advice for worker threads; the pool replaces workers after crashes and timeouts).
import 'onnxruntime-node';
import 'sharp';
import { access } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { DEFAULT_MODELS_DIR, FaceEngineConfig, FaceEngineOverrides, resolveFaceEngineConfig } from './face-engine.config';
import { ImageFormat, parseImageInput } from './image/image-input';
import { LIVENESS_PART } from './pipeline/face-analyzer';
import { AnalysisResult, AnalyzeOptions, StageTimings } from './pipeline/face.types';
import { verifyEmbeddingModelId, verifyModelFiles } from './pipeline/model-check';
import type { AnalyzePayload, FaceWorkerData } from './worker/face.worker';
import { JobSettledEvent, WorkerPool, WorkerPoolStats } from './worker/worker-pool';

export interface FaceEngineLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const consoleLogger: FaceEngineLogger = {
  log: (m) => console.log(`[face-engine] ${m}`),
  warn: (m) => console.warn(`[face-engine] ${m}`),
  error: (m) => console.error(`[face-engine] ${m}`),
};

/** Hooks for metrics. Called synchronously on the caller's thread; they must be cheap and must not throw. */
export interface FaceEngineObserver {
  /** Every job as it settles: queue wait, run time and outcome (including refusals such as ENGINE_BUSY). */
  jobSettled?(event: JobSettledEvent): void;
  /** Per-stage times (ms, summed over the faces described) of each successful analysis. */
  stagesTimed?(timings: StageTimings): void;
}

export interface FaceEngineOptions {
  logger?: FaceEngineLogger;
  observer?: FaceEngineObserver;
  /** Test hook: accept the `crash` operation, which kills the worker running it. */
  allowCrashOp?: boolean;
}

/**
 * The public face engine: parses and checks images on the caller's thread (cheap), then decodes, detects, aligns,
 * embeds and scores liveness in a pool of worker threads so the caller's event loop never waits on a model.
 */
export class FaceEngine {
  private constructor(
    readonly config: FaceEngineConfig,
    private readonly pool: WorkerPool,
    private readonly observer?: FaceEngineObserver,
  ) {}

  static async create(overrides: FaceEngineOverrides = {}, options: FaceEngineOptions = {}): Promise<FaceEngine> {
    const config = resolveFaceEngineConfig(overrides);
    // The release's manifest, wherever the models are: another file under the same name is not the measured model.
    verifyEmbeddingModelId(join(DEFAULT_MODELS_DIR, 'manifest.json'));
    verifyModelFiles(config.modelsDir, join(DEFAULT_MODELS_DIR, 'manifest.json'));
    const logger = options.logger ?? consoleLogger;
    const workerData: FaceWorkerData = { config, allowCrashOp: options.allowCrashOp };
    // libuv starts its thread pool on first use, from the thread that queues the work, and the pool's threads inherit
    // that thread's priority. Started here from the caller's thread, before any worker lowers its own, the pool (decodes
    // and resizes through sharp, the process's file work) keeps the process's priority.
    await access(config.modelsDir);
    const pool = new WorkerPool({
      script: join(__dirname, 'worker', `face.worker${extname(__filename)}`),
      size: config.poolSize,
      workerData,
      jobTimeoutMs: config.jobTimeoutMs,
      maxQueue: config.maxQueue,
      partOps: [LIVENESS_PART],
      onLog: (level, message) => logger[level](message),
      onJobSettled: options.observer?.jobSettled?.bind(options.observer),
    });
    try {
      await pool.start();
    } catch (error) {
      await pool.close();
      throw error;
    }
    const nice = typeof pool.info.nice === 'number' ? String(pool.info.nice) : 'unchanged';
    logger.log(`ready: ${config.poolSize} workers x ${config.intraOpThreads} thread(s), provider ${String(pool.info.provider)}, worker nice ${nice}`);
    return new FaceEngine(config, pool, options.observer);
  }

  /** Checks size and format of an image as the client sent it (base64, data URL or bytes) without decoding it. */
  checkImage(input: string | Buffer | Uint8Array): { bytes: Buffer; format: ImageFormat } {
    return parseImageInput(input, this.config.image);
  }

  /** Detects every face; describes the primary face (or all, or none) and embeds and scores liveness if asked. */
  async analyze(input: string | Buffer | Uint8Array, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
    const { bytes } = this.checkImage(input);
    // A fresh copy we can transfer: Buffers from base64 may share a pooled ArrayBuffer with unrelated data.
    const owned = new Uint8Array(bytes);
    const payload: AnalyzePayload = { bytes: owned, options };
    const result = await this.pool.run<AnalysisResult>('analyze', payload, [owned.buffer]);
    this.reportStages(result.timings);
    return result;
  }

  private reportStages(timings: StageTimings): void {
    try {
      this.observer?.stagesTimed?.(timings);
    } catch {
      // Metrics are never worth failing an analysis for.
    }
  }

  /** Test hook: a job that kills its worker (only with `allowCrashOp`). */
  crashOneWorker(): Promise<unknown> {
    return this.pool.run('crash', null);
  }

  get provider(): string {
    const provider = this.pool.info.provider;
    return typeof provider === 'string' ? provider : 'unknown';
  }

  /** Liveness scores an idle worker computed for a busy one since start (one request on two cores). */
  get sharedParts(): number {
    return this.pool.shared;
  }

  get healthy(): boolean {
    return this.pool.healthy;
  }

  stats(): WorkerPoolStats {
    return this.pool.stats();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
