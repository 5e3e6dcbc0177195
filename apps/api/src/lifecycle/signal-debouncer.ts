/** What to do with a shutdown signal. */
export type SignalDecision = 'shut-down' | 'ignore' | 'exit-now';

/**
 * Tells a deliberate second signal from an echo. Under `npm start`, Ctrl-C reaches Node twice: npm forwards its
 * SIGINT to the child, and the terminal sends SIGINT to the whole process group. Taking the echo as "exit now" would
 * cut the drain it just started; so the same signal again within `echoMs` of the first is ignored, and any later one
 * (or a different one) still forces the exit.
 */
export class SignalDebouncer {
  private first?: { signal: string; at: number };

  constructor(
    private readonly now: () => number,
    private readonly echoMs = 2000,
  ) {}

  decide(signal: string): SignalDecision {
    const at = this.now();
    if (!this.first) {
      this.first = { signal, at };
      return 'shut-down';
    }
    return signal === this.first.signal && at - this.first.at < this.echoMs ? 'ignore' : 'exit-now';
  }
}
