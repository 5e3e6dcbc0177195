import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import { Scope } from '@facegate/core';

export const ACCESS = 'facegate:access';

/**
 * Declares the scope a route needs. The scope is also the route's rate-limit class: each key has one budget per
 * class (enrol, recognize, read, admin), so a flood of recognitions cannot starve enrolments.
 */
export const Access = (scope: Scope) =>
  applyDecorators(SetMetadata(ACCESS, scope), ApiForbiddenResponse({ description: `\`FORBIDDEN\`: the key lacks the \`${scope}\` scope` }));

export const ANY_KEY = 'facegate:any-key';

/**
 * A route any valid key may call, whatever its scopes (the key describing itself). It is rate-limited in the `read`
 * class.
 */
export const AnyKey = () => applyDecorators(SetMetadata(ACCESS, 'read'), SetMetadata(ANY_KEY, true));
