import { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { assertSaneInput, DomainError, MAX_INPUT_DEPTH } from '@facegate/common';
import { APP_CONFIG, AppConfig } from '@facegate/core';
import { assertDeclaredLength, continueIfExpected, payloadTooLarge } from './body-limits';
import { assembleJson } from './json-assembler';
import { JsonScanner } from './json-scanner';

/** Far above any legal request (an enrolment is a few fields and up to 10 images; a frames upload 20), far below a flood. */
export const MAX_JSON_VALUES = 10_000;
/** String values from this length on are cut from the buffer instead of parsed (json-assembler.ts). */
const LONG_STRING_BYTES = 1024;
const FIRST_ALLOCATION = 64 * 1024;
const DECODERS: Record<string, () => Transform> = { gzip: createGunzip, deflate: createInflate, br: createBrotliDecompress };

/**
 * Reads a JSON request body under a byte limit, after the guards (body-reader.interceptor.ts): a declared length over
 * the limit is refused before reading; bytes are counted as they arrive (after decompression too) and reading stops at
 * the chunk that passes the limit, or the depth, value-count or structure cap of the scanner, without taking in the
 * rest. The complete body is then assembled (json-assembler.ts) and checked for NUL characters.
 */
@Injectable()
export class JsonBodyReader {
  private readonly maxSkeletonBytes: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // The JSON structure of any body, image routes included, is held to the small limit: only long strings go beyond it.
    this.maxSkeletonBytes = config.limits.maxSmallBodyBytes;
  }

  async read(request: Request, response: Response, limitBytes: number): Promise<unknown> {
    assertDeclaredLength(request, limitBytes);
    assertUtf8(request);
    const decode = decoderFor(request);
    continueIfExpected(request, response);
    const scanner = new JsonScanner({
      maxDepth: MAX_INPUT_DEPTH,
      maxValues: MAX_JSON_VALUES,
      maxSkeletonBytes: this.maxSkeletonBytes,
      longStringBytes: LONG_STRING_BYTES,
    });
    const bytes = await collect(request, decode?.(), limitBytes, scanner);
    const longStrings = scanner.end();
    // As body-parser: an empty JSON body is an empty object.
    if (bytes.length === 0) return {};
    const body = await assembleJson(bytes, longStrings);
    assertSaneInput(body, 'request body');
    return body;
  }
}

function assertUtf8(request: Request): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1].toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'The body encoding is not supported; send UTF-8 JSON.');
  }
}

function decoderFor(request: Request): (() => Transform) | undefined {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return undefined;
  const decoder = DECODERS[encoding];
  if (!decoder)
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${encoding.slice(0, 40)}" is not supported; send identity, gzip, deflate or br.`);
  return decoder;
}

/**
 * The body's bytes (decompressed when `decoder` is given), each chunk scanned as it arrives. On any refusal the
 * request is unpiped and paused: nothing more is read, and the answer's `Connection: close` ends the connection.
 */
function collect(request: Request, decoder: Transform | undefined, limitBytes: number, scanner: JsonScanner): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // The client went away while the guards were deciding: there is nothing left to read.
    if (request.destroyed) return reject(new DomainError('VALIDATION_FAILED', 'The request body ended early.'));
    const source: Readable = decoder ? request.pipe(decoder) : request;
    const declared = decoder ? undefined : Number(request.headers['content-length']);
    const body = new BodyBuffer(declared || FIRST_ALLOCATION, limitBytes);
    let received = 0;
    const onRawData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) stop(payloadTooLarge(limitBytes));
    };
    const onData = (chunk: Buffer) => {
      if (body.length + chunk.length > limitBytes) return stop(payloadTooLarge(limitBytes));
      try {
        scanner.write(chunk);
      } catch (error) {
        return stop(error);
      }
      body.append(chunk);
    };
    const onEnd = () => {
      detach();
      resolve(body.bytes());
    };
    const onDecodeError = () => stop(new DomainError('VALIDATION_FAILED', 'The request body could not be decompressed.'));
    const onClose = () => {
      if (!request.readableEnded) stop(new DomainError('VALIDATION_FAILED', 'The request body ended early.'));
    };
    const detach = () => {
      request.off('data', onRawData).off('close', onClose).off('error', onClose);
      source.off('data', onData).off('end', onEnd).off('error', onDecodeError);
    };
    const stop = (error: unknown) => {
      detach();
      if (decoder) {
        request.unpipe();
        // A late decompression error of a stream given up on must not go unhandled.
        source.on('error', () => undefined).destroy();
      }
      request.pause();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    if (decoder) request.on('data', onRawData);
    request.on('close', onClose).on('error', onClose);
    source.on('data', onData).on('end', onEnd).on('error', onDecodeError);
  });
}

/**
 * The body in one buffer, sized from Content-Length when there is one, so that each chunk is copied once, as it arrives,
 * and the long strings can be cut from contiguous bytes. Chunked and compressed bodies grow it by doubling.
 */
class BodyBuffer {
  private buffer: Buffer;
  length = 0;

  constructor(
    expected: number,
    private readonly limitBytes: number,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.min(Math.max(expected, 0), limitBytes));
  }

  append(chunk: Buffer): void {
    if (this.length + chunk.length > this.buffer.length) this.grow(this.length + chunk.length);
    chunk.copy(this.buffer, this.length);
    this.length += chunk.length;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.min(this.limitBytes, Math.max(needed, this.buffer.length * 2)));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}
