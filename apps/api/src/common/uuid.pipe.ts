import { ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from '@facegate/common';

/** Path ids must be UUIDs; anything else is a validation error rather than a database error. */
export const UuidPipe = new ParseUUIDPipe({
  exceptionFactory: () => new DomainError('VALIDATION_FAILED', 'The id in the path must be a UUID.'),
});
