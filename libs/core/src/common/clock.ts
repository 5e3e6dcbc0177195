import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';

/** Time, behind one injectable so that rules that depend on it are tested without waiting. */
@Injectable()
export class Clock {
  /** Milliseconds from an arbitrary origin that never jumps (for durations, not dates). */
  monotonicMs(): number {
    return performance.now();
  }
}
