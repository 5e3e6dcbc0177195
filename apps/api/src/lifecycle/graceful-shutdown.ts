import { INestApplication, Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { BackgroundTasks } from '@facegate/core';
import { LifecycleService } from './lifecycle.service';
import { SignalDebouncer } from './signal-debouncer';

export interface ShutdownTimes {
  /** Keep accepting (readiness 503) this long before closing the listener. */
  delayMs: number;
  /** How long in-flight requests may take to finish once the listener is closed. */
  graceMs: number;
  /** Closing the engine and the database after the grace period; past delay + grace + close the process exits 1 anyway. */
  closeMs?: number;
}

/** Closing's share of the hard deadline (delay + grace + close); deployments give the process longer than that. */
export const DEFAULT_CLOSE_MS = 15_000;
/** While idle but not yet closed, how long to wait for the server's close before looking again. */
const IDLE_RECHECK_MS = 100;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  const result = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}

/** The process, as far as the shutdown needs it; tests pass their own. */
export interface ShutdownHost {
  onSignal(signal: NodeJS.Signals, handler: () => void): void;
  exit(code: number): void;
  /** Milliseconds, monotonic. */
  now(): number;
}

export const processHost: ShutdownHost = {
  onSignal: (signal, handler) => void process.on(signal, handler),
  exit: (code) => process.exit(code),
  now: () => performance.now(),
};

/** What the shutdown works with besides the app: the process (tests pass their own) and the work started unawaited. */
export interface ShutdownParts {
  host?: ShutdownHost;
  background?: Pick<BackgroundTasks, 'settled' | 'size'>;
}

/**
 * SIGTERM/SIGINT without losing accepted requests. Nest's own shutdown hooks would destroy the modules (engine
 * workers, database pool) before closing the HTTP server, failing every request in flight; so this runs first:
 *
 * 1. drain: readiness answers 503 and every response asks its client to close the connection (`Connection: close`);
 *    after FACEGATE_SHUTDOWN_DELAY_SECONDS (0 by default)...
 * 2. ...the listener closes (new connections are refused; idle keep-alive connections are closed by Node);
 * 3. until every connection has ended, or FACEGATE_SHUTDOWN_GRACE_SECONDS have passed: wait for the requests in
 *    flight, close the connections that are idle, and again (a request can still arrive on a connection accepted
 *    earlier); at the end of the grace period any connection left is cut;
 * 4. work the requests started without awaiting it (failed liveness sessions' charges: BackgroundTasks) may finish,
 *    for up to a third of the close budget: a charge lost here would be a free try;
 * 5. app.close(): the engine lets running jobs end and stops its workers, Prisma's pool and the embedded database
 *    close; then the process exits 0. Past delay + grace + close budget it exits 1 anyway.
 *
 * A second signal exits 1 at once, unless it is the same signal within 2 s of the first (see SignalDebouncer).
 */
export class GracefulShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly debouncer: SignalDebouncer;
  private readonly host: ShutdownHost;
  private readonly background?: ShutdownParts['background'];

  constructor(
    private readonly app: INestApplication,
    private readonly lifecycle: LifecycleService,
    private readonly times: ShutdownTimes,
    { host = processHost, background }: ShutdownParts = {},
  ) {
    this.host = host;
    this.background = background;
    this.debouncer = new SignalDebouncer(() => host.now());
  }

  install(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
    for (const signal of signals) this.host.onSignal(signal, () => this.onSignal(signal));
  }

  private onSignal(signal: NodeJS.Signals): void {
    const decision = this.debouncer.decide(signal);
    if (decision === 'ignore') {
      this.logger.log({ msg: 'repeated signal ignored: already shutting down', signal });
      return;
    }
    if (decision === 'exit-now') {
      this.logger.warn({ msg: 'second signal: exiting without finishing the shutdown', signal });
      this.host.exit(1);
      return;
    }
    const limitMs = this.times.delayMs + this.times.graceMs + (this.times.closeMs ?? DEFAULT_CLOSE_MS);
    const deadline = setTimeout(() => {
      this.logger.error({ msg: 'shutdown took too long; exiting', limitMs });
      this.host.exit(1);
    }, limitMs).unref();
    this.run(signal).then(
      () => {
        clearTimeout(deadline);
        this.host.exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        this.logger.error({ msg: `shutdown failed: ${error instanceof Error ? error.message : String(error)}` });
        this.host.exit(1);
      },
    );
  }

  async run(signal: string): Promise<void> {
    const started = this.host.now();
    this.lifecycle.startDraining();
    this.logger.log({ msg: 'draining', signal, inFlight: this.lifecycle.inFlightCount, delayMs: this.times.delayMs, graceMs: this.times.graceMs });
    if (this.times.delayMs > 0) await sleep(this.times.delayMs);
    const server = this.app.getHttpServer() as Server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.logger.log({ msg: 'listener closed; finishing requests in flight', inFlight: this.lifecycle.inFlightCount });
    if (!(await this.drain(server, closed))) {
      this.logger.warn({ msg: 'grace period over; cutting the remaining connections', inFlight: this.lifecycle.inFlightCount });
      server.closeAllConnections();
    }
    await closed;
    await this.finishBackgroundWork();
    await this.app.close();
    this.logger.log({ msg: 'shut down', durationMs: Math.round(this.host.now() - started) });
  }

  private async finishBackgroundWork(): Promise<void> {
    if (!this.background || this.background.size === 0) return;
    const pending = this.background.size;
    const limitMs = Math.floor((this.times.closeMs ?? DEFAULT_CLOSE_MS) / 3);
    if (await this.background.settled(limitMs)) this.logger.log({ msg: 'background work finished', pending });
    else this.logger.warn({ msg: 'background work cut short', pending, left: this.background.size, limitMs });
  }

  /**
   * True once every connection has ended by itself, false when the grace period ran out first. Being idle once is not
   * enough: a keep-alive connection whose last response went out before the drain, or one still sending its headers
   * when the listener closed, can start a request later; it is answered (and told to close) like any other.
   */
  private async drain(server: Server, closed: Promise<void>): Promise<boolean> {
    const deadline = this.host.now() + this.times.graceMs;
    for (;;) {
      const remaining = deadline - this.host.now();
      if (remaining <= 0 || !(await this.lifecycle.whenIdle(remaining))) return false;
      // Nothing in flight: connections waiting for a next request may go; one that has started a request stays.
      server.closeIdleConnections();
      if (await settlesWithin(closed, Math.min(IDLE_RECHECK_MS, deadline - this.host.now()))) return true;
    }
  }
}
