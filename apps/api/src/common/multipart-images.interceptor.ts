import { CallHandler, ExecutionContext, Inject, Injectable, mixin, NestInterceptor, Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import { Observable } from 'rxjs';
import { assertSaneInput, DomainError } from '@facegate/common';
import { APP_CONFIG, AppConfig } from '@facegate/core';
import { assertDeclaredLength, continueIfExpected, payloadTooLarge } from './body-limits';

type ImageTarget = 'image' | 'images' | 'frames';
const NUMERIC_FIELDS = ['threshold', 'topK'];
const BOOLEAN_FIELDS = ['allowDuplicate', 'allowMismatch', 'all', 'final', 'smallFaces'];

/**
 * Lets an image endpoint take multipart/form-data. For `images` routes (enrolment) and `frames` routes (liveness
 * challenge) the `files` parts, or a single `file`, become `images` / `frames`; for `image` routes `file` becomes `image` and `imageA`/`imageB` stay as they are. The
 * merged body then goes through the same DTO validation as JSON. JSON requests pass through untouched.
 */
export function MultipartImages(target: ImageTarget): Type<NestInterceptor> {
  @Injectable()
  class MultipartImagesMixin extends MultipartImagesInterceptor {
    constructor(@Inject(APP_CONFIG) config: AppConfig) {
      super(config, target);
    }
  }
  return mixin(MultipartImagesMixin);
}

/**
 * Whether a route takes images: `@UseInterceptors(MultipartImages(...))` on it or on its controller is the mark every
 * image route carries, so it alone decides which routes get FACEGATE_MAX_BODY_BYTES (body-reader.interceptor.ts).
 */
export function takesImages(reflector: Reflector, targets: Parameters<Reflector['getAllAndMerge']>[1]): boolean {
  const interceptors = reflector.getAllAndMerge<unknown[]>(INTERCEPTORS_METADATA, targets);
  return interceptors.some((interceptor) => typeof interceptor === 'function' && interceptor.prototype instanceof MultipartImagesInterceptor);
}

class MultipartImagesInterceptor implements NestInterceptor {
  private readonly upload;
  private readonly maxBodyBytes: number;

  constructor(
    config: AppConfig,
    private readonly target: ImageTarget,
  ) {
    this.maxBodyBytes = config.limits.maxBodyBytes;
    const maxFiles = target === 'frames' ? config.liveness.maxFramesPerRequest : config.limits.maxImagesPerRequest;
    this.upload = multer({
      storage: multer.memoryStorage(),
      limits: { fileSize: config.limits.maxImageBytes, files: maxFiles, fields: 20, fieldSize: 64 * 1024, parts: maxFiles + 30 },
    }).fields([
      { name: 'file', maxCount: 1 },
      { name: 'files', maxCount: maxFiles },
      { name: 'imageA', maxCount: 1 },
      { name: 'imageB', maxCount: 1 },
    ]);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    if (!request.is('multipart/form-data')) return next.handle();
    const response = http.getResponse<Response>();
    assertDeclaredLength(request, this.maxBodyBytes);
    continueIfExpected(request, response);
    await new Promise<void>((resolve, reject) => {
      const stopCounting = this.limitBody(request, () => reject(payloadTooLarge(this.maxBodyBytes)));
      this.upload(request, response, (error: unknown) => {
        stopCounting();
        if (error) reject(toDomainError(error));
        else resolve();
      });
    });
    request.body = mergeFiles((request.body ?? {}) as Record<string, unknown>, (request.files ?? {}) as Record<string, Express.Multer.File[]>, this.target);
    assertSaneInput(request.body, 'multipart body');
    return next.handle();
  }

  /**
   * Multer limits each file and the number of files, not the whole body: FACEGATE_MAX_BODY_BYTES is enforced by
   * counting what arrives. At the chunk that passes it, multer is cut off and the request paused: nothing more is read
   * (the 413's `Connection: close` ends the connection, and multer cleans up when the request closes).
   */
  private limitBody(request: Request, tooLarge: () => void): () => void {
    let received = 0;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= this.maxBodyBytes) return;
      request.off('data', count);
      request.unpipe();
      request.pause();
      tooLarge();
    };
    request.on('data', count);
    return () => request.off('data', count);
  }
}

function mergeFiles(fields: Record<string, unknown>, files: Record<string, Express.Multer.File[]>, target: ImageTarget): Record<string, unknown> {
  const body: Record<string, unknown> = { ...fields };
  for (const name of NUMERIC_FIELDS) {
    if (typeof body[name] === 'string' && body[name] !== '' && !Number.isNaN(Number(body[name]))) body[name] = Number(body[name]);
  }
  if (typeof body.metadata === 'string') body.metadata = parseJsonField('metadata', body.metadata);
  for (const name of BOOLEAN_FIELDS) {
    if (body[name] === 'true' || body[name] === 'false') body[name] = body[name] === 'true';
  }
  const buffers = (name: string) => (files[name] ?? []).map((f) => f.buffer);
  if (target === 'images' || target === 'frames') {
    if (files.file || files.files) body[target] = [...buffers('files'), ...buffers('file')];
  } else if (files.file) {
    body.image = buffers('file')[0];
  }
  if (files.imageA) body.imageA = buffers('imageA')[0];
  if (files.imageB) body.imageB = buffers('imageB')[0];
  return body;
}

function parseJsonField(name: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new DomainError('VALIDATION_FAILED', `${name} must be a JSON object.`);
  }
}

function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE':
        return new DomainError('IMAGE_TOO_LARGE', 'An uploaded image is larger than the per-image limit.');
      case 'LIMIT_FILE_COUNT':
      case 'LIMIT_UNEXPECTED_FILE':
        return new DomainError(
          'VALIDATION_FAILED',
          `Too many files or an unexpected file field (${error.field ?? 'unknown'}); use file, files, imageA or imageB.`,
        );
      default:
        return new DomainError('VALIDATION_FAILED', `The multipart body was refused (${error.code}).`);
    }
  }
  return new DomainError('VALIDATION_FAILED', 'The multipart body is malformed.');
}
