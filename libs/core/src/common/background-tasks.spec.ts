import { Logger } from '@nestjs/common';
import { BackgroundTasks } from './background-tasks';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('BackgroundTasks', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('waits for the work pending, and for work started while it waits', async () => {
    const tasks = new BackgroundTasks();
    const first = deferred();
    const second = deferred();
    const done: string[] = [];
    tasks.run('first', async () => {
      await first.promise;
      done.push('first');
      // Started while settled() already waits, as a request finishing during the shutdown would.
      tasks.run('second', async () => {
        await second.promise;
        done.push('second');
      });
    });
    const settled = tasks.settled(5000);
    first.resolve();
    await new Promise((r) => setImmediate(r));
    expect(tasks.size).toBe(1);
    second.resolve();
    await expect(settled).resolves.toBe(true);
    expect(done).toEqual(['first', 'second']);
    expect(tasks.size).toBe(0);
  });

  it('gives up after its limit, and says so', async () => {
    const tasks = new BackgroundTasks();
    const never = deferred();
    tasks.run('stuck', () => never.promise);
    await expect(tasks.settled(20)).resolves.toBe(false);
    expect(tasks.size).toBe(1);
  });

  it('keeps a failure to itself, and forgets the task', async () => {
    const tasks = new BackgroundTasks();
    tasks.run('broken', () => Promise.reject(new Error('database gone')));
    tasks.run('throws', () => {
      throw new Error('synchronously');
    });
    await expect(tasks.settled(1000)).resolves.toBe(true);
    expect(tasks.size).toBe(0);
  });
});
