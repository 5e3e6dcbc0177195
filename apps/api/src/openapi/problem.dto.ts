import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_STATUS, ErrorCode } from '@facegate/common';

const CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/**
 * The body of every error: RFC 9457 problem details (application/problem+json) with the stable `code`. Some codes
 * add details, documented here as optional members; a client should ignore members it does not know.
 */
export class ProblemDto {
  @ApiProperty({ example: 'https://facegate.dev/problems/no-face', description: 'A URI per code.' }) type!: string;
  @ApiProperty({ example: 'No face found in the image' }) title!: string;
  @ApiProperty({ example: 422, description: 'The HTTP status, repeated.' }) status!: number;
  @ApiProperty({ example: 'No face was found in the image.', description: 'What happened in this case, for people.' }) detail!: string;
  @ApiProperty({ enum: CODES, enumName: 'ErrorCode', example: 'NO_FACE', description: 'The stable code to act on.' }) code!: ErrorCode;
  @ApiPropertyOptional({
    example: '6903f8f0-ab62-4b22-b12a-657d6243184a',
    description: "The request's X-Request-Id (the client's own when it sent one), for the logs.",
  })
  requestId?: string;
  @ApiPropertyOptional({ example: 1, description: 'Which photo of a list failed (enrolment, liveness frames).' }) index?: number;
  @ApiPropertyOptional({ example: 'images[1]', description: 'Which field failed.' }) field?: string;
  @ApiPropertyOptional({ type: [String], example: ['sharpness'], description: 'LOW_QUALITY: the checks that failed.' }) failedChecks?: string[];
  @ApiPropertyOptional({ example: 'incomplete', description: 'CHALLENGE_FAILED: why.' }) reason?: string;
}
