import { CallHandler, ExecutionContext, Inject, Injectable, mixin, NestInterceptor, Type } from '@nestjs/common';
import type { Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import { Observable } from 'rxjs';
import { DomainError } from '@facegate/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { assertSaneInput } from './input-shape';

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
    const received = this.limitBody(request);
    await new Promise<void>((resolve, reject) =>
      this.upload(request, http.getResponse<Response>(), (error: unknown) => (error ? reject(toDomainError(error)) : resolve())),
    );
    if (received() > this.maxBodyBytes) throw payloadTooLarge(this.maxBodyBytes);
    request.body = mergeFiles(request.body ?? {}, (request.files ?? {}) as Record<string, Express.Multer.File[]>, this.target);
    assertSaneInput(request.body, 'multipart body');
    return next.handle();
  }

  /**
   * Multer limits each file and the number of files, not the whole body: enforce FACEGATE_MAX_BODY_BYTES from the
   * declared length up front and, for chunked uploads, by counting what arrives.
   */
  private limitBody(request: Request): () => number {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > this.maxBodyBytes) throw payloadTooLarge(this.maxBodyBytes);
    let received = 0;
    request.on('data', (chunk: Buffer) => (received += chunk.length));
    return () => received;
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

function payloadTooLarge(limit: number): DomainError {
  return new DomainError('PAYLOAD_TOO_LARGE', `The request body exceeds ${limit} bytes.`);
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
        return new DomainError('VALIDATION_FAILED', `Too many files or an unexpected file field (${error.field ?? 'unknown'}); use file, files, imageA or imageB.`);
      default:
        return new DomainError('VALIDATION_FAILED', `The multipart body was refused (${error.code}).`);
    }
  }
  return new DomainError('VALIDATION_FAILED', 'The multipart body is malformed.');
}
