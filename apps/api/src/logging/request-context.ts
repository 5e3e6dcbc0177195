import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while serving a request can carry without being passed around. */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (the rest of the middleware chain) with the request's context; continuations inherit it. */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
