import { Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { AuthenticatedRequest } from '../auth/caller.decorator';
import { requestIdOf } from '../common/request-id.middleware';
import { LifecycleService } from '../lifecycle/lifecycle.service';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { methodLabel, routeLabel, statusLabel } from '../metrics/route-label';
import { runWithRequestContext } from './request-context';

/** Frequent machine traffic, logged at debug level so it does not drown the requests people make. */
const QUIET_ROUTES = new Set(['/health', '/health/ready', '/metrics']);
/** Enough of the key id to find it in the key list and the audit log. */
const KEY_ID_PREFIX_LENGTH = 8;
/** Paths are the client's to choose; a log line's length is not. */
const MAX_PATH_CHARS = 200;

/**
 * One Express middleware, first after the request id, for every request (static files and 404s included): it sets
 * the request context for log lines, counts the request in flight for the graceful shutdown, and when the response
 * is done writes the access-log line and the HTTP metrics. It never looks at bodies.
 */
@Injectable()
export class HttpObserver {
  private readonly logger = new Logger('Http');

  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly metrics: MetricsRegistry,
  ) {}

  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    this.lifecycle.track(response);
    response.once('close', () => this.done(request, response, performance.now() - started));
    const requestId = requestIdOf(request);
    if (requestId) runWithRequestContext({ requestId }, next);
    else next();
  };

  private done(request: Request, response: Response, durationMs: number): void {
    const method = methodLabel(request.method);
    const route = routeLabel(request);
    const status = statusLabel(response);
    this.metrics.observeHttp(method, route, status, durationMs / 1000);
    const keyId = (request as AuthenticatedRequest).caller?.keyId.slice(0, KEY_ID_PREFIX_LENGTH);
    const line = {
      msg: 'request',
      requestId: requestIdOf(request),
      method,
      route,
      path: request.path.slice(0, MAX_PATH_CHARS),
      status: Number(status),
      durationMs: Math.round(durationMs * 10) / 10,
      ...(keyId ? { keyId } : {}),
    };
    if (QUIET_ROUTES.has(route)) this.logger.debug(line);
    else this.logger.log(line);
  }
}
