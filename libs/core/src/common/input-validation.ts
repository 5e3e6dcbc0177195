import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '@facegate/common';

/** class-validator failures as VALIDATION_FAILED, naming every offending field. Unknown fields are refused. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors: ValidationError[]) => {
      const messages = flatten(errors);
      return new DomainError('VALIDATION_FAILED', messages.join('; ') || 'The request is not valid.', { fields: messages.length });
    },
  });
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => m.replace(e.property, path));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}
