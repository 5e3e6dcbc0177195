import { ASYNCAPI_JSON_PATH, buildAsyncApiDocument } from './stream/asyncapi-document';
import { StreamWsAdapter } from './stream/stream-ws.adapter';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { deferContinue } from './common/body-limits';
import { answerMalformedRequests } from './common/malformed-request.handler';
import { buildProblem, sendProblem } from './common/problem-details';
import { ProblemDetailsFilter } from './common/problem-details.filter';
import { queryCheck } from './common/query-check.middleware';
import { requestIdMiddleware, requestIdOf } from './common/request-id.middleware';
import { closeWhenBodyUnread } from './common/unread-body.middleware';
import { AppConfig, createValidationPipe } from '@facegate/core';
import { AppLogger } from './logging/app-logger';
import { APP_VERSION } from './openapi/app-version';
import { buildOpenApiDocument, OPENAPI_JSON_PATH } from './openapi/openapi-document';
import { HttpObserver } from './logging/http-observer';

/** Builds the whole app (used by main.ts and by the end-to-end tests, so both run the same thing). */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: new AppLogger({ level: config.logLevel, format: config.logFormat }),
  });
  app.disable('x-powered-by');
  // The WebSocket stream (stream/): its transport limits come from the validated configuration.
  app.useWebSocketAdapter(new StreamWsAdapter(app, config));
  if (config.trustProxy) app.set('trust proxy', trustProxyValue(config.trustProxy));
  // Bodies are read after the guards, by BodyReaderInterceptor and MultipartImages (common/body.module.ts): no body
  // parser here. An answer given before the body was read closes the connection; 100-continue waits for the reader.
  deferContinue(app.getHttpServer());
  answerMalformedRequests(app.getHttpServer());
  app.use(closeWhenBodyUnread);
  app.use(requestIdMiddleware);
  app.use(app.get(HttpObserver).middleware);
  app.use(securityHeaders());
  if (config.web.enabled) serveWebPage(app, config.web.dir);
  // CORS is closed unless origins are listed: browsers may then call the API from those origins only.
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'X-API-Key', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
  }
  app.use(contentTypeCheck);
  app.use(queryCheck);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  // No app.enableShutdownHooks(): Nest's hooks close the engine and the database before the HTTP server, which
  // fails in-flight requests. main.ts drains first (lifecycle/graceful-shutdown.ts), then calls app.close().
  setupSwagger(app);
  return app;
}

/**
 * Security headers on every response (helmet's defaults: HSTS, nosniff, frame denial, referrer policy...). The
 * content security policy allows the Swagger UI page at /docs, which loads its own scripts and inline styles.
 */
function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        // Helmet's default would make browsers fetch the page's scripts over https on a plain-http LAN address, where
        // they fail and the page loads blank. TLS is the proxy's business; the page must load either way.
        upgradeInsecureRequests: null,
      },
    },
  });
}

/**
 * The web page: static files before the API routes (only existing files answer; everything else falls through to
 * Nest). The page asks for the camera, so this origin is allowed it and nothing else is.
 */
function serveWebPage(app: NestExpressApplication, dir: string): void {
  app.use((_request: Request, response: Response, next: NextFunction) => {
    response.setHeader('Permissions-Policy', 'camera=(self), microphone=(), geolocation=()');
    next();
  });
  // Only the page and its assets: apps/web also holds its tests and tsconfig, which are nobody's business.
  app.useStaticAssets(join(dir, 'assets'), { prefix: '/assets', index: false, redirect: false, dotfiles: 'ignore', maxAge: 0 });
  app.use((request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || (request.path !== '/' && request.path !== '/index.html')) return next();
    response.sendFile(join(dir, 'index.html'), { maxAge: 0 }, (error) => {
      if (error && !response.headersSent) next();
    });
  });
}

/** "true", a hop count, or Express's own list form ("loopback, 10.0.0.0/8"). */
function trustProxyValue(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Bodies are JSON or multipart; anything else is refused before parsing (415). */
function contentTypeCheck(request: Request, response: Response, next: NextFunction): void {
  const hasBody =
    (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0') || request.headers['transfer-encoding'] !== undefined;
  if (!['POST', 'PUT', 'PATCH'].includes(request.method) || !hasBody || request.is(['application/json', 'application/*+json', 'multipart/form-data'])) {
    return next();
  }
  const problem = buildProblem('UNSUPPORTED_MEDIA_TYPE', 'Send application/json or multipart/form-data.', {}, requestIdOf(request));
  sendProblem(response, problem);
}

function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app, APP_VERSION), { jsonDocumentUrl: OPENAPI_JSON_PATH });
  // The WebSocket stream's messages, beside the HTTP API's document (public, like it).
  const asyncApi = buildAsyncApiDocument(APP_VERSION);
  app.getHttpAdapter().get(ASYNCAPI_JSON_PATH, (_request: Request, response: Response) => void response.json(asyncApi));
}
