import { parentPort } from 'node:worker_threads';
import { DomainError } from '@facegate/common';
import { WorkerMessage, WorkerRequest } from './worker-protocol';

export type WorkerHandler = (op: string, payload: unknown) => Promise<{ result: unknown; transfer?: ArrayBuffer[] }>;

/**
 * Runs inside a worker thread: initialises once, then answers requests one at a time. Expected failures travel
 * back as coded errors; anything else becomes ENGINE_FAILURE without internals.
 */
export async function hostWorker(init: () => Promise<{ handler: WorkerHandler; info: Record<string, unknown> }>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('hostWorker must run inside a worker thread');
  const send = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  let handler: WorkerHandler;
  try {
    const started = await init();
    handler = started.handler;
    send({ type: 'ready', info: started.info });
  } catch (error) {
    send({ type: 'start-failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', (request: WorkerRequest) => void answer(request));

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
