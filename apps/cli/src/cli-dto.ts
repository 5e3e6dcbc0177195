import { Type } from '@nestjs/common';
import { createValidationPipe } from '@facegate/core';

/** Validates input exactly as the API's global pipe does (unknown fields refused, VALIDATION_FAILED naming them). */
export function validateLikeApi<T extends object>(dto: Type<T>, plain: object): Promise<T> {
  return createValidationPipe().transform(plain, { type: 'body', metatype: dto }) as Promise<T>;
}
