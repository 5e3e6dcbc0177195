import { endsChallenge, StreamChallenge } from './stream-challenge';
import type { StreamFrame } from './stream-protocol';

const frame = (seq: number): StreamFrame => ({ seq, image: 'x', settings: { op: 'detect' } });

describe('StreamChallenge', () => {
  let now = 0;
  const challenge = () => new StreamChallenge({ fps: 5, minStepMs: 300 }, () => now);

  beforeEach(() => {
    now = 1_000;
  });

  it('drops frames before the session is open and within the reaction time after a reveal (early)', () => {
    const c = challenge();
    expect(c.opening).toBe(true);
    expect(c.admit(frame(1))).toBe('early');
    expect(c.update({ id: 's1', status: 'in_progress', stepNonce: 'n1' })).toBe(true);
    now += 299;
    expect(c.admit(frame(2))).toBe('early');
    now += 1;
    const judged = frame(3);
    expect(c.admit(judged)).toBeNull();
    expect(judged.challenge).toEqual({ sessionId: 's1', stepNonce: 'n1' });
  });

  it('judges at most fps frames a second on average (rate)', () => {
    const c = challenge();
    c.update({ id: 's1', status: 'in_progress', stepNonce: 'n1' });
    now += 1_000;
    // A second's worth at once, then one more every 1/fps.
    for (let seq = 1; seq <= 5; seq++) expect(c.admit(frame(seq))).toBeNull();
    expect(c.admit(frame(6))).toBe('rate');
    now += 199;
    expect(c.admit(frame(7))).toBe('rate');
    now += 1;
    expect(c.admit(frame(8))).toBeNull();
  });

  it('binds a frame to the step revealed when it arrived: after the next reveal it is stale', () => {
    const c = challenge();
    c.update({ id: 's1', status: 'in_progress', stepNonce: 'n1' });
    now += 1_000;
    const waiting = frame(1);
    c.admit(waiting);
    expect(c.current(waiting)).toBe(true);
    expect(c.update({ id: 's1', status: 'in_progress', stepNonce: 'n1' })).toBe(false);
    expect(c.current(waiting)).toBe(true);
    expect(c.update({ id: 's1', status: 'in_progress', stepNonce: 'n2' })).toBe(true);
    expect(c.current(waiting)).toBe(false);
    expect(c.current(frame(2))).toBe(false);
    // The new step's reaction time starts at its reveal.
    expect(c.admit(frame(3))).toBe('early');
  });

  it('ends on the codes that close a session, not on a bad frame', () => {
    expect(endsChallenge('CHALLENGE_FAILED')).toBe(true);
    expect(endsChallenge('SPOOF_SUSPECTED')).toBe(true);
    expect(endsChallenge('LIVENESS_SESSION_EXPIRED')).toBe(true);
    expect(endsChallenge('INVALID_IMAGE')).toBe(false);
    expect(endsChallenge('RATE_LIMITED')).toBe(false);
  });
});
