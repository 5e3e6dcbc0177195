import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsNumber, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsPlainText } from '../common/plain-text.validator';
import { LIVENESS_MODES } from '../recognition/liveness-policy';
import { COLLECTION_NAME } from './collection-name';
import { COLLECTION_PURPOSES, CollectionPurpose, CollectionSettings } from './collection-policy';

/*
 * A collection's name, description and settings, validated the same way whichever door they come through: the API's
 * body (POST/PATCH /collections) and the command-line import. Their rules and their documentation have one home here.
 */

export class CollectionSettingsDto implements CollectionSettings {
  @ApiPropertyOptional({
    enum: COLLECTION_PURPOSES,
    default: 'sign_in',
    description:
      'What the collection is for. sign_in (the default, FACEGATE_COLLECTION_PURPOSE): /verify and /recognize need a liveness token from a passed challenge and the passive check is enforced, so a photo cannot sign in. photo_search (events, archives): liveness is reported only. The settings below override the purpose one by one.',
  })
  @IsOptional()
  @IsIn(COLLECTION_PURPOSES)
  purpose?: CollectionPurpose;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1,
    example: 0.4,
    description: 'Match threshold for this collection (default: the server threshold). Requests may raise it for themselves, never lower it.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  matchThreshold?: number;

  @ApiPropertyOptional({
    enum: LIVENESS_MODES,
    description:
      'Passive liveness: off, advisory (reported only) or enforce (SPOOF_SUSPECTED below the threshold). Default: enforce for sign_in, advisory for photo_search.',
  })
  @IsOptional()
  @IsIn(LIVENESS_MODES)
  livenessMode?: (typeof LIVENESS_MODES)[number];

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1,
    example: 0.9,
    description: 'Passive liveness score needed to count as live (default FACEGATE_LIVENESS_THRESHOLD).',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  livenessThreshold?: number;

  @ApiPropertyOptional({
    description:
      'Require a liveness token from a passed active challenge (POST /liveness/sessions) on every /verify and /recognize (LIVENESS_REQUIRED otherwise). Default: true for sign_in, false for photo_search.',
  })
  @IsOptional()
  @IsBoolean()
  requireLivenessToken?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'Show similarities below the threshold: candidates and scores of non-matches in /recognize, /verify and /compare. Off by default: those scores let a caller hill-climb an image towards a person (an oracle). Turn on only for trusted callers, e.g. to calibrate.',
  })
  @IsOptional()
  @IsBoolean()
  exposeScores?: boolean;
}

export class CreateCollectionDto {
  @ApiProperty({ example: 'conference-2026', description: '1-64 lowercase letters, digits, "-" or "_"' })
  @IsString()
  @Matches(COLLECTION_NAME, { message: 'name must be 1-64 lowercase letters, digits, "-" or "_"' })
  name!: string;

  @ApiPropertyOptional({ example: 'Attendees of the 2026 conference', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @IsPlainText()
  description?: string;

  @ApiPropertyOptional({ type: CollectionSettingsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CollectionSettingsDto)
  settings?: CollectionSettingsDto;
}

export class UpdateCollectionDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @IsPlainText()
  description?: string;

  @ApiPropertyOptional({ type: CollectionSettingsDto, description: 'Replaces the settings.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CollectionSettingsDto)
  settings?: CollectionSettingsDto;
}
