import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The calling thread's nice value as the kernel reports it (/proc/thread-self/stat, field 19). */
const OWN_NICE = `(() => { const s = require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]); })()`;

function ownNice(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/**
 * In a new worker thread: optionally a nice value set beforehand (as `nice -n` would have), then
 * lowerThreadPriority(nice); answers what it returned and the thread's nice value afterwards.
 */
function inWorker(nice: number, before?: number): Promise<{ result: number | null; after: number }> {
  const code = `
    require('tsx/cjs');
    const { parentPort } = require('node:worker_threads');
    const { lowerThreadPriority } = require(${JSON.stringify(join(__dirname, 'thread-priority.ts'))});
    ${before === undefined ? '' : `lowerThreadPriority(${before});`}
    const result = lowerThreadPriority(${nice});
    parentPort.postMessage({ result, after: ${OWN_NICE} });`;
  const worker = new Worker(code, { eval: true });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', resolve);
  });
}

const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('lowerThreadPriority', () => {
  it('lowers the calling thread only: the worker runs at the nice value asked, the main thread as before', async () => {
    const main = ownNice();
    expect(main).toBeLessThan(10);
    expect(await inWorker(10)).toEqual({ result: 10, after: 10 });
    expect(ownNice()).toBe(main);
  });

  it('leaves the thread as it is for 0, and never raises a priority an operator lowered further', async () => {
    const main = ownNice();
    expect(await inWorker(0)).toEqual({ result: null, after: main });
    expect(await inWorker(10, 15)).toEqual({ result: 15, after: 15 });
  });
});
