import { Module } from '@nestjs/common';
import { HttpObserver } from './http-observer';

/** The request observer (access log, request context, in-flight count, HTTP metrics); app.setup mounts it. */
@Module({ providers: [HttpObserver], exports: [HttpObserver] })
export class LoggingModule {}
