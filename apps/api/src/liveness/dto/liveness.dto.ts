import type { OpenSessionInput, SubmitFramesInput } from '@facegate/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsImageInput } from '../../common/image-input.validator';
import { CollectionField } from '../../users/dto/user.dto';
import { CHALLENGE_STEPS, MAX_JUDGED_YAW } from '@facegate/core';

export class OpenSessionDto implements OpenSessionInput {
  @CollectionField()
  collection?: string;
}

export class SubmitFramesDto implements SubmitFramesInput {
  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: 100,
    description:
      'Camera frames in capture order (base64 or data URLs), unmirrored, about 3-10 per second; the first must face the camera. ' +
      'At most FACEGATE_LIVENESS_MAX_FRAMES_PER_REQUEST (20) per request. Multipart: field `files`.',
    example: ['data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ...'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsImageInput({ each: true })
  frames!: Array<string | Buffer>;

  @ApiProperty({
    example: 'q8V3fJ0n2wYt1bQeZk9x7A',
    description:
      "The session's current `stepNonce` (from the last answer): frames answer the step revealed last. Another value fails the session (CHALLENGE_FAILED, reason stale_step).",
  })
  @IsString()
  @MaxLength(64)
  stepNonce!: string;

  @ApiPropertyOptional({
    default: false,
    description: 'These are the last frames: if the challenge is not complete after them, it fails (CHALLENGE_FAILED, reason incomplete).',
  })
  @IsOptional()
  @IsBoolean()
  final?: boolean;
}

export class FrameReportDto {
  @ApiProperty({ example: 3, description: 'Position of the frame in the session (0-based, over all uploads).' }) index!: number;
  @ApiProperty({ example: true }) face!: boolean;
  @ApiProperty({
    nullable: true,
    enum: [...CHALLENGE_STEPS, 'neutral', 'transition', 'anchor', 'not_frontal', 'too_far'],
    description: `What the frame shows relative to the anchor (the first frontal frame); too_far: turned more than ${MAX_JUDGED_YAW} degrees, not judged.`,
  })
  gesture!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.78, description: 'Similarity to the anchor face.' }) similarity!: number | null;
}

export class SessionLivenessDto {
  @ApiProperty({ type: Number, nullable: true, example: 0.31, description: 'Median passive score of the frames.' }) score!: number | null;
  @ApiProperty({ type: Boolean, nullable: true, example: true }) live!: boolean | null;
  @ApiProperty({ enum: ['off', 'advisory', 'enforce'] }) mode!: string;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['in_progress', 'passed', 'failed'] }) status!: string;
  @ApiProperty({
    enum: CHALLENGE_STEPS,
    isArray: true,
    example: ['turn_left', 'look_up'],
    description: 'The steps revealed so far: those done and the current one. Later steps are revealed one at a time.',
  })
  challenge!: string[];
  @ApiProperty({ type: [String], example: ['Turn your head to your left', 'Tilt your head up'] }) instructions!: string[];
  @ApiProperty({ example: 3 }) totalSteps!: number;
  @ApiProperty({ example: 1 }) completedSteps!: number;
  @ApiProperty({ nullable: true, enum: CHALLENGE_STEPS, example: 'look_up' }) nextStep!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'q8V3fJ0n2wYt1bQeZk9x7A', description: 'Send with the frames that answer the current step.' })
  stepNonce!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'The current step must be answered by then (FACEGATE_LIVENESS_STEP_SECONDS).',
  })
  stepExpiresAt!: string | null;
  @ApiProperty({ example: 12 }) framesReceived!: number;
  @ApiProperty({ example: 60 }) maxFrames!: number;
  @ApiProperty({ example: 20, description: 'Most frames one upload may carry.' }) maxFramesPerRequest!: number;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class FramesResultDto extends SessionDto {
  @ApiProperty({ type: [FrameReportDto] }) frames!: FrameReportDto[];
  @ApiPropertyOptional({ type: SessionLivenessDto }) liveness?: SessionLivenessDto;
  @ApiPropertyOptional({
    example: 'lt_Q2hhbGxlbmdlIHBhc3NlZC4gV2VsY29tZSBiYWNrIQ',
    description: 'Only when passed: single use, for /verify or /recognize in this collection with this key, for this face.',
  })
  livenessToken?: string;
  @ApiPropertyOptional({ format: 'date-time' }) tokenExpiresAt?: string;
}
