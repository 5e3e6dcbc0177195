import { parentPort } from 'node:worker_threads';
import { DomainError } from '@facegate/common';
import type { FaceEngineConfig } from '../face-engine.config';
import { FaceAnalyzer, LIVENESS_PART } from '../pipeline/face-analyzer';
import { AnalysisResult, AnalyzeOptions } from '../pipeline/face.types';
import { hostWorker, poolWorkerData } from './worker-host';
import { RgbImage } from '../image/raw-image';
import { lowerThreadPriority } from '../runtime/thread-priority';

export interface FaceWorkerData {
  config: FaceEngineConfig;
  /** Lets tests make a job crash its worker, to prove the pool survives it. Never set in production. */
  allowCrashOp?: boolean;
}

export interface AnalyzePayload {
  bytes: Uint8Array;
  options: AnalyzeOptions;
}

const data = poolWorkerData<FaceWorkerData>();

void hostWorker(async (offload) => {
  const warn = (message: string) => parentPort?.postMessage({ type: 'log', level: 'warn', message });
  // Before the sessions exist: threads ONNX Runtime starts from here inherit it.
  const nice = lowerThreadPriority(data.config.workerNice);
  const analyzer = await FaceAnalyzer.load(data.config, warn, data.config.poolSize > 1 && data.config.shareParts ? offload : undefined);
  return {
    info: { provider: analyzer.provider, nice },
    handler: async (op, payload) => {
      if (op === 'analyze') {
        const { bytes, options } = payload as AnalyzePayload;
        const result = await analyzer.analyze(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), options);
        return { result, transfer: embeddingBuffers(result) };
      }
      if (op === LIVENESS_PART) return { result: await analyzer.scoreLivenessContext(rgbImageOf(payload)) };
      if (op === 'crash' && data.allowCrashOp) process.exit(3);
      throw new DomainError('ENGINE_FAILURE', `Unknown face engine operation.`);
    },
  };
});

/** The pixels of a liveness part, checked: they come from another worker, but a bad payload must not reach the model. */
function rgbImageOf(payload: unknown): RgbImage {
  const { data: pixels, width, height } = (payload ?? {}) as Partial<RgbImage>;
  const sized = Number.isInteger(width) && Number.isInteger(height) && width! > 0 && height! > 0 && width! * height! <= data.config.image.maxPixels;
  if (!(pixels instanceof Uint8Array) || !sized || pixels.length !== width! * height! * 3) {
    throw new DomainError('ENGINE_FAILURE', 'Malformed liveness part.');
  }
  return { data: pixels, width: width!, height: height! };
}

function embeddingBuffers(result: AnalysisResult): ArrayBuffer[] {
  return result.faces.flatMap((f) => (f.embedding ? [f.embedding.buffer as ArrayBuffer] : []));
}
