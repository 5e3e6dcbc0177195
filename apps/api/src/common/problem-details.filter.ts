import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { DomainError, ErrorCode } from '@facegate/common';
import { buildProblem, problemFor, sendProblem } from './problem-details';
import { requestIdOf } from './request-id.middleware';

const HTTP_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'NOT_READY',
};

/**
 * The one place errors become HTTP: domain errors by their code, framework errors by their status, anything else
 * as a generic 500 that is logged with the request id but never shows a stack trace or SQL to the client.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const requestId = requestIdOf(request);
    const problem = this.toProblem(exception, requestId, request);
    if (problem.status === 429 && !response.getHeader('Retry-After')) response.setHeader('Retry-After', '60');
    sendProblem(response, problem);
  }

  private toProblem(exception: unknown, requestId: string | undefined, request: Request) {
    if (exception instanceof DomainError) return problemFor(exception, requestId);
    if (exception instanceof ThrottlerException) return buildProblem('RATE_LIMITED', 'Too many requests; retry after the time in Retry-After.', {}, requestId);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = HTTP_CODES[status];
      if (code) return buildProblem(code, this.describe(exception, status, request), {}, requestId);
    }
    const message = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    this.logger.error(`unhandled error on ${request.method} ${request.path} [${requestId}]: ${message}`);
    return buildProblem('INTERNAL_ERROR', 'An unexpected error occurred. Quote the request id when reporting it.', {}, requestId);
  }

  private describe(exception: HttpException, status: number, request: Request): string {
    if (status === (HttpStatus.NOT_FOUND as number)) return `No route ${request.method} ${request.path}.`;
    const body = exception.getResponse();
    const message = typeof body === 'object' && body !== null && 'message' in body ? body.message : exception.message;
    return Array.isArray(message) ? message.join('; ') : String(message);
  }
}
