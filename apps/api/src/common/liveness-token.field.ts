import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const DESCRIPTION =
  'Token of a passed liveness challenge: single use, for this face, key and collection. Required when the collection sets requireLivenessToken.';

/** The token a passed liveness challenge returned (POST /liveness/sessions/{id}/frames). */
export function LivenessTokenField(description = DESCRIPTION): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ example: 'lt_Q2hhbGxlbmdlIHBhc3NlZC4gV2VsY29tZSBiYWNrIQ', description }),
    IsOptional(),
    IsString(),
    MaxLength(100),
    Matches(/^lt_[A-Za-z0-9_-]+$/, { message: 'livenessToken must be a token returned by a passed liveness challenge (lt_...)' }),
  );
}
