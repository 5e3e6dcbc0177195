import type { DropReason, StreamFrame } from './stream-protocol';
import { TokenBucket } from './token-bucket';

export interface LatestFrameQueueOptions {
  /** Frames accepted per second, on average (bursts up to one second's worth); the rest are dropped, reason `rate`. */
  maxFps: number;
  /** Analyses one frame; resolves when its answer has been sent. */
  process: (frame: StreamFrame) => Promise<void>;
  /** Reports a frame that will never be answered. */
  dropped: (seq: number, reason: DropReason) => void;
  now?: () => number;
}

/**
 * Latest frame wins: one frame in the engine at a time and at most one waiting. A frame that arrives while another
 * waits replaces it (the replaced one is reported dropped), so a slow engine never builds a queue: the answer a
 * client gets is always about the newest frame it sent, one frame of latency at most, and answers come in sequence
 * order. Frames beyond `maxFps` a second (on average: a TokenBucket) are dropped before they wait.
 */
export class LatestFrameQueue {
  private busy = false;
  private waiting: StreamFrame | null = null;
  private readonly rate: TokenBucket;
  private idle: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: LatestFrameQueueOptions) {
    this.rate = new TokenBucket(options.maxFps, options.now);
  }

  get inFlight(): boolean {
    return this.busy;
  }

  push(frame: StreamFrame): void {
    if (this.closed) return;
    if (!this.rate.take()) return this.options.dropped(frame.seq, 'rate');
    if (!this.busy) return void this.run(frame);
    if (this.waiting) this.options.dropped(this.waiting.seq, 'superseded');
    this.waiting = frame;
  }

  /** Stops taking frames; the waiting one is dropped, the one in the engine finishes. Resolves when it has. */
  close(): Promise<void> {
    this.closed = true;
    if (this.waiting) this.options.dropped(this.waiting.seq, 'superseded');
    this.waiting = null;
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async run(first: StreamFrame): Promise<void> {
    this.busy = true;
    let frame: StreamFrame | null = first;
    while (frame) {
      try {
        await this.options.process(frame);
      } catch {
        // process() answers its own errors; nothing may stop the loop.
      }
      frame = this.closed ? null : this.waiting;
      this.waiting = null;
    }
    this.busy = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
