import type { DropReason, StreamFrame } from './stream-protocol';

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
 * order. Frames beyond `maxFps` a second are dropped before they wait: a token bucket of one second's frames, so a
 * client sending at exactly the limit, with a timer's jitter, is not cut off the way fixed one-second windows cut it
 * (at 10 frames a second they dropped 5-34 of every 200-3,000 frames in the stream benchmark).
 */
export class LatestFrameQueue {
  private busy = false;
  private waiting: StreamFrame | null = null;
  private tokens: number;
  private refilledAt: number | null = null;
  private idle: Array<() => void> = [];
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: LatestFrameQueueOptions) {
    this.now = options.now ?? Date.now;
    this.tokens = options.maxFps;
  }

  get inFlight(): boolean {
    return this.busy;
  }

  push(frame: StreamFrame): void {
    if (this.closed) return;
    if (!this.admit()) return this.options.dropped(frame.seq, 'rate');
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

  private admit(): boolean {
    const now = this.now();
    const { maxFps } = this.options;
    if (this.refilledAt !== null) this.tokens = Math.min(maxFps, this.tokens + ((now - this.refilledAt) * maxFps) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
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
