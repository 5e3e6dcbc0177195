import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { DomainError } from '@facegate/common';
import type { PoolWorkerData } from './worker-host';
import { OfferReply, payloadBuffers, ToWorkerMessage, WorkerMessage } from './worker-protocol';

export interface WorkerPoolOptions {
  /** Worker entry file (.js when compiled; .ts is loaded through tsx, for tests and the CLI run from source). */
  script: string;
  size: number;
  workerData?: unknown;
  jobTimeoutMs: number;
  /** Operations a worker may offer to an idle one as part of its job (see share); none by default. */
  partOps?: readonly string[];
  maxQueue: number;
  /** After its timeout, how long a worker may stay busy before it is deemed stuck (default max(10 x timeout, 60 s)). */
  stuckAfterMs?: number;
  onLog?: (level: 'log' | 'warn' | 'error', message: string) => void;
  /** Called once per job as it settles, for metrics: how long it waited in the queue and ran, and how it ended. */
  onJobSettled?: (event: JobSettledEvent) => void;
}

export type JobOutcome = 'ok' | 'error' | 'timeout' | 'crash' | 'rejected';

export interface JobSettledEvent {
  op: string;
  outcome: JobOutcome;
  /** Time in the queue before a worker took the job (0 for jobs refused before queueing). */
  waitMs: number;
  /** Time from dispatch to the answer (0 if the job never ran). */
  runMs: number;
}

interface Job {
  id: number;
  op: string;
  payload: unknown;
  transfer: ArrayBuffer[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  queuedAt: number;
  startedAt?: number;
  /** Part of another worker's job (share): not counted as a job of its own. */
  part?: boolean;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
  /** Its job timed out: the caller has its answer, the worker finishes the job and is then retired. */
  retiring?: boolean;
}

export interface WorkerPoolStats {
  size: number;
  ready: number;
  busy: number;
  queued: number;
  completed: number;
  failed: number;
  restarts: number;
}

const MAX_CONSECUTIVE_START_FAILURES = 3;

function isIdle(slot: Slot): boolean {
  return slot.ready && !slot.job && !slot.retiring;
}

/** How a rejected job ended, from its error: timed out, crashed its worker, never ran, or failed on its input. */
function outcomeOf(error: Error, job: Job): JobOutcome {
  const code = error instanceof DomainError ? error.code : undefined;
  if (code === 'ENGINE_TIMEOUT') return 'timeout';
  if (job.startedAt === undefined) return 'rejected';
  if (code === 'ENGINE_FAILURE' && /crashed/.test(error.message)) return 'crash';
  return 'error';
}
/**
 * A retiring worker still busy this long after its timeout is considered stuck and terminated anyway. Generous on
 * purpose: terminating a thread that is merely slow, mid-inference, takes the whole process down.
 */
const defaultStuckAfterMs = (jobTimeoutMs: number) => Math.max(10 * jobTimeoutMs, 60_000);

/**
 * A fixed set of worker threads, one job each at a time, with a bounded queue. A worker that crashes is replaced and
 * only its own job fails (ENGINE_FAILURE); the others keep being served.
 *
 * A busy worker is never terminated: onnxruntime-node aborts the whole process (an uncaught Napi::Error) when a
 * thread is torn down during an inference. So a job that overruns its time is answered ENGINE_TIMEOUT at once, a
 * replacement worker starts, and the late worker is retired when its job ends (or terminated if it is truly stuck).
 * close() likewise lets running jobs finish before it terminates the idle workers.
 */
export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private startFailures = 0;
  private fatal?: Error;
  private readonly counters = { completed: 0, failed: 0, restarts: 0 };
  private sharedParts = 0;
  private readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private idleWaiters: Array<() => void> = [];
  /** What the last worker reported when it became ready (e.g. the execution provider in use). */
  info: Record<string, unknown> = {};

  private readonly stuckAfterMs: number;
  /** Idle workers, in memory the workers read: a busy worker offers a part only when this is above 0. */
  private readonly idleWorkers = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly options: WorkerPoolOptions) {
    this.stuckAfterMs = options.stuckAfterMs ?? defaultStuckAfterMs(options.jobTimeoutMs);
  }

  private publishIdle(): void {
    Atomics.store(this.idleWorkers, 0, [...this.slots].filter(isIdle).length);
  }

  /**
   * A part times out well before the job that offered it (a quarter of the job's limit), so that a stuck part is
   * answered "run it yourself" while the offering job still has time to do so.
   */
  private partTimeoutMs(): number {
    return Math.max(1, Math.floor(this.options.jobTimeoutMs / 4));
  }

  /** Spawns every worker and resolves once all have loaded (or rejects with why the first one could not). */
  async start(): Promise<void> {
    for (let i = 0; i < this.options.size; i++) this.spawn();
    await new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  run<T>(op: string, payload: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return this.refuse(op, new DomainError('ENGINE_FAILURE', 'The face engine is shut down.'));
    if (this.fatal) return this.refuse(op, new DomainError('ENGINE_FAILURE', `The face engine cannot start: ${this.fatal.message}`));
    if (this.queue.length >= this.options.maxQueue) {
      return this.refuse(op, new DomainError('ENGINE_BUSY', 'The face engine queue is full; retry shortly.', { queued: this.queue.length }));
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = { id: this.nextId++, op, payload, transfer, queuedAt: performance.now(), resolve: resolve as (v: unknown) => void, reject };
      job.resolve = (value) => {
        this.report(op, 'ok', job.queuedAt, job.startedAt);
        resolve(value as T);
      };
      job.reject = (error) => {
        this.report(op, outcomeOf(error, job), job.queuedAt, job.startedAt);
        reject(error);
      };
      this.queue.push(job);
      this.dispatch();
    });
  }

  stats(): WorkerPoolStats {
    const slots = [...this.slots];
    return {
      size: this.options.size,
      ready: slots.filter((s) => s.ready && !s.retiring).length,
      busy: slots.filter((s) => s.job && !s.retiring).length,
      queued: this.queue.length,
      ...this.counters,
    };
  }

  /** Parts of jobs that an idle worker ran for a busy one (see share), since start. */
  get shared(): number {
    return this.sharedParts;
  }

  get healthy(): boolean {
    return !this.closed && !this.fatal && [...this.slots].some((s) => s.ready && !s.retiring);
  }

  /** Refuses new work, lets running jobs finish (unless stuck), then terminates the idle workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new DomainError('ENGINE_FAILURE', 'The face engine is shutting down.'));
    await this.whenIdle(this.stuckAfterMs);
    for (const slot of this.slots) {
      const job = slot.job;
      this.finish(slot);
      if (job && !slot.retiring) job.reject(new DomainError('ENGINE_FAILURE', 'The face engine is shutting down.'));
    }
    const workers = [...this.slots].map((s) => s.worker);
    this.slots.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private whenIdle(limitMs: number): Promise<void> {
    if (![...this.slots].some((s) => s.job)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, limitMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private spawn(): void {
    const { script } = this.options;
    // Running from TypeScript sources (jest, the CLI under tsx): a worker thread does not inherit the parent's
    // loader, so register tsx's CommonJS hook first. Compiled builds load the .js file directly.
    const workerData: PoolWorkerData = { data: this.options.workerData, idleWorkers: this.idleWorkers.buffer as SharedArrayBuffer };
    const worker = script.endsWith('.ts')
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)});`, { eval: true, workerData })
      : new Worker(script, { workerData });
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on('error', (error: Error) => this.onExit(slot, error));
    worker.on('exit', (code) => this.onExit(slot, new Error(`worker exited with code ${code}`)));
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        this.info = message.info;
        this.startFailures = 0;
        if ([...this.slots].every((s) => s.ready)) this.settleReady();
        this.dispatch();
        this.publishIdle();
        return;
      case 'log':
        this.options.onLog?.(message.level, message.message);
        return;
      case 'offer':
        this.share(slot, message);
        return;
      case 'start-failed':
        this.options.onLog?.('error', `face worker could not start: ${message.message}`);
        this.fatal = new Error(message.message);
        this.settleReady(this.fatal);
        this.failAll(new DomainError('ENGINE_FAILURE', `The face engine cannot start: ${message.message}`));
        return;
      case 'result':
      case 'error': {
        const job = slot.job;
        if (!job || job.id !== message.id) return;
        this.finish(slot);
        if (slot.retiring) {
          // The caller already got ENGINE_TIMEOUT; now that the worker is idle it can be stopped safely.
          this.retire(slot);
          return;
        }
        if (message.type === 'result') {
          if (!job.part) this.counters.completed++;
          job.resolve(message.result);
        } else {
          if (!job.part) this.counters.failed++;
          job.reject(DomainError.fromJSON(message.error) ?? new DomainError('ENGINE_FAILURE', 'The face engine failed on this image.'));
        }
        this.dispatch();
      }
    }
  }

  private onExit(slot: Slot, error: Error): void {
    if (!this.slots.has(slot)) return;
    this.slots.delete(slot);
    const job = slot.job;
    this.finish(slot);
    if (job && !slot.retiring) {
      if (!job.part) this.counters.failed++;
      job.reject(new DomainError('ENGINE_FAILURE', 'The face engine crashed on this image; it has been restarted.'));
    }
    if (this.closed || slot.retiring) return;
    if (!slot.ready && ++this.startFailures >= MAX_CONSECUTIVE_START_FAILURES && !this.fatal) {
      this.fatal = new Error(`workers keep failing to start (${error.message})`);
      this.settleReady(this.fatal);
      this.failAll(new DomainError('ENGINE_FAILURE', 'The face engine cannot start.'));
      return;
    }
    if (this.fatal) return;
    this.counters.restarts++;
    this.options.onLog?.('warn', `face worker replaced after: ${error.message}`);
    this.spawn();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      this.assign(slot, this.queue.shift()!);
    }
  }

  private assign(slot: Slot, job: Job): void {
    slot.job = job;
    this.publishIdle();
    job.startedAt = performance.now();
    slot.timer = setTimeout(() => this.timeout(slot, job), job.part ? this.partTimeoutMs() : this.options.jobTimeoutMs);
    const request: ToWorkerMessage = { id: job.id, op: job.op, payload: job.payload };
    slot.worker.postMessage(request, job.transfer);
  }

  /**
   * A busy worker offers part of its job (the passive liveness model, while it embeds the face): an idle worker runs
   * it at once, so one request uses both cores. Only an idle worker takes a part, and a waiting job always goes to a
   * free worker first (dispatch), so under load parts run where they were offered; a job that arrives while a part
   * runs waits for it (one liveness model, a few ms). The part is a job like any other (timeout, crash, retirement); if it fails, the offering worker is told to run the part itself, so a request never fails because of sharing.
   */
  private share(from: Slot, offer: { offerId: number; op: string; payload: unknown }): void {
    const reply = (message: OfferReply) => {
      if (this.slots.has(from)) from.worker.postMessage(message);
    };
    const allowed = !this.closed && !from.retiring && (this.options.partOps ?? []).includes(offer.op);
    const idle = allowed ? [...this.slots].find((s) => s !== from && isIdle(s)) : undefined;
    if (!idle) return reply({ type: 'offer-reply', offerId: offer.offerId, ran: false });
    this.sharedParts++;
    const job: Job = {
      id: this.nextId++,
      op: offer.op,
      payload: offer.payload,
      transfer: payloadBuffers(offer.payload),
      queuedAt: performance.now(),
      part: true,
      resolve: (result) => reply({ type: 'offer-reply', offerId: offer.offerId, ran: true, result }),
      reject: () => reply({ type: 'offer-reply', offerId: offer.offerId, ran: false }),
    };
    this.assign(idle, job);
  }

  private timeout(slot: Slot, job: Job): void {
    if (slot.job !== job || slot.retiring) return;
    slot.retiring = true;
    this.publishIdle();
    if (!job.part) this.counters.failed++;
    job.reject(new DomainError('ENGINE_TIMEOUT', `The face engine took longer than ${this.options.jobTimeoutMs} ms on this image.`));
    slot.timer = setTimeout(() => this.forceStop(slot), this.stuckAfterMs);
    if (!this.closed) {
      this.counters.restarts++;
      this.spawn();
    }
  }

  /** Last resort for a worker that never finishes: terminating it risks the process, leaving it wastes a core. */
  private forceStop(slot: Slot): void {
    if (!this.slots.has(slot)) return;
    this.options.onLog?.('error', `face worker stuck for ${this.stuckAfterMs} ms past its timeout; terminating it`);
    this.finish(slot);
    this.retire(slot);
  }

  private retire(slot: Slot): void {
    this.slots.delete(slot);
    this.publishIdle();
    void slot.worker.terminate();
    this.notifyIdle();
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    this.publishIdle();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if ([...this.slots].some((s) => s.job)) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private refuse<T>(op: string, error: DomainError): Promise<T> {
    this.report(op, 'rejected');
    return Promise.reject(error);
  }

  /** queuedAt absent = refused before queueing. */
  private report(op: string, outcome: JobOutcome, queuedAt?: number, startedAt?: number): void {
    if (!this.options.onJobSettled) return;
    const now = performance.now();
    const waitMs = queuedAt === undefined ? 0 : (startedAt ?? now) - queuedAt;
    const runMs = startedAt === undefined ? 0 : now - startedAt;
    try {
      this.options.onJobSettled({ op, outcome, waitMs, runMs });
    } catch {
      // An observer's failure must never fail or hang the job it observes.
    }
  }

  private failAll(error: Error): void {
    for (const job of this.queue.splice(0)) job.reject(error);
  }

  private settleReady(error?: Error): void {
    for (const waiter of this.readyWaiters.splice(0)) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }
}
