import type { SerializedDomainError } from '@facegate/common';

/** Messages between the pool (main thread) and a worker. Plain data: they cross a thread boundary. */
export interface WorkerRequest {
  id: number;
  op: string;
  payload: unknown;
}

export type WorkerMessage =
  | { type: 'ready'; info: Record<string, unknown> }
  | { type: 'start-failed'; message: string }
  | { type: 'log'; level: 'log' | 'warn' | 'error'; message: string }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerializedDomainError | { message: string } };
