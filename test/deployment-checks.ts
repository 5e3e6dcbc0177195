import 'reflect-metadata';
import { IS_PUBLIC } from '../apps/api/src/auth/public.decorator';
import { HealthController } from '../apps/api/src/health/health.controller';
import { DEFAULT_CLOSE_MS } from '../apps/api/src/lifecycle/graceful-shutdown';
import { loadConfig } from '@facegate/core';

/** What the deployment files (compose, Dockerfiles, Kubernetes) are checked against: the code's own rules. */

/** Every variable loadConfig() reads, recorded by a Proxy environment: the schema itself is the list. */
export function configVariables(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy(
    {},
    {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    },
  );
  loadConfig(env);
  return read;
}

/** Seconds after SIGTERM past which the API exits anyway, under these settings (graceful-shutdown.ts). */
export function hardShutdownDeadline(env: Record<string, string> = {}): number {
  const { delaySeconds, graceSeconds } = loadConfig(env).shutdown;
  return delaySeconds + graceSeconds + DEFAULT_CLOSE_MS / 1000;
}

/** Whether `path` ("/health") is a route of the health controller that needs no API key. */
export function isPublicHealthRoute(path: string): boolean {
  const route = Object.getOwnPropertyNames(HealthController.prototype)
    .map((name) => (HealthController.prototype as unknown as Record<string, () => unknown>)[name])
    .find((handler) => typeof handler === 'function' && `/${Reflect.getMetadata('path', handler)}` === path);
  return route !== undefined && Reflect.getMetadata(IS_PUBLIC, route) === true;
}
