import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { boxArea, squareBox } from '../geometry/box';
import { decodeImage } from '../image/image-decoder';
import { RgbImage } from '../image/raw-image';
import { createSession, ExecutionProvider } from '../runtime/onnx-session.factory';
import { alignFace } from './face-aligner';
import { FaceDetector } from './face-detector';
import { FaceEmbedder } from './face-embedder';
import { faceTexture } from './face-texture';
import { fitHeadPose } from '../geometry/head-pose-3d';
import { measureExpression } from './face-expression';
import { measureQuality } from './face-quality';
import { AnalysisResult, AnalyzeOptions, AnalyzedFace, StageTimings } from './face.types';
import { LandmarkDetector, toFivePoints } from './landmark-detector';
import { LivenessDetector } from './liveness-detector';
import { selectPrimaryFace } from './primary-face';
import type { FaceEngineConfig } from '../face-engine.config';
import { MODEL_FILES } from './model-files';
import type { Offload } from '../worker/worker-host';
import type { Box } from '../geometry/geometry.types';

/** The operation name of the liveness part that a worker offers to an idle one (face.worker.ts runs it). */
export const LIVENESS_PART = 'liveness-part';

/**
 * The whole photo-to-embedding pipeline for one thread. It owns ONNX sessions, so it lives inside a worker thread
 * (session.run blocks the thread it runs on for the whole inference).
 */

export class FaceAnalyzer {
  private constructor(
    private readonly config: FaceEngineConfig,
    private readonly detector: FaceDetector,
    private readonly landmarks: LandmarkDetector,
    private readonly embedder: FaceEmbedder,
    private readonly liveness: LivenessDetector,
    readonly provider: ExecutionProvider,
    private readonly offload?: Offload,
  ) {}

  /**
   * `offload` (in the engine's workers) lets an idle worker score liveness while this one embeds the face: the two
   * models of one request then run on two cores.
   */
  static async load(config: FaceEngineConfig, warn: (message: string) => void, offload?: Offload): Promise<FaceAnalyzer> {
    const options = { intraOpThreads: config.intraOpThreads, executionProvider: config.executionProvider, warn };
    const [det, lm, emb, live] = await Promise.all(
      [MODEL_FILES.detector, MODEL_FILES.landmarks, MODEL_FILES.embedder, MODEL_FILES.liveness].map((f) => createSession(join(config.modelsDir, f), options)),
    );
    return new FaceAnalyzer(
      config,
      new FaceDetector(det.session, config.detection),
      new LandmarkDetector(lm.session),
      new FaceEmbedder(emb.session, config.flipAugmentation),
      new LivenessDetector(live.session),
      det.provider,
      offload,
    );
  }

  async analyze(bytes: Buffer, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
    const timings: StageTimings = { decode: 0, detect: 0, landmarks: 0, align: 0, embed: 0, liveness: 0 };
    const image = await timed(timings, 'decode', () => decodeImage(bytes, this.config.image.maxPixels));
    const detections = await timed(timings, 'detect', () => this.detector.detect(image, options.smallFaces ?? false));
    detections.sort((a, b) => boxArea(b.box) - boxArea(a.box));
    const faces: AnalyzedFace[] = detections.map((d) => ({ box: roundBox(d.box), score: round4(d.score) }));
    const primaryIndex = selectPrimaryFace(
      detections.map((d) => d.box),
      image.width,
      image.height,
    );
    const details = options.details ?? 'primary';
    for (let i = 0; i < faces.length; i++) {
      if (details === 'all' || (details === 'primary' && i === primaryIndex)) {
        await this.describe(image, faces[i], detections[i].box, options, timings);
      }
    }
    return { width: image.width, height: image.height, faces, primaryIndex, timings };
  }

  private async describe(image: RgbImage, face: AnalyzedFace, box: AnalyzedFace['box'], options: AnalyzeOptions, timings: StageTimings) {
    const square = squareBox(box, image.width, image.height);
    // Offered first, so another worker can score liveness while this one finds the landmarks and embeds the face.
    const liveness = options.liveness ? this.startLiveness(image, square) : undefined;
    const points68 = await timed(timings, 'landmarks', () => this.landmarks.detect(image, square));
    const five = toFivePoints(points68);
    const aligned = await timed(timings, 'align', () => alignFace(image, five));
    face.landmarks = roundPoints(five);
    face.quality = measureQuality(square.width, face.score, aligned, five);
    face.expression = measureExpression(points68);
    if (options.landmarks68) face.landmarks68 = points68.map((p) => ({ x: round1(p.x), y: round1(p.y) }));
    if (options.pose3d) face.pose3d = fitHeadPose(points68);
    if (options.texture) face.texture = faceTexture(image, points68);
    if (options.embedding) face.embedding = await timed(timings, 'embed', () => this.embedder.embed(aligned));
    if (liveness) face.liveness = round4(await timed(timings, 'liveness', liveness));
  }

  /**
   * Starts scoring liveness: the face's context pixels (a copy, moved to the other thread) are offered to an idle
   * worker; the returned function awaits its score, or scores here if no worker took the part.
   */
  private startLiveness(image: RgbImage, square: Box): () => Promise<number> {
    const shared = this.offload?.(LIVENESS_PART, () => this.liveness.context(image, square));
    return async () => {
      const remote = await shared;
      return isProbability(remote?.result) ? remote.result : this.liveness.score(image, square);
    };
  }

  /** The part another worker runs for startLiveness. */
  scoreLivenessContext(context: RgbImage): Promise<number> {
    return this.liveness.scoreContext(context);
  }
}

/** A score from another worker is used only if it is one (NaN would compare false against any threshold). */
function isProbability(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}

async function timed<T>(timings: StageTimings, stage: keyof StageTimings, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[stage] += performance.now() - start;
  }
}

const round4 = (v: number) => Math.round(v * 10000) / 10000;
const round1 = (v: number) => Math.round(v * 10) / 10;
function roundBox(b: AnalyzedFace['box']): AnalyzedFace['box'] {
  return { x: round1(b.x), y: round1(b.y), width: round1(b.width), height: round1(b.height) };
}
function roundPoints(p: ReturnType<typeof toFivePoints>): ReturnType<typeof toFivePoints> {
  const r = (q: { x: number; y: number }) => ({ x: round1(q.x), y: round1(q.y) });
  return { leftEye: r(p.leftEye), rightEye: r(p.rightEye), nose: r(p.nose), mouthLeft: r(p.mouthLeft), mouthRight: r(p.mouthRight) };
}
