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
  // The test process may itself run under `nice` (a worker thread starts at its creator's value): expectations allow
  // for it, and a process already at 15 or more cannot show a thread being lowered (skipped there).
  const main = ownNice();
  const lowerable = main < 15 ? it : it.skip;

  lowerable('lowers the calling thread only: the worker runs at the nice value asked, the main thread as before', async () => {
    const asked = main + 2;
    expect(await inWorker(asked)).toEqual({ result: asked, after: asked });
    expect(ownNice()).toBe(main);
  });

  lowerable('leaves the thread as it is for 0, and never raises a priority an operator lowered further', async () => {
    expect(await inWorker(0)).toEqual({ result: null, after: main });
    expect(await inWorker(main + 1, main + 3)).toEqual({ result: main + 3, after: main + 3 });
  });
});
