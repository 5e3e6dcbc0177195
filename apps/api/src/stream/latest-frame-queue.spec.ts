import { LatestFrameQueue } from './latest-frame-queue';
import type { StreamFrame } from './stream-protocol';

const frame = (seq: number): StreamFrame => ({ seq, image: 'x', settings: { op: 'detect' } });

/** A queue whose engine finishes each frame only when the test says so. */
function setUp(maxFps = 100) {
  let clock = 0;
  const processed: number[] = [];
  const dropped: Array<[number, string]> = [];
  const finish: Array<() => void> = [];
  const queue = new LatestFrameQueue({
    maxFps,
    now: () => clock,
    process: (f) => {
      processed.push(f.seq);
      return new Promise<void>((resolve) => finish.push(resolve));
    },
    dropped: (seq, reason) => dropped.push([seq, reason]),
  });
  const completeOne = async () => {
    finish.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { queue, processed, dropped, completeOne, tick: (ms: number) => (clock += ms) };
}

describe('LatestFrameQueue', () => {
  it('keeps one frame in the engine and one waiting; a newer frame replaces the waiting one, which is reported', async () => {
    const { queue, processed, dropped, completeOne } = setUp();
    for (const seq of [1, 2, 3, 4]) queue.push(frame(seq));
    expect(processed).toEqual([1]);
    expect(dropped).toEqual([
      [2, 'superseded'],
      [3, 'superseded'],
    ]);
    await completeOne();
    expect(processed).toEqual([1, 4]);
    await completeOne();
    expect(queue.inFlight).toBe(false);
    queue.push(frame(5));
    expect(processed).toEqual([1, 4, 5]);
  });

  it('admits a client at exactly maxFps whose timer jitters, and still holds it to maxFps on average', () => {
    const { queue, dropped, completeOne, tick } = setUp(10);
    // 100 ms apart on average, as setInterval delivers them: one late tick, then the next one early.
    const gaps = [100, 100, 130, 70, 100, 115, 85, 100];
    for (let i = 0; i < 200; i++) {
      queue.push(frame(i));
      void completeOne();
      tick(gaps[i % gaps.length]);
    }
    expect(dropped.filter(([, reason]) => reason === 'rate')).toEqual([]);
    // Twice the rate for 10 s: about half dropped, a second's burst admitted at first.
    const before = dropped.length;
    for (let i = 200; i < 400; i++) {
      queue.push(frame(i));
      void completeOne();
      tick(50);
    }
    const rate = dropped.slice(before).filter(([, reason]) => reason === 'rate').length;
    expect(rate).toBeGreaterThanOrEqual(90);
    expect(rate).toBeLessThanOrEqual(100);
  });

  it('drops frames beyond maxFps a second, before they wait', async () => {
    const { queue, processed, dropped, completeOne, tick } = setUp(2);
    queue.push(frame(1));
    queue.push(frame(2));
    queue.push(frame(3));
    expect(dropped).toEqual([[3, 'rate']]);
    tick(1000);
    queue.push(frame(4));
    expect(dropped).toEqual([
      [3, 'rate'],
      [2, 'superseded'],
    ]);
    await completeOne();
    expect(processed).toEqual([1, 4]);
  });

  it('close() drops the waiting frame, lets the one in the engine finish, and takes no more', async () => {
    const { queue, processed, dropped, completeOne } = setUp();
    queue.push(frame(1));
    queue.push(frame(2));
    let closed = false;
    const closing = queue.close().then(() => (closed = true));
    expect(dropped).toEqual([[2, 'superseded']]);
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    await completeOne();
    await closing;
    queue.push(frame(3));
    expect(processed).toEqual([1]);
  });

  it('keeps serving after a frame whose processing throws', async () => {
    let calls = 0;
    const seen: number[] = [];
    const queue = new LatestFrameQueue({
      maxFps: 100,
      process: (f) => {
        seen.push(f.seq);
        return calls++ === 0 ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
      dropped: () => undefined,
    });
    queue.push(frame(1));
    queue.push(frame(2));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([1, 2]);
  });
});
