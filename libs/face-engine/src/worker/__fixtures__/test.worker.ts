// A worker for the pool's own tests: no models, just the behaviours the pool must survive.
import { DomainError } from '@facegate/common';
import { hostWorker } from '../worker-host';

void hostWorker(async () => ({
  info: { provider: 'test' },
  handler: async (op, payload) => {
    switch (op) {
      case 'echo':
        return { result: payload };
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, 400));
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
