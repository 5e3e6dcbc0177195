import { Injectable } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Whether the process is draining (shutting down) and which responses are still in flight. Readiness answers 503
 * while draining, and every response from then on asks the client to close its connection, so keep-alive
 * connections do not outlive the drain.
 */
@Injectable()
export class LifecycleService {
  private isDraining = false;
  private readonly inFlight = new Set<Response>();
  private idleWaiters: Array<() => void> = [];
  private readonly drainHooks: Array<() => Promise<void>> = [];
  private drained: Promise<unknown> = Promise.resolve();

  get draining(): boolean {
    return this.isDraining;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Counts a response until it is sent or its connection drops. */
  track(response: Response): void {
    this.inFlight.add(response);
    if (this.draining) closeAfter(response);
    response.once('close', () => this.untrack(response));
  }

  /** Work to finish when draining starts (the stream closes its sockets after their frame in flight). */
  onDrain(hook: () => Promise<void>): void {
    this.drainHooks.push(hook);
  }

  startDraining(): void {
    if (this.draining) return;
    this.isDraining = true;
    for (const response of this.inFlight) closeAfter(response);
    this.drained = Promise.all(this.drainHooks.map((hook) => hook().catch(() => undefined)));
  }

  /** Resolves when no request is in flight, or after `limitMs` (false then). */
  whenIdle(limitMs: number): Promise<boolean> {
    const started = Date.now();
    return this.requestsIdle(limitMs).then(async (idle) => {
      if (!idle) return false;
      const left = limitMs - (Date.now() - started);
      return Promise.race([this.drained.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), Math.max(0, left)).unref())]);
    });
  }

  private requestsIdle(limitMs: number): Promise<boolean> {
    if (this.inFlight.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), limitMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private untrack(response: Response): void {
    this.inFlight.delete(response);
    if (this.inFlight.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** `Connection: close` on a response not yet started makes Node close the socket once it is sent. */
function closeAfter(response: Response): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}
