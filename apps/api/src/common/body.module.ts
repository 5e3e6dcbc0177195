import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { BodyReaderInterceptor } from './body-reader.interceptor';
import { JsonBodyReader } from './json-body.reader';

/** Request bodies are read by a global interceptor, after the guards (see BodyReaderInterceptor). */
@Module({
  providers: [JsonBodyReader, { provide: APP_INTERCEPTOR, useClass: BodyReaderInterceptor }],
})
export class BodyModule {}
