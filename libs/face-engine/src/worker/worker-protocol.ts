import type { SerializedDomainError } from '@facegate/common';

/** Messages between the pool (main thread) and a worker. Plain data: they cross a thread boundary. */
export interface WorkerRequest {
  id: number;
  op: string;
  payload: unknown;
}

/**
 * The pool's answer to a worker's offer of part of its job: the part's result when an idle worker ran it, or
 * `ran: false` when none was idle (or it failed there), and the offering worker does the part itself.
 */
export type OfferReply = { type: 'offer-reply'; offerId: number } & ({ ran: true; result: unknown } | { ran: false });

/** What the pool sends a worker: a job, or the answer to one of its offers. */
export type ToWorkerMessage = WorkerRequest | OfferReply;

export type WorkerMessage =
  | { type: 'ready'; info: Record<string, unknown> }
  | { type: 'start-failed'; message: string }
  | { type: 'log'; level: 'log' | 'warn' | 'error'; message: string }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerializedDomainError | { message: string } }
  /** Part of a running job that another worker may take while this one does the rest (see WorkerPool.share). */
  | { type: 'offer'; offerId: number; op: string; payload: unknown };

export function isOfferReply(message: ToWorkerMessage): message is OfferReply {
  return (message as OfferReply).type === 'offer-reply';
}

/**
 * The buffers of a payload's typed arrays (its own fields, one level down): an offered part moves them from worker to
 * pool to worker instead of copying them (a face's context pixels can be megabytes).
 */
export function payloadBuffers(payload: unknown): ArrayBuffer[] {
  if (payload === null || typeof payload !== 'object') return [];
  const buffers = new Set<ArrayBuffer>();
  for (const value of Object.values(payload)) {
    // Only a view that owns its whole buffer: a Buffer slice shares Node's allocation pool, which must not move.
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) {
      buffers.add(value.buffer);
    }
  }
  return [...buffers];
}
