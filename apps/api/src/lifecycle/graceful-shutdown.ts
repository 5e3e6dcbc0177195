import { INestApplication, Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { LifecycleService } from './lifecycle.service';

export interface ShutdownTimes {
  /** Keep accepting (readiness 503) this long before closing the listener. */
  delayMs: number;
  /** How long in-flight requests may take to finish once the listener is closed. */
  graceMs: number;
  /** Closing the engine and the database after the grace period; past it the process exits 1 anyway. */
  closeMs?: number;
}

const DEFAULT_CLOSE_MS = 15_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}

/**
 * SIGTERM/SIGINT without losing accepted requests. Nest's own shutdown hooks would destroy the modules (engine
 * workers, database pool) before closing the HTTP server, failing every request in flight; so this runs first:
 *
 * 1. drain: readiness answers 503 and every response asks its client to close the connection (`Connection: close`);
 *    after FACEGATE_SHUTDOWN_DELAY_SECONDS (0 by default)...
 * 2. ...the listener closes (new connections are refused; idle keep-alive connections are closed by Node);
 * 3. in-flight requests get FACEGATE_SHUTDOWN_GRACE_SECONDS to finish, then any connection left is cut;
 * 4. app.close(): the engine lets running jobs end and stops its workers, Prisma's pool and the embedded database
 *    close; then the process exits 0. A second signal exits 1 at once.
 */
export class GracefulShutdown {
  private readonly logger = new Logger('Shutdown');
  private started = false;

  constructor(
    private readonly app: INestApplication,
    private readonly lifecycle: LifecycleService,
    private readonly times: ShutdownTimes,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {}

  install(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
    for (const signal of signals) process.on(signal, () => this.onSignal(signal));
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.started) {
      this.logger.warn({ msg: 'second signal: exiting without finishing the shutdown', signal });
      this.exit(1);
      return;
    }
    this.started = true;
    const deadline = this.times.delayMs + this.times.graceMs + (this.times.closeMs ?? DEFAULT_CLOSE_MS);
    setTimeout(() => {
      this.logger.error({ msg: 'shutdown took too long; exiting', limitMs: deadline });
      this.exit(1);
    }, deadline).unref();
    this.run(signal).then(
      () => this.exit(0),
      (error: unknown) => {
        this.logger.error({ msg: `shutdown failed: ${error instanceof Error ? error.message : String(error)}` });
        this.exit(1);
      },
    );
  }

  async run(signal: string): Promise<void> {
    const started = performance.now();
    this.lifecycle.startDraining();
    this.logger.log({ msg: 'draining', signal, inFlight: this.lifecycle.inFlightCount, delayMs: this.times.delayMs, graceMs: this.times.graceMs });
    if (this.times.delayMs > 0) await sleep(this.times.delayMs);
    const server = this.app.getHttpServer() as Server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.logger.log({ msg: 'listener closed; finishing requests in flight', inFlight: this.lifecycle.inFlightCount });
    const finished = await this.lifecycle.whenIdle(this.times.graceMs);
    if (!finished) this.logger.warn({ msg: 'grace period over; cutting the remaining connections', inFlight: this.lifecycle.inFlightCount });
    // Left: keep-alive connections idle since their last response, or, past the grace period, unfinished ones. A
    // connection that started a new request in between gets a second to finish it (it was told to close).
    server.closeIdleConnections();
    if (!finished || !(await settlesWithin(closed, 1000))) server.closeAllConnections();
    await closed;
    await this.app.close();
    this.logger.log({ msg: 'shut down', durationMs: Math.round(performance.now() - started) });
  }
}
