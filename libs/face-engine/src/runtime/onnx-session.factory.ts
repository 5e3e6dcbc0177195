import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { flushDenormalWeights } from './flush-denormals';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface SessionOptions {
  intraOpThreads: number;
  executionProvider: ExecutionProvider;
  /** Receives the one line saying CUDA could not be loaded and CPU is used instead. */
  warn: (message: string) => void;
}

export interface LoadedSession {
  session: ort.InferenceSession;
  provider: ExecutionProvider;
}

/**
 * Creates an ONNX Runtime session with an explicit thread count and spinning off: with ORT's defaults on a busy
 * 2-core machine every stage ran 3 to 4 times slower. Denormal floats are flushed to zero: MobileFaceNet's activations
 * produce denormals, which Intel cores process in microcode; measured on a Xeon, the embedder took 65.6 ms a face
 * with them and 9.1 ms without (AMD EPYC showed no difference), with the same accuracy (see BENCHMARKS.md). ORT
 * applies this flag once per process, so only one worker thread gets it; the weights' own denormals are therefore
 * also flushed at load (flush-denormals.ts), which brings the other workers from 66 to 18 ms. CUDA is tried only when asked for; asking for it without its
 * libraries throws, and ORT has no automatic fallback, so we catch, log once, and use CPU.
 */
export async function createSession(modelPath: string, options: SessionOptions): Promise<LoadedSession> {
  // The runtime's denormals-as-zero below reaches one thread per process; flushing the weights helps every worker.
  const model = readFileSync(modelPath);
  flushDenormalWeights(model);
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' }, set_denormal_as_zero: '1' } },
  };
  if (options.executionProvider === 'cuda') {
    try {
      const session = await ort.InferenceSession.create(model, { ...base, executionProviders: ['cuda', 'cpu'] });
      return { session, provider: 'cuda' };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      options.warn(`CUDA execution provider unavailable for ${modelPath.split('/').pop()} (${reason}); falling back to CPU.`);
    }
  }
  const session = await ort.InferenceSession.create(model, { ...base, executionProviders: ['cpu'] });
  return { session, provider: 'cpu' };
}

/** Builds a float32 tensor in this module's realm (onnxruntime-node rejects typed arrays from another realm). */
export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export async function runSingle(session: ort.InferenceSession, input: Float32Array, dims: readonly number[]): Promise<Record<string, Float32Array>> {
  const feeds = { [session.inputNames[0]]: floatTensor(input, dims) };
  const results = await session.run(feeds);
  const out: Record<string, Float32Array> = {};
  for (const name of session.outputNames) out[name] = results[name].data as Float32Array;
  return out;
}
