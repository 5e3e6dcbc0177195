import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { DomainError } from '@facegate/common';
import { IS_PUBLIC } from '../auth/public.decorator';
import { APP_CONFIG, AppConfig } from '@facegate/core';
import { hasBody } from './body-limits';
import { JsonBodyReader } from './json-body.reader';
import { takesImages } from './multipart-images.interceptor';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Reads JSON bodies. Global, and an interceptor because interceptors run after every guard: a body is read only once
 * the API key, its scope and its rate limit have passed, so a refused request costs its headers and nothing more.
 * Routes that take images (MultipartImages) may send FACEGATE_MAX_BODY_BYTES; every other route
 * FACEGATE_MAX_SMALL_BODY_BYTES; public routes (health, metrics) take no body. Multipart bodies are read by
 * MultipartImagesInterceptor, which runs next, under the same accounting.
 */
@Injectable()
export class BodyReaderInterceptor implements NestInterceptor {
  private readonly maxBodyBytes: number;
  private readonly maxSmallBodyBytes: number;

  constructor(
    private readonly reflector: Reflector,
    private readonly reader: JsonBodyReader,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.maxBodyBytes = config.limits.maxBodyBytes;
    this.maxSmallBodyBytes = config.limits.maxSmallBodyBytes;
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const targets = [context.getHandler(), context.getClass()];
    if (context.getType() !== 'http' || this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    if (!hasBody(request)) return next.handle();
    const images = takesImages(this.reflector, targets);
    if (request.is('multipart/form-data')) {
      if (!images) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'This route takes application/json; multipart/form-data is for the image routes.');
      return next.handle();
    }
    // Other types only reach here on methods the content-type check lets through (GET, DELETE): left unread.
    if (!request.is(JSON_TYPES)) return next.handle();
    const response = context.switchToHttp().getResponse<Response>();
    request.body = await this.reader.read(request, response, images ? this.maxBodyBytes : this.maxSmallBodyBytes);
    return next.handle();
  }
}
