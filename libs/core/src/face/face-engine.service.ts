import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { AnalysisResult, AnalyzeOptions, FaceEngine, FaceEngineObserver } from '@facegate/face-engine';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** Optional provider of engine job and stage timings (the metrics module provides it). */
export const FACE_ENGINE_OBSERVER = Symbol('FACE_ENGINE_OBSERVER');

/** Owns the face engine (worker pool and ONNX sessions) for the app's lifetime. The only door to the models. */
@Injectable()
export class FaceEngineService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('FaceEngine');
  private engine?: FaceEngine;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(FACE_ENGINE_OBSERVER) private readonly observer?: FaceEngineObserver,
  ) {}

  async onModuleInit(): Promise<void> {
    const { engine, limits, matching } = this.config;
    this.engine = await FaceEngine.create(
      {
        ...engine,
        matchThreshold: matching.threshold,
        image: { maxBytes: limits.maxImageBytes, maxPixels: limits.maxImagePixels },
      },
      { logger: { log: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) }, observer: this.observer },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.engine?.close();
  }

  analyze(image: string | Buffer, options: AnalyzeOptions): Promise<AnalysisResult> {
    return this.require().analyze(image, options);
  }

  /** The image's bytes as the client meant them (base64 and data URLs decoded), checked for size and format. */
  imageBytes(image: string | Buffer): Buffer {
    return this.require().checkImage(image).bytes;
  }

  get ready(): boolean {
    return this.engine?.healthy ?? false;
  }

  describe() {
    const engine = this.require();
    return { provider: engine.provider, pool: engine.stats(), flipAugmentation: engine.config.flipAugmentation };
  }

  private require(): FaceEngine {
    if (!this.engine) throw new Error('face engine not started');
    return this.engine;
  }
}
