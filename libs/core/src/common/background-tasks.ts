import { Injectable, Logger } from '@nestjs/common';

/**
 * Work started on purpose without being awaited by the request that starts it (a failed liveness session's charge,
 * whose timing must not show in the answer), kept here so that a shutdown lets it finish before the database closes:
 * a charge lost at shutdown would be a free try.
 */
@Injectable()
export class BackgroundTasks {
  private readonly logger = new Logger('Background');
  private readonly pending = new Set<Promise<void>>();

  get size(): number {
    return this.pending.size;
  }

  /** Starts `work` now; a failure is logged with `name`, never thrown to anyone. */
  run(name: string, work: () => Promise<unknown>): void {
    const task: Promise<void> = Promise.resolve()
      .then(work)
      .then(
        () => undefined,
        (error: unknown) => this.logger.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** True once nothing is pending (work started meanwhile included), false when `limitMs` ran out first. */
  async settled(limitMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, limitMs))));
    try {
      while (this.pending.size > 0) {
        const all = Promise.all([...this.pending]).then(() => true as const);
        if (!(await Promise.race([all, timeout]))) return false;
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }
}
