import { Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { COLLECTION_NAME } from '@facegate/core';

/** Collection names in paths follow the same rule as in bodies. */
@Injectable()
export class CollectionNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !COLLECTION_NAME.test(value)) {
      throw new DomainError('VALIDATION_FAILED', 'The collection name must be 1-64 lowercase letters, digits, "-" or "_".');
    }
    return value;
  }
}
