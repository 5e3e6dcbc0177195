// A worker for the pool's own tests: no models, just the behaviours the pool must survive.
import { threadId } from 'node:worker_threads';
import { DomainError } from '@facegate/common';
import { hostWorker } from '../worker-host';

void hostWorker(async (offload) => ({
  info: { provider: 'test' },
  handler: async (op, payload) => {
    switch (op) {
      case 'echo':
        return { result: payload };
      case 'whoami':
        return { result: threadId };
      case 'split': {
        // Offers a part (the op named in the payload), then works a while itself, as the analyzer embeds meanwhile.
        let built = false;
        const shared = offload(String(payload), () => {
          built = true;
          return { bytes: new Uint8Array(8) };
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        const remote = await shared;
        return { result: { self: threadId, remote: remote ? remote.result : null, built } };
      }
      case 'slow':
        // Far beyond the 150 ms timeout of the test that expects ENGINE_TIMEOUT: on a loaded CI machine a 400 ms job
        // once finished before the pool's timer could fire.
        await new Promise((resolve) => setTimeout(resolve, 1200));
        return { result: payload };
      case 'coded':
        throw new DomainError('NO_FACE', 'no face here', { index: 2 });
      case 'throw':
        throw new Error('secret internal detail');
      case 'crash':
        process.exit(7);
      // falls through (never reached)
      case 'hang':
        await new Promise(() => undefined);
        return { result: null };
      default:
        throw new DomainError('ENGINE_FAILURE', 'unknown op');
    }
  },
}));
