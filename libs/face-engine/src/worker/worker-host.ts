import { parentPort, workerData } from 'node:worker_threads';
import { DomainError } from '@facegate/common';
import { isOfferReply, OfferReply, payloadBuffers, ToWorkerMessage, WorkerMessage, WorkerRequest } from './worker-protocol';

export type WorkerHandler = (op: string, payload: unknown) => Promise<{ result: unknown; transfer?: ArrayBuffer[] }>;

/**
 * Offers part of the running job to an idle worker. Resolves with that worker's result, or with undefined when the
 * part must run here (no worker was idle, or the part failed there). Post the offer before the rest of the job: the
 * answer arrives while this thread is busy and is read when it next awaits. The payload's typed arrays are moved, not
 * copied: they are unusable here afterwards, so a part run here must rebuild its input. The payload is built only when
 * the pool reports an idle worker.
 */
export type Offload = (op: string, payload: () => unknown) => Promise<{ result: unknown } | undefined>;

/** What the pool gives each worker: the caller's data, and the pool's count of idle workers (shared memory). */
export interface PoolWorkerData {
  data: unknown;
  idleWorkers: SharedArrayBuffer;
}

/** The data the pool's owner passed for its workers (WorkerPoolOptions.workerData). */
export function poolWorkerData<T>(): T {
  return (workerData as PoolWorkerData).data as T;
}

/**
 * Runs inside a worker thread: initialises once, then answers requests one at a time. Expected failures travel
 * back as coded errors; anything else becomes ENGINE_FAILURE without internals.
 */
export async function hostWorker(init: (offload: Offload) => Promise<{ handler: WorkerHandler; info: Record<string, unknown> }>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('hostWorker must run inside a worker thread');
  const send = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  const offers = new Map<number, (reply: OfferReply) => void>();
  let nextOffer = 1;
  const idleWorkers = new Int32Array((workerData as PoolWorkerData).idleWorkers);
  const offload: Offload = (op, build) => {
    // No worker idle (the pool under load): no offer, and no payload built for nothing. A stale count costs at most
    // a declined offer or a missed one.
    if (Atomics.load(idleWorkers, 0) === 0) return Promise.resolve(undefined);
    const offerId = nextOffer++;
    const payload = build();
    send({ type: 'offer', offerId, op, payload }, payloadBuffers(payload));
    const reply = new Promise<OfferReply>((resolve) => offers.set(offerId, resolve));
    return reply.then((r) => (r.ran ? { result: r.result } : undefined));
  };
  let handler: WorkerHandler;
  try {
    const started = await init(offload);
    handler = started.handler;
    send({ type: 'ready', info: started.info });
  } catch (error) {
    send({ type: 'start-failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', (message: ToWorkerMessage) => {
    if (!isOfferReply(message)) return void answer(message);
    const settle = offers.get(message.offerId);
    offers.delete(message.offerId);
    settle?.(message);
  });

  async function answer(request: WorkerRequest): Promise<void> {
    try {
      const { result, transfer } = await handler(request.op, request.payload);
      send({ type: 'result', id: request.id, result }, transfer);
    } catch (error) {
      const coded = error instanceof DomainError ? error.toJSON() : { message: 'internal error' };
      if (!(error instanceof DomainError)) {
        send({ type: 'log', level: 'error', message: `job ${request.id} (${request.op}) failed: ${error instanceof Error ? error.message : String(error)}` });
      }
      send({ type: 'error', id: request.id, error: coded });
    }
  }
}
